import { OrdsResponseError } from '../base/index.js';
import { dropControlTableStatement } from '../cleanup/index.js';
import { isDoctorProbeJobName } from '../export/index.js';
import type { Logger, OrdsApi, RestSqlApi, SqlRequestApi, SqlStatementResult } from '../ords/index.js';
import { sanitizeSnippet } from '../ords/index.js';
import { type DatabaseBinding, removeJobFiles, stopAndRemove } from '../run/index.js';
import { probeJobFiles } from './doctor-probe-job.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/**
 * The doctor's "Leftover probe jobs" sweep: a doctor killed mid-probe (a Lambda timeout, an ORDS
 * outage, Ctrl-C of the local doctor) leaves its tiny `ODBK_DR_…` job — control table and files — on
 * the database server. The next doctor run finds such jobs of its own user (`USER_DATAPUMP_JOBS`: no
 * other user's job ever shows) and removes those that are surely not in use, with their files (see
 * `removeLeftover`). Every other job is left alone and named: a name of another form
 * (another tool's), a probe younger than any doctor run can last (another doctor's, in progress), a
 * probe still running that is not yet old enough to be stuck.
 */

/** The check's name in the report. */
export const LEFTOVER_CHECK = 'Leftover probe jobs';

/**
 * Age (control table's creation, database clock) from which a probe job that is NOT RUNNING with no
 * session attached is a leftover: five times the doctor function's 3-minute timeout, and Lambda's own
 * 15-minute limit, so no doctor run still uses it.
 */
export const PROBE_IN_USE_SECONDS = 15 * 60;

/** Age from which a probe job still running is stuck (the tiny job ends within seconds): stopped. */
export const PROBE_STUCK_SECONDS = 60 * 60;

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS'`;

/**
 * The session user's jobs named `ODBK_DR_…` (`_` escaped: no wildcard), with their state, attached
 * sessions and their control table's creation and age in seconds, both on the database clock.
 */
export const PROBE_JOBS_QUERY =
  `SELECT USER AS owner, j.job_name, j.state, j.attached_sessions, TO_CHAR(o.created, ${ISO}) AS created, ` +
  'ROUND((SYSDATE - o.created) * 86400) AS age_seconds FROM user_datapump_jobs j LEFT JOIN user_objects o ' +
  "ON o.object_name = j.job_name AND o.object_type = 'TABLE' WHERE j.job_name LIKE 'ODBK\\_DR\\_%' ESCAPE '\\' " +
  'ORDER BY j.job_name';

/** One row of `PROBE_JOBS_QUERY`. */
export interface ProbeJobRow {
  readonly owner: string;
  readonly jobName: string;
  /** Trimmed and upper case, e.g. `NOT RUNNING`. */
  readonly state: string;
  readonly attachedSessions: number;
  /** `YYYY-MM-DDTHH24:MI:SS` on the database clock; null when USER_OBJECTS shows no control table. */
  readonly created: string | null;
  readonly ageSeconds: number | null;
}

/** What the sweep does with one job, and why (the report's words). */
export type ProbeJobVerdict =
  | { readonly remove: true; readonly why: string }
  | { readonly remove: false; readonly why: string };

function column(row: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.entries(row).find(([name]) => name.toLowerCase() === key)?.[1];
}

/** The rows of `PROBE_JOBS_QUERY`'s answer; throws `OrdsResponseError` quoting any other answer. */
export function parseProbeJobs(result: SqlStatementResult | undefined): ProbeJobRow[] {
  const refuse = (why: string): never => {
    throw new OrdsResponseError(
      `REST-enabled SQL answered the query of ODBK_DR_ probe jobs (USER_DATAPUMP_JOBS) ${why}`,
    );
  };
  if (!result) return refuse('with no result');
  if (!result.ok) return refuse(`with ${sanitizeSnippet(result.errorDetails, 300)}`);
  return (result.rows ?? []).map((row) => {
    const text = (key: string) => {
      const value = column(row, key);
      // What the database holds is shown in the report: no control characters, nothing long.
      return typeof value === 'string' ? sanitizeSnippet(value, 128) : null;
    };
    const number = (key: string) => {
      const value = column(row, key);
      if (value === null || value === undefined || value === '') return null;
      const parsed = Number(value);
      return Number.isFinite(parsed) ? parsed : Number.NaN;
    };
    const owner = text('owner');
    const jobName = text('job_name');
    const state = text('state');
    const attachedSessions = number('attached_sessions');
    const ageSeconds = number('age_seconds');
    if (
      !owner ||
      !jobName ||
      !state ||
      attachedSessions === null ||
      Number.isNaN(attachedSessions) ||
      Number.isNaN(ageSeconds)
    ) {
      return refuse(`with the row ${sanitizeSnippet(JSON.stringify(row), 300)}`);
    }
    return {
      owner,
      jobName,
      state: state.toUpperCase(),
      attachedSessions,
      created: text('created'),
      ageSeconds,
    };
  });
}

