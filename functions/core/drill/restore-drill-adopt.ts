import { jobTime, RELIST_DELAYS_MS } from '../export/index.js';
import type { DataPumpJob, JobListItem, Logger, OrdsApi } from '../ords/index.js';
import { jobActivity } from '../ords/index.js';

/**
 * Finding the import an earlier attempt of "Start restore drill" started, so that a retry (after an
 * interrupted invocation, or a POST whose answer was lost) adopts it instead of refusing the schema
 * it created or starting a second import into it.
 *
 * ORDS takes no tag for an import: it names the job itself (`DATAPUMP_REST_IMPORT_<time>`), its log
 * too, and `file_name` must be the export's own dump file template. What this run owns is read from
 * the database clock instead: the run's export job was named at time E, the drill schema was created
 * at time C, and an import of this run is a job of the ORDS user named at or after E and at or before
 * C (Data Pump creates the remapped user right after the job starts). Runs of one database never
 * overlap (the run lock), so no other run of it can have started an import in between.
 */

/** What the search needs: the job list of the authenticated owner, a logger and a way to wait. */
export interface ImportAdoptionDeps {
  readonly ords: Pick<OrdsApi, 'jobOwner' | 'listJobs' | 'getJob'>;
  readonly logger: Logger;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/** An import of this run: the job, and when it started on the database clock. */
export interface OwnImport {
  readonly job: DataPumpJob;
  /** The job name's time as `YYYY-MM-DDTHH24:MI:SS`: the drill schema is not older. */
  readonly dbTimeAtStart: string;
}

/** What the job list shows about this run's import. */
export interface ImportSurvey {
  /** The newest import that can have created the drill schema, or null. */
  readonly own: OwnImport | null;
  /** True when an import named since this run's export is still running (it may not have created the schema yet). */
  readonly running: boolean;
}

/** Which import to look for. */
export interface ImportSearch {
  /** This run's export job name (`DATAPUMP_REST_EXPORT_<time>`): older imports are not this run's. */
  readonly exportJobName: string;
  /** When the drill schema was created (`YYYY-MM-DDTHH24:MI:SS`, database clock), null when it does not exist. */
  readonly schemaCreated: string | null;
}

/**
 * Reads the owner's imports named since this run's export and picks the newest one named no later
 * than the drill schema's creation. Nothing without a generated name counts; a job whose GET fails
 * is skipped with a warning.
 */
export async function surveyImports(deps: ImportAdoptionDeps, search: ImportSearch): Promise<ImportSurvey> {
  const notBefore = jobTime({ jobName: search.exportJobName });
  if (notBefore === null) return { own: null, running: false };
  const owner = deps.ords.jobOwner;
  const since = (await deps.ords.listJobs())
    .filter((item) => item.operation === 'IMPORT')
    .filter((item) => owner === null || item.owner.toUpperCase() === owner)
    .filter((item) => (jobTime(item) ?? -Infinity) >= notBefore)
    .sort((a, b) => (jobTime(b) ?? 0) - (jobTime(a) ?? 0));
  const running = since.some((item) => jobActivity(item) !== 'finished');
  const created = search.schemaCreated === null ? null : Date.parse(`${search.schemaCreated}Z`);
  if (created === null || Number.isNaN(created)) return { own: null, running };
  for (const item of since.filter((candidate) => (jobTime(candidate) ?? Infinity) <= created)) {
    const job = await readImport(deps, item);
    if (job) return { own: { job, dbTimeAtStart: dbTimeOf(jobTime(item) ?? 0) }, running };
  }
  return { own: null, running };
}

/**
 * Reads the drill schema and the job list again a few times over about a minute, until an import of
 * this run shows: after a POST whose answer was lost, or while an import named since the export
 * has not created the schema yet. Null when none did.
 */
export async function awaitOwnImport(
  deps: ImportAdoptionDeps,
  exportJobName: string,
  schemaCreated: () => Promise<string | null>,
  delaysMs: readonly number[] = RELIST_DELAYS_MS,
): Promise<OwnImport | null> {
  for (const delayMs of [0, ...delaysMs]) {
    if (delayMs > 0) await deps.sleep(delayMs);
    const { own } = await surveyImports(deps, { exportJobName, schemaCreated: await schemaCreated() });
    if (own) return own;
    deps.logger.info('No import of this run in the job list yet', { exportJobName, waitedMs: delayMs });
  }
  return null;
}

async function readImport(deps: ImportAdoptionDeps, item: JobListItem): Promise<DataPumpJob | null> {
  try {
    return await deps.ords.getJob(item.owner, item.jobName);
  } catch (error) {
    deps.logger.warn('Skipping an import whose GET failed while searching for this run’s drill', {
      owner: item.owner,
      jobName: item.jobName,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return null;
  }
}

/** A job name's time (read as UTC) as the database clock prints it: `YYYY-MM-DDTHH24:MI:SS`. */
function dbTimeOf(time: number): string {
  return new Date(time).toISOString().slice(0, 19);
}
