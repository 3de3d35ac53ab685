import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { SfnSender } from './state-machine.js';

/** How long a run waited for an ORDS slot before its export (or before it missed its window). */
export interface SlotWait {
  /** From its first "Take an ORDS slot" to "Start export" (or "Window closed"). */
  readonly seconds: number;
  /** Times it entered "Waiting for an ORDS slot". */
  readonly tries: number;
  /** False when it missed its window. */
  readonly taken: boolean;
}

/** Pages of the execution history read at most: the waits come first, before "Start export". */
const MAX_PAGES = 2;

/**
 * Reads an execution's history from its start up to "Start export" (or "Window closed") and says
 * how long it waited for an ORDS slot; null when it did not wait (or its history cannot be read:
 * the listing goes on without it).
 */
export async function slotWaitOf(sfn: SfnSender, executionArn: string): Promise<SlotWait | null> {
  let first: Date | undefined;
  let tries = 0;
  let nextToken: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
      );
      for (const event of answer?.events ?? []) {
        const name = event.stateEnteredEventDetails?.name;
        if (name === 'Take an ORDS slot') first ??= event.timestamp;
        if (name === 'Waiting for an ORDS slot') tries += 1;
        if ((name === 'Start export' || name === 'Window closed') && first && event.timestamp) {
          if (tries === 0) return null;
          const seconds = Math.round((event.timestamp.getTime() - first.getTime()) / 1000);
          return { seconds, tries, taken: name === 'Start export' };
        }
      }
      nextToken = answer?.nextToken;
      if (!nextToken) return null;
    }
  } catch {
    return null;
  }
  return null;
}
