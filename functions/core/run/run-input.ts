import { InvalidInputError } from '../base/index.js';
import {
  type ExecutionInput,
  executionName,
  minimumPollSeconds,
  POLL_INTERVAL_SECONDS,
  type StartedBy,
} from '../state/index.js';
import type { DatabaseBinding } from './binding.js';

/**
 * How long before its execution's start a scheduled time may lie: EventBridge Scheduler retries an
 * invocation of the launcher for at most 24 hours (its maximum event age). An older run waits in the
 * missed-runs queue and is started by hand, without a scheduled time.
 */
export const SCHEDULED_TIME_WINDOW_HOURS = 24;
/** Clock difference allowed between the Scheduler's scheduled time and the execution's start. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What the execution input settles for the run, checked against the execution and the binding. */
export interface RunTiming {
  /** The schedule's time, or the execution's start for a run by hand. */
  readonly scheduledTime: string;
  readonly startedBy: StartedBy;
  readonly pollSeconds: number;
  /** The night window the launcher started the run in: its closing time and the run's rank. */
  readonly window?: RunWindow;
}

/** A run's place in its night window. */
export interface RunWindow {
  /** ISO UTC time the window closes. */
  readonly closesAt: string;
  /** 0-based position in the window's start order. */
  readonly rank: number;
}

/** The highest rank in a window's start order (its queue keys hold 6 digits). */
export const MAX_WINDOW_RANK = 999_999;

/** Longest a window may stay open after the run's scheduled time. */
export const WINDOW_CLOSES_WITHIN_HOURS = 24;

/** The execution as Step Functions reports it (the input cannot change these). */
export interface ExecutionFacts {
  readonly executionName: string;
  /** ISO time; a redriven execution keeps its first start time, so the checks below stay stable. */
  readonly executionStartTime: string;
}

/**
 * Checks the parts of the execution input that a person could use to lie, and derives who started
 * the run. `scheduledTime` may not lie after the execution's start (plus 5 minutes of clock skew)
 * nor more than 24 hours before it: a time in 2099 would otherwise keep the restore drill from being
 * due until 2099. The run counts as started by its schedule only when the launcher named the
 * execution (`<database>_<scheduled time>`, which Step Functions keeps unique); any other run is by
 * hand, whatever its input says. `pollSeconds` may not be shorter than what keeps the worst case
 * within the execution's history budget (25,000 events). Throws `InvalidInputError` naming the value.
 */
export function runTiming(input: ExecutionInput, facts: ExecutionFacts, binding: DatabaseBinding): RunTiming {
  const started = Date.parse(facts.executionStartTime);
  let startedBy: StartedBy = 'hand';
  if (input.scheduledTime !== undefined) {
    const scheduled = Date.parse(input.scheduledTime);
    if (scheduled > started + CLOCK_SKEW_MS) {
      throw new InvalidInputError(
        `The execution input's scheduledTime "${input.scheduledTime}" lies after the execution started ` +
          `(${facts.executionStartTime}); allowed: a time not in the future, within the ${SCHEDULED_TIME_WINDOW_HOURS} ` +
          `hours before the start. Start a run by hand with {"database":"${input.database}"}`,
      );
    }
    if (scheduled < started - SCHEDULED_TIME_WINDOW_HOURS * 3600_000) {
      throw new InvalidInputError(
        `The execution input's scheduledTime "${input.scheduledTime}" lies more than ${SCHEDULED_TIME_WINDOW_HOURS} ` +
          `hours before the execution started (${facts.executionStartTime}); allowed: a time within the ` +
          `${SCHEDULED_TIME_WINDOW_HOURS} hours before the start. Start a missed run by hand with ` +
          `{"database":"${input.database}"}`,
      );
    }
    if (facts.executionName === executionName(input.database, input.scheduledTime)) startedBy = 'schedule';
  }
  const minimum = minimumPollSeconds(binding.timeoutSeconds, binding.restoreDrill !== undefined);
  if (input.pollSeconds !== undefined && input.pollSeconds < minimum) {
    throw new InvalidInputError(
      `The execution input's pollSeconds ${input.pollSeconds} is too short for database "${binding.database}"; ` +
        `allowed: ${minimum} to ${POLL_INTERVAL_SECONDS.max} seconds (its timeout of ${binding.timeoutSeconds / 3600} ` +
        'hours must fit in the execution history of 25,000 events), or leave pollSeconds out',
    );
  }
  const window = input.window ? checkWindow(input, scheduledTimeOf(input, facts)) : undefined;
  return {
    // Always a string: a JSONPath to a missing field would fail the execution in "Write manifest".
    scheduledTime: input.scheduledTime ?? facts.executionStartTime,
    startedBy,
    pollSeconds: input.pollSeconds ?? binding.pollSeconds,
    ...(window ? { window } : {}),
  };
}

function scheduledTimeOf(input: ExecutionInput, facts: ExecutionFacts): string {
  return input.scheduledTime ?? facts.executionStartTime;
}

/**
 * The input's window, when its closing time lies after the scheduled time and at most 24 hours after
 * it, and its rank is a whole number of at least 0; else `InvalidInputError` naming the value (a
 * closing time in 2099 would let a run start late in the working day).
 */
function checkWindow(input: ExecutionInput, scheduledTime: string): RunWindow {
  const window = input.window!;
  const closes = Date.parse(window.closesAt);
  const scheduled = Date.parse(scheduledTime);
  if (!(closes > scheduled) || closes > scheduled + WINDOW_CLOSES_WITHIN_HOURS * 3600_000) {
    throw new InvalidInputError(
      `The execution input's window.closesAt "${window.closesAt}" is not allowed; allowed: a time after the ` +
        `run's scheduled time (${scheduledTime}) and at most ${WINDOW_CLOSES_WITHIN_HOURS} hours after it. ` +
        `Start a run by hand with {"database":"${input.database}"}`,
    );
  }
  if (!Number.isSafeInteger(window.rank) || window.rank < 0 || window.rank > MAX_WINDOW_RANK) {
    throw new InvalidInputError(
      `The execution input's window.rank ${window.rank} is not allowed; allowed: a whole number from 0 to ${MAX_WINDOW_RANK} ` +
        `(the run's place in its window's start order). Start a run by hand with {"database":"${input.database}"}`,
    );
  }
  return { closesAt: new Date(closes).toISOString(), rank: window.rank };
}
