import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { readableCause } from '../../functions/core/state/index.js';

/**
 * Progress lines from an execution's history, as `npm start` prints them: one per entered Task, Map
 * or Fail state, one per retry, one per failed attempt. Lines carry state names, error names and
 * causes only: the task inputs and outputs are never printed.
 */

/** What the reader remembers between two pages of history. */
export interface HistoryMemory {
  /** For each event id seen, the state it belongs to and the attempts of that state's task. */
  readonly states: Map<number, { readonly name: string; attempts: number }>;
}

/** A fresh memory, for a new execution. */
export function newHistoryMemory(): HistoryMemory {
  return { states: new Map() };
}

const PRINTED_ENTRIES = new Set(['TaskStateEntered', 'MapStateEntered', 'FailStateEntered']);
const SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled']);
const FAILED = new Set([
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
]);

/** The lines one history event adds; events must come in id order. */
export function describeHistoryEvent(event: HistoryEvent, memory: HistoryMemory): string[] {
  const type = String(event.type ?? '');
  const entered = event.stateEnteredEventDetails?.name;
  if (entered !== undefined) {
    memory.states.set(event.id ?? 0, { name: entered, attempts: 0 });
    return PRINTED_ENTRIES.has(type) ? [`→ ${entered}`] : [];
  }
  // Every other event of a state follows one of that state (previousEventId): its task's events too.
  const state = event.previousEventId === undefined ? undefined : memory.states.get(event.previousEventId);
  if (!state || event.stateExitedEventDetails) return [];
  memory.states.set(event.id ?? 0, state);
  if (SCHEDULED.has(type)) {
    state.attempts += 1;
    return state.attempts > 1 ? [`  ↻ ${state.name}: retry ${state.attempts - 1}`] : [];
  }
  if (FAILED.has(type)) {
    const { error, cause } = failureOf(event);
    return [`  ✗ ${state.name}: ${error}${cause ? `: ${cause}` : ''}`];
  }
  return [];
}

function failureOf(event: HistoryEvent): { error: string; cause: string } {
  const details =
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails;
  return { error: details?.error ?? 'Error', cause: readableCause(details?.cause ?? '') };
}
