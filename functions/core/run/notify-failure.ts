import { readableCause } from '../state/index.js';

/**
 * Turns a Step Functions "Execution Status Change" event of a failed, timed-out or aborted backup
 * into the alert a person reads: a one-line subject and a plain-text message with the database, the
 * error, the cause and a link to the execution in the console. Pure: no AWS calls, no environment.
 */

/** The statuses that alert (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html). */
export const ALERTING_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** EventBridge's `detail-type` of the events read here. */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** SNS refuses subjects of 100 characters or more, and line breaks or control characters in them. */
export const MAX_SUBJECT_LENGTH = 99;

/** Longest cause shown: the Data Pump log lines can be long, an alert should stay readable. */
const MAX_CAUSE_LENGTH = 4_000;

/** The part of the EventBridge event this function reads; every field may be missing or null. */
export interface ExecutionStatusEvent {
  readonly region?: string;
  readonly time?: string;
  readonly detail?: {
    readonly executionArn?: string | null;
    readonly stateMachineArn?: string | null;
    readonly name?: string | null;
    readonly status?: string | null;
    readonly startDate?: number | null;
    readonly stopDate?: number | null;
    /** The execution input as a JSON string. */
    readonly input?: string | null;
    readonly error?: string | null;
    readonly cause?: string | null;
  } | null;
}

/** The alert for one execution. */
export interface FailureNotice {
  /** One line, ASCII, at most {@link MAX_SUBJECT_LENGTH} characters. */
  readonly subject: string;
  /** Plain text, several lines. */
  readonly message: string;
  /** The database backed up, from the execution input; undefined when the input cannot be read. */
  readonly database: string | undefined;
  /** The execution's status (`FAILED`, `TIMED_OUT`, `ABORTED`, or what the event said). */
  readonly status: string;
}

/** Words for each status, as the subject and first line say them. */
const STATUS_WORDS: Readonly<Record<string, string>> = {
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  ABORTED: 'was aborted',
};

/** Builds the alert for one execution status change event. */
export function describeFailure(event: ExecutionStatusEvent): FailureNotice {
  const detail = event.detail ?? {};
  const status = detail.status ?? 'UNKNOWN';
  const input = readInput(detail.input);
  const database = input.database;
  const error = detail.error?.trim() || undefined;
  const cause = readCause(detail.cause);
  const region = event.region ?? regionOf(detail.executionArn);
  const words = STATUS_WORDS[status] ?? `ended with status ${status}`;
  const who = database ? `"${database}"` : '(database unknown)';

  const subject = oneLine(
    `ords-datapump-backup: backup of ${who} ${words}${error ? `: ${error}` : ''}`,
    MAX_SUBJECT_LENGTH,
  );
  const lines = [
    `The backup of database ${who} ${words}.`,
    '',
    field('Database', database ?? `unknown (${input.problem})`),
    field('Status', status),
    field('Error', error ?? 'none given'),
    field(
      'Cause',
      cause ?? (status === 'TIMED_OUT' ? 'the execution ran longer than its timeout' : 'none given'),
    ),
    field('Scheduled for', input.scheduledTime),
    field('Started', isoTime(detail.startDate)),
    field('Stopped', isoTime(detail.stopDate)),
    field('Execution', detail.name ?? undefined),
    field('Execution ARN', detail.executionArn ?? undefined),
    field('Console', consoleLink(region, detail.executionArn)),
  ].filter((line): line is string => line !== undefined);
  return { subject, message: `${lines.join('\n')}\n`, database, status };
}

/**
 * The console page of one execution:
 * `https://<region>.console.aws.amazon.com/states/home?region=<region>#/v2/executions/details/<arn>`.
 */
export function consoleLink(
  region: string | undefined,
  executionArn: string | null | undefined,
): string | undefined {
  if (!region || !executionArn) return undefined;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

interface InputFields {
  readonly database?: string;
  readonly scheduledTime?: string;
  /** Why there is no database, for the message. */
  readonly problem: string;
}

/** Reads the database and scheduled time from the execution input (a JSON string), tolerating anything. */
function readInput(input: string | null | undefined): InputFields {
  if (input === undefined || input === null) return { problem: 'the event carries no input' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return { problem: 'the execution input is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null)
    return { problem: 'the execution input is not an object' };
  const { database, scheduledTime } = parsed as { database?: unknown; scheduledTime?: unknown };
  return {
    ...(typeof database === 'string' && database !== '' ? { database } : {}),
    ...(typeof scheduledTime === 'string' && scheduledTime !== '' ? { scheduledTime } : {}),
    problem: 'the execution input has no "database"',
  };
}

/** The cause as a sentence (a Lambda error's `errorMessage`), cut to `MAX_CAUSE_LENGTH`. */
function readCause(cause: string | null | undefined): string | undefined {
  const text = cause?.trim();
  if (!text) return undefined;
  const shown = readableCause(text).trim() || text;
  return shown.length > MAX_CAUSE_LENGTH ? `${shown.slice(0, MAX_CAUSE_LENGTH - 1)}…` : shown;
}

/** `arn:aws:states:<region>:…` → region. */
function regionOf(arn: string | null | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

function isoTime(epochMillis: number | null | undefined): string | undefined {
  if (typeof epochMillis !== 'number' || !Number.isFinite(epochMillis)) return undefined;
  return new Date(epochMillis).toISOString();
}

/** `Label:        value`, or undefined when there is no value. Continuation lines are indented. */
function field(label: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return `${`${label}:`.padEnd(15)}${value.replace(/\r?\n/g, `\n${' '.repeat(15)}`)}`;
}

/** One line of printable ASCII, shortened with "..." to at most `max` characters. */
function oneLine(text: string, max: number): string {
  const flat = text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
