import { parseExportLog } from './datapump-log.js';
import { ErrorName, ExportTimedOutError } from './errors.js';
import type { DataPumpJob, JobTaskDeps, OrdsApi } from './ords/ords-api.js';
import { isOrdsNotFound } from './ords/ords-errors.js';
import { FINISHED_JOB_STATES, isJobRunning } from './ords/ords-parse.js';
import type { JobStatus, ReadJobPayload } from './payloads.js';

/**
 * Data Pump shows NOT RUNNING for a moment while a job starts up, the same state a finished job
 * shows. Within this window after the start, NOT RUNNING without a final `job_state` (COMPLETED,
 * STOPPED) counts as finished only once the log has its final `Job "…"."…"` line.
 */
export const STARTUP_GRACE_SECONDS = 180;

/** What `readJob` needs: the payload and the database's export timeout (from its binding). */
export type ReadJobInput = ReadJobPayload & { readonly timeoutSeconds: number };

/** The state reported while ORDS or the database cannot be reached: the export may well go on. */
export const UNREACHABLE_STATE = 'UNREACHABLE';

/**
 * Reads the job's state once. A job that answers 404 is reported as `GONE` (not running): the next
 * step decides, from the log it can or cannot read, whether that is a failure. A job still running
 * past the database's timeout fails the run.
 *
 * An ORDS or database outage (5xx, refused connections, timeouts) does not stop the export on the
 * database, so it does not fail the run either: the job counts as running, state `UNREACHABLE`,
 * and the loop keeps polling until the export's own timeout runs out.
 */
export async function readJob(deps: JobTaskDeps, payload: ReadJobInput): Promise<JobStatus> {
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

async function readJobOnce(deps: JobTaskDeps, payload: ReadJobInput): Promise<JobStatus> {
  const { owner, jobName, startedAt } = payload.job;
  const job = await deps.ords.getJob(owner, jobName);
  if (!job) {
    deps.logger.warn('Data Pump job not found (404)', { jobName });
    return { running: false, state: 'GONE' };
  }
  const elapsedSeconds = secondsSince(deps, startedAt);
  const running = isJobRunning(job) || (await isStartingUp(deps.ords, job, elapsedSeconds));
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

/** A NOT RUNNING job early in its life whose log has no final line yet is still starting up. */
async function isStartingUp(ords: OrdsApi, job: DataPumpJob, elapsedSeconds: number): Promise<boolean> {
  if (FINISHED_JOB_STATES.includes(job.jobState ?? '') || elapsedSeconds > STARTUP_GRACE_SECONDS)
    return false;
  const log = job.files.find((file) => file.kind === 'log');
  if (!log) return true;
  try {
    return parseExportLog(await ords.readLog(job.owner, job.jobName, log.name)).verdict === null;
  } catch (error) {
    if (isOrdsNotFound(error)) return true;
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
