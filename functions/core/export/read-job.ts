import { ErrorName, ExportTimedOutError, OrdsResponseError } from '../base/index.js';
import type { DataPumpJob, JobTaskDeps, OrdsApi, SqlRequestApi } from '../ords/index.js';
import { FINISHED_STATES, isOrdsNotFound, jobActivity } from '../ords/index.js';
import type { JobRef, JobStatus, ReadJobPayload } from '../state/index.js';
import { logFileNameOf } from '../state/index.js';
import { parsePollAnswer, pollRequest } from './consistent-answer.js';
import { parseExportLog } from './datapump-log.js';

/**
 * Data Pump shows NOT RUNNING for a moment while a job starts up, the same state a finished job
 * shows, and a job may not be visible at all right after its POST. Within this window after the
 * start, NOT RUNNING without a final `job_state` (COMPLETED, STOPPED), or a 404, counts as finished
 * only once the log has its final line.
 */
export const STARTUP_GRACE_SECONDS = 180;

/** What "Read job" needs: the lifecycle deps and what this container remembers between polls. */
export interface ReadJobDeps extends JobTaskDeps {
  /** Unknown states already logged, so each new one is warned about once. @default - warn every poll */
  readonly warnedStates?: Set<string>;
  /**
   * Jobs (`OWNER,JOB`) a poll in this container has seen: a 404 after that means the job was dropped,
   * not that it is still starting up. @default - only the start-up window tells
   */
  readonly seenJobs?: Set<string>;
  /**
   * REST-enabled SQL, for a job ORDS neither lists nor answers (`job.pollBy: 'rest-sql'`).
   * @default - none: such a job fails the poll naming it
   */
  readonly sql?: SqlRequestApi;
}

/** What `readJob` needs: the payload and the database's export timeout (from its binding). */
export type ReadJobInput = ReadJobPayload & { readonly timeoutSeconds: number };

/** The state reported while ORDS or the database cannot be reached: the export may well go on. */
export const UNREACHABLE_STATE = 'UNREACHABLE';

/**
 * Reads the job's state once (see `readJobOnce`).
 *
 * An ORDS or database outage (5xx, refused connections, timeouts) does not stop the export on the
 * database, so it does not fail the run either: the job counts as running, state `UNREACHABLE`,
 * and the loop keeps polling until the export's own timeout runs out.
 */
export async function readJob(deps: ReadJobDeps, payload: ReadJobInput): Promise<JobStatus> {
  try {
    return await readJobOnce(deps, payload);
  } catch (error) {
    if ((error as Error).name !== ErrorName.OrdsUnavailable) throw error;
    const elapsedSeconds = secondsSince(deps, payload.job.startedAt);
    const { owner, jobName } = payload.job;
    if (elapsedSeconds > payload.timeoutSeconds) {
      throw new ExportTimedOutError(
        `Data Pump job ${owner}.${jobName} of database "${payload.database}": ORDS still cannot be reached ` +
          `after ${formatDuration(elapsedSeconds)}, longer than the configured timeout of ` +
          `${formatDuration(payload.timeoutSeconds)} (${(error as Error).message}). Check ORDS and the ` +
          'database; the job may still be running there.',
        { cause: error },
      );
    }
    deps.logger.warn('ORDS cannot be reached; the export counts as running until its timeout', {
      jobName,
      elapsedSeconds,
      error: (error as Error).message,
    });
    return { running: true, state: UNREACHABLE_STATE };
  }
}

function secondsSince(deps: JobTaskDeps, startedAt: string): number {
  return Math.round((deps.now().getTime() - new Date(startedAt).getTime()) / 1000);
}

/**
 * One read of the job's state. A state this project does not know counts as running (until the
 * timeout) with one warning per new state. A job that answers 404 is reported as `GONE` (not
 * running) unless it is still starting up: the next step decides, from the log it can or cannot
 * read, whether that is a failure. A job still running past the database's timeout fails the run.
 */