/**
 * Whether the sweep removes `job` (see the file's comment), and why in either case. `user` is the
 * database user the doctor's credentials name (Basic; null with OAuth2): a job REST-enabled SQL shows
 * under another user (ORDS mapped to another schema) is not this doctor's.
 */
export function judgeProbeJob(job: ProbeJobRow, user: string | null): ProbeJobVerdict {
  if (user !== null && job.owner.toUpperCase() !== user.toUpperCase()) {
    return {
      remove: false,
      why: `owned by ${job.owner}, not by ${user}, the user of this doctor's credentials`,
    };
  }
  if (!isDoctorProbeJobName(job.jobName)) {
    return {
      remove: false,
      why: 'not a doctor probe: its name is not ODBK_DR_ and 22 base32 characters (another tool or a DBA may own it)',
    };
  }
  if (job.ageSeconds === null) {
    return { remove: false, why: `${job.state}, age unknown (USER_OBJECTS shows no control table)` };
  }
  const age = `${job.state}, created ${job.created}, ${job.ageSeconds} s old`;
  if (job.ageSeconds < PROBE_IN_USE_SECONDS) {
    return {
      remove: false,
      why: `${age}: another doctor run may be probing with it; removed once ${PROBE_IN_USE_SECONDS} s old`,
    };
  }
  if (job.state === 'NOT RUNNING' && job.attachedSessions === 0) return { remove: true, why: age };
  if (job.ageSeconds >= PROBE_STUCK_SECONDS) return { remove: true, why: `${age}, stuck` };
  const attached = job.attachedSessions > 0 ? `, ${job.attachedSessions} session(s) attached` : '';
  return {
    remove: false,
    why: `${age}${attached}: still in use; stopped once ${PROBE_STUCK_SECONDS} s old`,
  };
}

/** What the sweep needs: the doctor's ORDS client (REST-enabled SQL) and a logger. */
export interface SweepDeps {
  readonly client: RestSqlApi & SqlRequestApi & Partial<Pick<OrdsApi, 'jobOwner'>>;
  readonly logger: Logger;
}

/** ORA-00942 (table or view does not exist): the control table is already gone. */
const TABLE_MISSING = 942;

/** Leftovers removed in one doctor run at most (about four requests each): the rest waits for the next. */
export const MAX_REMOVED_PER_RUN = 10;

/**
 * Removes the log and the `%U` dump files of a probe job with the probe's own cleanup code
 * (`removeJobFiles`); a file already gone counts as removed by an earlier try.
 */
async function removeProbeFiles(
  deps: SweepDeps,
  binding: Pick<DatabaseBinding, 'autonomousDatabase' | 'export'>,
  jobName: string,
): Promise<string[]> {
  return removeJobFiles(
    deps.client,
    binding,
    probeJobFiles(jobName),
    (name, details) =>
      new OrdsResponseError(
        `Could not remove ${name} of the leftover probe job ${jobName} from ` +
          `${binding.export.datapumpDir.toUpperCase()}: ${sanitizeSnippet(details, 300)}`,
      ),
  );
}

/**
 * Removes one leftover. A NOT RUNNING job: its files first, then its control table
 * (`DROP TABLE … PURGE`, as a run's cleanup drops a finished job's; Data Pump's own advice for a job
 * that is NOT RUNNING), so a sweep that is itself killed midway leaves the job listed for the next
 * one, never files no job names. A stuck job still running: stopped first (`STOP_JOB`, which drops its
 * control table; its files are in use until then), then its files: the probe's own `stopAndRemove`.
 */
