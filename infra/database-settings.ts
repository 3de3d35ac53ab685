import { Duration, Token } from 'aws-cdk-lib';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { type ExportSpecInput, ExportSpecSchema } from '../functions/core/export/index.js';
import type { NightWindow } from '../functions/core/fleet/index.js';
import { type RetentionPolicy, RetentionPolicySchema } from '../functions/core/retention/index.js';
import {
  type CONSISTENCY,
  MAX_POLLS_PER_EXECUTION,
  type ON_RUNNING_EXPORT,
  POLL_INTERVAL_SECONDS,
  type SERVER_CLEANUP,
} from '../functions/core/state/index.js';
import type { DatabaseProps } from './backup-props.js';
import { windowOf } from './fleet-settings.js';
import { type ResolvedRestoreDrill, resolveRestoreDrill } from './restore-drill-settings.js';
import { cronProblem, longestScheduleGapHours, timeZoneProblem } from './schedule-checks.js';

/** The defaults of `DatabaseProps`, shared with the JSON configuration's defaults. */
export const DATABASE_DEFAULTS = {
  schedule: { cron: '0 2 * * ? *', timeZone: 'UTC' },
  pollIntervalSeconds: 60,
  timeoutHours: 12,
  prefix: '',
  acceptCompletedWithErrors: false,
  onRunningExport: 'fail',
  serverCleanup: 'files-and-control-table',
  autonomousDatabase: false,
  recordSha256: false,
  consistency: 'per-table',
  enabled: true,
} as const;

export { MAX_POLLS_PER_EXECUTION, POLL_INTERVAL_SECONDS } from '../functions/core/state/index.js';
/** Shortest and longest time an export may run, in whole hours. */
export const TIMEOUT_HOURS = { min: 1, max: 72 } as const;

/**
 * The status reads an export of `timeoutHours` polled every `pollIntervalSeconds` may make, and
 * the shortest interval that keeps them within {@link MAX_POLLS_PER_EXECUTION}; null when within.
 */
export function pollBudgetExceeded(
  pollIntervalSeconds: number,
  timeoutHours: number,
): { readonly polls: number; readonly minimumSeconds: number } | null {
  const polls = Math.ceil((timeoutHours * 3600) / pollIntervalSeconds);
  if (polls <= MAX_POLLS_PER_EXECUTION) return null;
  return { polls, minimumSeconds: Math.ceil((timeoutHours * 3600) / MAX_POLLS_PER_EXECUTION) };
}

/**
 * Longest `staleAfter` in hours: a little over a year, enough for a yearly schedule with the longest
 * export. The stale-backup alarm compares an hourly gauge (HoursSinceLastBackup) with it, so no
 * CloudWatch evaluation window limits it.
 */
export const MAX_STALE_AFTER_HOURS = 9_000;
/**
 * Hours `staleAfter` must exceed the longest time between two scheduled backups: one for a
 * daylight-saving shift, one for a backup that takes longer than the one before.
 */
export const STALE_AFTER_MARGIN_HOURS = 2;

/**
 * The stale-backup limit of a database that sets none: the longest gap between two scheduled
 * starts, plus the export's timeout (the record is written when the backup finishes), plus
 * {@link STALE_AFTER_MARGIN_HOURS}, rounded up. 38 for the nightly default with 12 hours, 190 for a
 * weekly schedule with 20. A schedule that starts fewer than twice in two years gets the longest.
 */
export function defaultStaleAfterHours(cron: string, timeoutHours: number, fromYear: number): number {
  const gap = longestScheduleGapHours(cron, fromYear);
  if (gap === undefined) return MAX_STALE_AFTER_HOURS;
  return Math.min(MAX_STALE_AFTER_HOURS, Math.ceil(gap + timeoutHours + STALE_AFTER_MARGIN_HOURS));
}

/** A database with every default applied. */
export interface ResolvedDatabase {
  readonly id: string;
  readonly ordsUrl: string;
  readonly secret: ISecret;
  readonly schedule: { readonly cron: string; readonly timeZone: string };
  readonly export: ExportSpecInput;
  readonly prefix: string;
  readonly pollInterval: Duration;
  readonly timeout: Duration;
  readonly staleAfter: Duration;
  readonly acceptCompletedWithErrors: boolean;
  readonly onRunningExport: (typeof ON_RUNNING_EXPORT)[number];
  readonly serverCleanup: (typeof SERVER_CLEANUP)[number];
  readonly autonomousDatabase: boolean;
  readonly recordSha256: boolean;
  readonly consistency: (typeof CONSISTENCY)[number];
  readonly restoreDrill?: ResolvedRestoreDrill;
  readonly retention?: RetentionPolicy;
  readonly enabled: boolean;
  /** The night window, checked: the database starts with its window's schedule, not `schedule`. */
  readonly window?: NightWindow;
  /** The ORDS host's address ranges, when the database narrows its egress. */
  readonly ordsCidrs?: readonly string[];
}

/**
 * Applies the defaults to one database's props and checks its schedule, naming the construct at
 * `path`. The rest (id, URL, prefix, export, poll and timeout) is checked against the binding
 * schema the functions read it with (`database-binding.ts`).
 */