async function readJobOnce(deps: ReadJobDeps, payload: ReadJobInput): Promise<JobStatus> {
  const { owner, jobName, startedAt } = payload.job;
  const elapsedSeconds = secondsSince(deps, startedAt);
  if (payload.job.pollBy === 'rest-sql') return readJobBySql(deps, payload, elapsedSeconds);
  const job = await deps.ords.getJob(owner, jobName);
  const key = `${owner},${jobName}`;
  if (!job) {
    const starting =
      !deps.seenJobs?.has(key) &&
      elapsedSeconds <= STARTUP_GRACE_SECONDS &&
      !(await goneLogIsFinal(deps, payload.job));
    deps.logger.warn(
      starting ? 'Data Pump job not visible yet (404): still starting up' : 'Data Pump job not found (404)',
      { jobName, elapsedSeconds },
    );
    return starting ? { running: true, state: 'NOT VISIBLE' } : { running: false, state: 'GONE' };
  }
  deps.seenJobs?.add(key);
  const activity = jobActivity(job);
  if (activity === 'unknown') warnUnknownState(deps, job);
  const running = activity !== 'finished' || (await isStartingUp(deps.ords, job, elapsedSeconds));
  deps.logger.info('Data Pump job read', {
    jobName,
    state: job.state,
    jobState: job.jobState,
    running,
    elapsedSeconds,
  });
  if (running && elapsedSeconds > payload.timeoutSeconds) {
    throw new ExportTimedOutError(
      `Data Pump job ${owner}.${jobName} of database "${payload.database}" is still ${job.state} after ` +
        `${formatDuration(elapsedSeconds)}, longer than the configured timeout of ` +
        `${formatDuration(payload.timeoutSeconds)}. The job keeps running on the database: stop it there ` +
        `(expdp ATTACH=${owner}.${jobName}, then KILL_JOB) or raise timeoutHours.`,
    );
  }
  return { running, state: job.state };
}

/**
 * One read of a job ORDS neither lists nor answers, through `USER_DATAPUMP_JOBS` (no grant needed):
 * running until NOT RUNNING or no row; NOT RUNNING early in its life counts as running until its log
 * (read by name through the file route) has its final line.
 */
async function readJobBySql(
  deps: ReadJobDeps,
  payload: ReadJobInput,
  elapsedSeconds: number,
): Promise<JobStatus> {
  const { owner, jobName } = payload.job;
  if (!deps.sql) {
    throw new OrdsResponseError(
      `Data Pump job ${owner}.${jobName} is polled through REST-enabled SQL and this step has no client for it`,
    );
  }
  const row = parsePollAnswer(await deps.sql.runSqlRequest(pollRequest(jobName)), jobName);
  const starting =
    row.finished && elapsedSeconds <= STARTUP_GRACE_SECONDS && !(await goneLogIsFinal(deps, payload.job));
  const running = !row.finished || starting;
  const state = row.state ?? 'GONE';
  deps.logger.info('Data Pump job read through USER_DATAPUMP_JOBS', {
    jobName,
    state,
    running,
    elapsedSeconds,
  });
  if (running && elapsedSeconds > payload.timeoutSeconds) {
    throw new ExportTimedOutError(
      `Data Pump job ${owner}.${jobName} of database "${payload.database}" is still ${state} after ` +
        `${formatDuration(elapsedSeconds)}, longer than the configured timeout of ` +
        `${formatDuration(payload.timeoutSeconds)}. The job keeps running on the database: stop it there ` +
        `(expdp ATTACH=${owner}.${jobName}, then KILL_JOB) or raise timeoutHours.`,
    );
  }
  return { running, state };
}

function warnUnknownState(deps: ReadJobDeps, job: DataPumpJob): void {
  const key = `${job.state}/${job.jobState ?? ''}`;
  if (deps.warnedStates?.has(key)) return;
  deps.warnedStates?.add(key);
  deps.logger.warn('Unknown Data Pump state: treating the job as running until it ends or times out', {
    jobName: job.jobName,
    state: job.state,
    jobState: job.jobState,
  });
}

/** A NOT RUNNING job early in its life whose log has no final line yet is still starting up. */
async function isStartingUp(ords: OrdsApi, job: DataPumpJob, elapsedSeconds: number): Promise<boolean> {
  const ended = FINISHED_STATES.includes(job.state) || FINISHED_STATES.includes(job.jobState ?? '');
  if (ended || elapsedSeconds > STARTUP_GRACE_SECONDS) return false;
  const log = job.files.find((file) => file.kind === 'log');
  if (!log) return true;
  return !(await logIsFinal(ords, job, log.name));
}

/** Whether the log of a job that answers 404 (dropped on success by an old ORDS?) has its final line. */
async function goneLogIsFinal(deps: JobTaskDeps, ref: JobRef): Promise<boolean> {
  return logIsFinal(deps.ords, ref, ref.logFileName ?? logFileNameOf(ref.fileName));
}

async function logIsFinal(
  ords: OrdsApi,
  job: { readonly owner: string; readonly jobName: string },
  fileName: string,
): Promise<boolean> {
  try {
    const log = parseExportLog(await ords.readLog(job.owner, job.jobName, fileName), job);
    // A line in an unknown language is final for all we know: the log step reports it.
    return log.verdict !== null || log.unknownLine !== null;
  } catch (error) {
    if (isOrdsNotFound(error)) return false;
    throw error;
  }
}

/** `3 h 05 min`, `12 min`, `45 s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
