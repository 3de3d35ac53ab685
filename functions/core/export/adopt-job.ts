import type { DataPumpJob, JobListItem, JobTaskDeps } from '../ords/index.js';
import { jobActivity } from '../ords/index.js';
import { runIdOfFile } from '../state/index.js';

/**
 * Finding the exports of one database in the job list, so that a re-run never starts a second export:
 * this run's own job (created by an earlier attempt whose POST answer was lost) and a still running
 * export of another run (the overlap guard). Nothing in the list can fool it: only jobs of the
 * authenticated owner count, and only by the run id in their file names.
 */

/** What the adoption search needs: the lifecycle deps and a way to wait (tests pass an instant one). */
export interface AdoptionDeps extends JobTaskDeps {
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/** An export of this database, recognised by the run id in one of its file names. */
export interface FoundExport {
  readonly job: DataPumpJob;
  readonly runId: string;
}

/** The exports of one database the job list shows. */
export interface ExportSurvey {
  /** The newest job carrying this run's id, or null. */
  readonly own: FoundExport | null;
  /** The newest still running export of another run of this database, or null. */
  readonly running: FoundExport | null;
}

/** Which run and database to look for. */
export interface SurveyTarget {
  readonly database: string;
  readonly runId: string;
  /** When the run started: older jobs cannot be this run's. */
  readonly runStartedAt: Date;
}

/**
 * Pauses between the job lists read after a POST whose answer was lost, about a minute in all: ORDS
 * can take a moment to show a job it has just created.
 */
export const RELIST_DELAYS_MS: readonly number[] = [5_000, 10_000, 20_000, 25_000];

/**
 * Job names carry the database's local time (`DATAPUMP_REST_EXPORT_<YYYYMMDDHH24MISS>`) in a time
 * zone this side does not know: jobs named up to this long before the run's start still count.
 */
const TIME_ZONE_SLACK_MS = 26 * 3600 * 1000;

/**
 * Reads every page of the job list and the jobs that can matter, newest first: running exports (for
 * the overlap guard) and exports named since the run started (allowing for the time zone). A job
 * whose GET fails (403 on another owner's job, a 500) is skipped with a warning, never fatal.
 */
export async function surveyExports(deps: JobTaskDeps, target: SurveyTarget): Promise<ExportSurvey> {
  const { ords, logger } = deps;
  const owner = ords.jobOwner;
  const earliest = target.runStartedAt.getTime() - TIME_ZONE_SLACK_MS;
  const candidates = (await ords.listJobs())
    .filter((item) => item.operation === 'EXPORT')
    .filter((item) => owner === null || item.owner.toUpperCase() === owner)
    .filter((item) => jobActivity(item) !== 'finished' || (jobTime(item) ?? -Infinity) >= earliest)
    .sort((a, b) => (jobTime(b) ?? -Infinity) - (jobTime(a) ?? -Infinity));

  let own: FoundExport | null = null;
  let running: FoundExport | null = null;
  for (const item of candidates) {
    const job = await readCandidate(deps, item);
    const runId = job?.files.map((file) => runIdOfFile(target.database, file.name)).find((id) => id !== null);
    if (!job || !runId) continue;
    if (runId === target.runId) own ??= { job, runId };
    else if (jobActivity(job) !== 'finished') running ??= { job, runId };
  }
  logger.debug('Job list searched for exports of this database', {
    candidates: candidates.length,
    own: own?.job.jobName,
    running: running?.job.jobName,
  });
  return { own, running };
}

/**
 * After a POST whose answer was lost: reads the job list again a few times over about a minute,
 * until a job of this run shows. Null when none did: then nothing was created.
 */
export async function awaitOwnExport(
  deps: AdoptionDeps,
  target: SurveyTarget,
  delaysMs: readonly number[] = RELIST_DELAYS_MS,
): Promise<FoundExport | null> {
  for (const delayMs of [0, ...delaysMs]) {
    if (delayMs > 0) await deps.sleep(delayMs);
    const { own } = await surveyExports(deps, target);
    if (own) return own;
    deps.logger.info('No job of this run in the job list yet', { runId: target.runId, waitedMs: delayMs });
  }
  return null;
}

async function readCandidate(deps: JobTaskDeps, item: JobListItem): Promise<DataPumpJob | null> {
  try {
    return await deps.ords.getJob(item.owner, item.jobName);
  } catch (error) {
    deps.logger.warn('Skipping a job whose GET failed while searching for this run’s export', {
      owner: item.owner,
      jobName: item.jobName,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return null;
  }
}

/** The time in a generated job name (`…_20261123020001`, read as UTC), or null for other names. */
export function jobTime(item: { readonly jobName: string }): number | null {
  const match = /_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(item.jobName);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