export function resolveDatabase(path: string, props: DatabaseProps): ResolvedDatabase {
  const cron = props.schedule?.cron ?? DATABASE_DEFAULTS.schedule.cron;
  const timeZone = props.schedule?.timeZone ?? DATABASE_DEFAULTS.schedule.timeZone;
  const timeout = props.timeout ?? Duration.hours(DATABASE_DEFAULTS.timeoutHours);
  const where = `${path}: database "${props.id}"`;
  const cronIssue = Token.isUnresolved(cron) ? null : cronProblem(cron);
  if (cronIssue) throw new Error(`${where}: schedule.cron "${cron}": ${cronIssue}`);
  const zoneIssue = Token.isUnresolved(timeZone) ? null : timeZoneProblem(timeZone);
  if (zoneIssue) throw new Error(`${where}: schedule.timeZone "${timeZone}": ${zoneIssue}`);
  if (props.window && props.schedule?.cron !== undefined) {
    throw new Error(`${where}: window and schedule.cron "${cron}" are alternatives; give one of them`);
  }
  const window = props.window ? windowOf(where, props.window) : undefined;
  const staleAfter =
    props.staleAfter ??
    Duration.hours(
      defaultStaleAfterHours(cron, timeout.toHours({ integral: false }), new Date().getUTCFullYear()),
    );
  const pollInterval = props.pollInterval ?? Duration.seconds(DATABASE_DEFAULTS.pollIntervalSeconds);
  checkTiming(where, pollInterval, timeout, props.restoreDrill !== undefined);
  const restoreDrill = props.restoreDrill
    ? drillOf(where, props.restoreDrill, props.export ?? {})
    : undefined;
  const retention = props.retention ? retentionOf(where, props.retention) : undefined;
  return {
    id: props.id,
    ordsUrl: props.ordsUrl,
    secret: props.secret,
    schedule: { cron, timeZone },
    export: props.export ?? {},
    prefix: props.prefix ?? DATABASE_DEFAULTS.prefix,
    pollInterval,
    timeout,
    staleAfter,
    acceptCompletedWithErrors: props.acceptCompletedWithErrors ?? DATABASE_DEFAULTS.acceptCompletedWithErrors,
    onRunningExport: props.onRunningExport ?? DATABASE_DEFAULTS.onRunningExport,
    serverCleanup: props.serverCleanup ?? DATABASE_DEFAULTS.serverCleanup,
    autonomousDatabase: props.autonomousDatabase ?? DATABASE_DEFAULTS.autonomousDatabase,
    recordSha256: props.recordSha256 ?? DATABASE_DEFAULTS.recordSha256,
    consistency: props.consistency ?? DATABASE_DEFAULTS.consistency,
    ...(restoreDrill ? { restoreDrill } : {}),
    ...(retention ? { retention } : {}),
    enabled: props.enabled ?? DATABASE_DEFAULTS.enabled,
    ...(window ? { window } : {}),
    ...(props.ordsCidrs ? { ordsCidrs: props.ordsCidrs } : {}),
  };
}

/**
 * Checks the poll interval and the timeout against their ranges and the poll budget of one
 * execution (twice the timeout's polls on drill nights: the import is polled under the same
 * timeout), naming the database; durations that are tokens are left alone.
 */
function checkTiming(where: string, pollInterval: Duration, timeout: Duration, drills: boolean): void {
  const seconds = pollInterval.toSeconds({ integral: false });
  const hours = timeout.toHours({ integral: false });
  if (Token.isUnresolved(seconds) || Token.isUnresolved(hours)) return;
  const { min: minSeconds, max: maxSeconds } = POLL_INTERVAL_SECONDS;
  if (!Number.isInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
    throw new Error(
      `${where}: pollInterval is ${pollInterval.toHumanString()}; allowed: whole seconds from ${minSeconds} to ${maxSeconds}`,
    );
  }
  if (!Number.isInteger(hours) || hours < TIMEOUT_HOURS.min || hours > TIMEOUT_HOURS.max) {
    throw new Error(
      `${where}: timeout is ${timeout.toHumanString()}; allowed: whole hours from ${TIMEOUT_HOURS.min} to ${TIMEOUT_HOURS.max}`,
    );
  }
  const exceeded = pollBudgetExceeded(seconds, drills ? 2 * hours : hours);
  if (exceeded) {
    throw new Error(
      `${where}: pollInterval ${pollInterval.toHumanString()} with timeout ${timeout.toHumanString()}` +
        `${drills ? ' (twice: the export, then the restore drill)' : ''} makes up to ` +
        `${exceeded.polls} status reads; allowed: at most ${MAX_POLLS_PER_EXECUTION} per execution (Step Functions ` +
        `keeps 25,000 history events), so a pollInterval of at least ${exceeded.minimumSeconds} seconds or a shorter timeout`,
    );
  }
}

/** The resolved drill, or an error naming the database; an invalid export is left to the binding check. */
function drillOf(
  where: string,
  drill: NonNullable<DatabaseProps['restoreDrill']>,
  exportSpec: ExportSpecInput,
): ResolvedRestoreDrill | undefined {
  const spec = ExportSpecSchema.safeParse(exportSpec);
  if (!spec.success) return undefined;
  const resolved = resolveRestoreDrill(drill, spec.data, DATABASE_DEFAULTS.schedule.timeZone);
  if (resolved.problems.length > 0) throw new Error(`${where}: ${resolved.problems.join('; ')}`);
  return resolved.drill;
}

/** The retention tiers, checked: whole counts in their ranges, naming the tier and the value. */
function retentionOf(where: string, retention: NonNullable<DatabaseProps['retention']>): RetentionPolicy {
  const parsed = RetentionPolicySchema.safeParse(retention);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const tier = String(issue.path[0] ?? '');
    const value = (retention as unknown as Record<string, unknown>)[tier];
    return `retention.${tier} is ${JSON.stringify(value)}; ${issue.message}`;
  });
  throw new Error(`${where}: ${problems.join('; ')}`);
}
