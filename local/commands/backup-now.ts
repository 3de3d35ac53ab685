import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  type HistoryEvent,
  InvalidToken,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DATABASE_ID } from '../../functions/core/state/index.js';
import { describeHistoryEvent, newHistoryMemory } from './history-lines.js';
import { describeFailure, describeSummary, parseJson } from './run-summary.js';
import {
  awsProblem,
  consoleLink,
  ExitCode,
  type Output,
  type SfnSender,
  type StateMachineRef,
  UsageError,
} from './state-machine.js';

/** What `backup-now` needs: Step Functions, a clock, a way to wait, and where to write. */
export interface BackupNowDeps extends Output {
  readonly sfn: SfnSender;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

/** What `backup-now` was asked. */
export interface BackupNowOptions {
  readonly database: string;
  readonly machine: StateMachineRef;
  /** Print one JSON line on stdout at the end (progress and the summary go to stderr). */
  readonly json: boolean;
  /** Time between two reads of the execution's history. @default 5000 */
  readonly pollMs?: number;
}

const ENDED = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/** The name of a run started by hand: `orders_manual_20261201T143005Z`. */
export function manualExecutionName(database: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${database}_manual_${stamp}`;
}

/**
 * Starts a backup of one database on the deployed state machine, follows it state by state and
 * prints its summary, or its error and cause. Returns the exit code: 0 succeeded, 1 failed.
 */
export async function backupNow(deps: BackupNowDeps, options: BackupNowOptions): Promise<ExitCode> {
  const { database, machine, json } = options;
  if (!DATABASE_ID.test(database)) {
    throw new UsageError(
      `database "${database}" is not a database id; allowed: 2 to 32 of a-z, 0-9 and -, starting with a letter`,
    );
  }
  // With --json, stdout carries only the result line: everything else goes to stderr.
  const say = json ? deps.err : deps.out;
  const name = manualExecutionName(database, deps.now());
  let executionArn: string;
  try {
    const started = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machine.arn, name, input: JSON.stringify({ database }) }),
    );
    executionArn = started.executionArn!;
  } catch (error) {
    throw awsProblem(error, `Starting execution ${name} of ${machine.arn}`);
  }
  say(`Started ${name}: ${consoleLink(machine.region, executionArn)}`);
  say('(stopping this command does not stop the execution)');

  await follow(deps, executionArn, options.pollMs ?? 5000, say);
  const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const seconds = durationSeconds(execution, deps.now());
  const succeeded = execution.status === 'SUCCEEDED';
  const lines = succeeded
    ? describeSummary(parseJson(execution.output), seconds)
    : describeFailure(database, execution.status ?? 'FAILED', execution.error, execution.cause, seconds);
  say('');
  for (const line of lines) (succeeded ? say : deps.err)(line);
  if (json) {
    deps.out(
      JSON.stringify({
        executionArn,
        name,
        status: execution.status,
        ...(succeeded
          ? { output: parseJson(execution.output) }
          : { error: execution.error, cause: execution.cause }),
      }),
    );
  }
  return succeeded ? ExitCode.Ok : ExitCode.RunFailed;
}

/**
 * Reads the history until the execution ends, printing each new event's lines. Only the last page
 * is read again at each poll: its token is kept, and events already seen are skipped.
 */
async function follow(
  deps: BackupNowDeps,
  executionArn: string,
  pollMs: number,
  say: (line: string) => void,
): Promise<void> {
  const memory = newHistoryMemory();
  let pageToken: string | undefined;
  let lastId = 0;
  for (;;) {
    let page: GetExecutionHistoryCommandOutput;
    try {
      page = await deps.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: pageToken }),
      );
    } catch (error) {
      // Tokens expire after 24 hours: read from the first page again, skipping what was seen.
      if (!(error instanceof InvalidToken) || pageToken === undefined) throw error;
      pageToken = undefined;
      continue;
    }
    const events: HistoryEvent[] = (page.events ?? []).filter((event) => (event.id ?? 0) > lastId);
    for (const event of events) {
      lastId = event.id ?? lastId;
      for (const line of describeHistoryEvent(event, memory)) say(line);
      if (ENDED.has(String(event.type))) return;
    }
    if (page.nextToken) {
      pageToken = page.nextToken;
      continue;
    }
    await deps.sleep(pollMs);
  }
}

function durationSeconds(execution: DescribeExecutionCommandOutput, now: Date): number {
  const start = execution.startDate?.getTime() ?? now.getTime();
  const stop = execution.stopDate?.getTime() ?? now.getTime();
  return Math.round((stop - start) / 100) / 10;
}