async function removeLeftover(
  deps: SweepDeps,
  binding: Pick<DatabaseBinding, 'autonomousDatabase' | 'export'>,
  job: ProbeJobRow,
): Promise<string[]> {
  if (job.state !== 'NOT RUNNING') {
    return stopAndRemove({ sql: deps.client, logger: deps.logger }, binding, probeJobFiles(job.jobName));
  }
  const removed = await removeProbeFiles(deps, binding, job.jobName);
  const [result] = await deps.client.runSql([dropControlTableStatement(job.owner, job.jobName)]);
  if (result && !result.ok && result.errorCode !== TABLE_MISSING) {
    throw new OrdsResponseError(
      `Could not drop the control table ${job.owner}.${job.jobName}: ${sanitizeSnippet(result.errorDetails, 300)}`,
    );
  }
  return removed;
}

/**
 * The check: skipped where REST-enabled SQL did not run; otherwise every leftover probe job of the
 * session user removed and named with its files, every other `ODBK_DR_…` job named with why it stays.
 * Fails (never throws) when ORDS or the database refuses the query or a removal, saying what was done.
 */
export async function sweepLeftoverProbes(
  deps: SweepDeps,
  binding: Pick<DatabaseBinding, 'autonomousDatabase' | 'export'>,
  restSqlRan: boolean,
): Promise<Check> {
  if (!restSqlRan) {
    return skipped(LEFTOVER_CHECK, 'it looks for ODBK_DR_ jobs through REST-enabled SQL, which did not run');
  }
  const directory = binding.export.datapumpDir.toUpperCase();
  const fix = (what: string) =>
    `Run the doctor again; if it persists, ${what} and remove its ODBK_DR_… files from directory ${directory}.`;
  let jobs: ProbeJobRow[];
  try {
    jobs = parseProbeJobs((await deps.client.runSql([PROBE_JOBS_QUERY]))[0]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed(
      LEFTOVER_CHECK,
      `could not look for ODBK_DR_ jobs left by an interrupted doctor probe: ${message}`,
      fix('look for them in USER_DATAPUMP_JOBS, stop each (DBMS_DATAPUMP.STOP_JOB)'),
    );
  }
  const user = jobs[0]?.owner ?? deps.client.jobOwner ?? 'the REST user';
  const removed: string[] = [];
  const kept: string[] = [];
  for (const job of jobs) {
    const verdict = judgeProbeJob(job, deps.client.jobOwner ?? null);
    if (!verdict.remove) {
      kept.push(`${job.jobName} (${verdict.why})`);
      continue;
    }
    if (removed.length === MAX_REMOVED_PER_RUN) {
      kept.push(
        `${job.jobName} (${verdict.why}: for the next doctor run, ${MAX_REMOVED_PER_RUN} are removed per run)`,
      );
      continue;
    }
    try {
      deps.logger.info('Doctor: removing a leftover probe job', { jobName: job.jobName, why: verdict.why });
      const files = await removeLeftover(deps, binding, job);
      removed.push(`${job.jobName} (${verdict.why}; files removed: ${files.join(', ') || 'none found'})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return failed(
        LEFTOVER_CHECK,
        `could not remove the leftover probe job ${job.owner}.${job.jobName} (${verdict.why}): ${message}` +
          summary(removed, kept),
        fix(
          job.state === 'NOT RUNNING'
            ? `drop the job's control table (DROP TABLE "${job.owner}"."${job.jobName}" PURGE)`
            : 'stop the job (DBMS_DATAPUMP.STOP_JOB)',
        ),
      );
    }
  }
  const found =
    jobs.length === 0
      ? `no ODBK_DR_ job of ${user} is left on the server`
      : `${removed.length} leftover probe job(s) of ${user} removed`;
  return ok(LEFTOVER_CHECK, `${found}${summary(removed, kept)}; other users' jobs are never looked at`);
}

function summary(removed: readonly string[], kept: readonly string[]): string {
  return (
    (removed.length > 0 ? `; removed: ${removed.join('; ')}` : '') +
    (kept.length > 0 ? `; left alone: ${kept.join('; ')}` : '')
  );
}
