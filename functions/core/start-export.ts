import { ExportAlreadyRunningError } from './errors.js';
import type { ExportSpec } from './export-spec.js';
import { toExportRequestBody } from './export-spec.js';
import { dumpFileTemplate, makeRunId, runIdOfFile } from './naming.js';
import type { DataPumpJob, JobTaskDeps, OrdsApi } from './ords/ords-api.js';
import { isJobRunning } from './ords/ords-parse.js';
import type { JobRef, OnRunningExport } from './payloads.js';

/**
 * Finished jobs looked at when searching for this run's own job. The job list keeps every job whose
 * control table was kept, so it grows without bound; this run's job, if any, is among the newest.
 */
const RECENT_FINISHED_JOBS_TO_CHECK = 5;

/** What `startExport` needs to know about the run and its database (from the binding). */
export interface StartExportInput {
  readonly executionName: string;
  readonly executionStartTime: string;
  readonly database: string;
  readonly export: ExportSpec;
  readonly onRunningExport: OnRunningExport;
}

/**
 * Starts this run's Data Pump export, safely re-runnable:
 * 1. a job whose files carry this run's id already exists (an earlier attempt's POST timed out after
 *    ORDS created the job) → adopt it, never start a second export;
 * 2. an export of this database started by another run is still running → fail, or adopt it when the
 *    database's configuration says `onRunningExport: "adopt"`;
 * 3. otherwise POST the export with a `file_name` unique to this run.
 */
export async function startExport(deps: JobTaskDeps, payload: StartExportInput): Promise<JobRef> {
  const { ords, logger } = deps;
  const runId = makeRunId(payload.executionStartTime, payload.executionName);
  const fileName = dumpFileTemplate(payload.database, runId);
  const body = toExportRequestBody(payload.export, fileName);

  const existing = await findOwnExports(ords, payload.database);
  const mine = existing.find((found) => found.runId === runId);
  if (mine) {
    logger.warn('Adopting this run’s export created by an earlier attempt', { jobName: mine.job.jobName });
    return toJobRef(mine.job, runId, fileName, deps.now(), true);
  }
  const running = existing.find((found) => isJobRunning(found.job));
  if (running) {
    const what =
      `export ${running.job.owner}.${running.job.jobName} of database "${payload.database}" ` +
      `(run ${running.runId}, state ${running.job.state}) started by an earlier run is still running`;
    if (payload.onRunningExport !== 'adopt') {
      throw new ExportAlreadyRunningError(
        `Not starting a second export: ${what}. Wait for it to finish, stop it on the database, or set ` +
          `"onRunningExport": "adopt" for this database to back up that export instead.`,
      );
    }
    logger.warn(`Adopting a running export: ${what}`, { jobName: running.job.jobName });
    return toJobRef(
      running.job,
      running.runId,
      dumpFileTemplate(payload.database, running.runId),
      deps.now(),
      true,
    );
  }

  logger.info('Starting Data Pump export', { fileName, jobMode: body.job_mode, filter: body.filter });
  const job = await ords.startExport(body);
  logger.info('Data Pump export started', { jobName: job.jobName, owner: job.owner, state: job.state });
  return toJobRef(job, runId, fileName, deps.now(), false);
}

interface OwnExport {
  readonly job: DataPumpJob;
  readonly runId: string;
}

/**
 * Exports of this database written by this project: running exports and the newest finished ones,
 * recognised by the database prefix and run id in their linked file names.
 */
async function findOwnExports(ords: OrdsApi, database: string): Promise<OwnExport[]> {
  const exports = (await ords.listJobs()).filter((item) => item.operation === 'EXPORT');
  const running = exports.filter((item) => item.state !== 'NOT RUNNING');
  const finished = exports
    .filter((item) => item.state === 'NOT RUNNING')
    .sort((a, b) => b.jobName.localeCompare(a.jobName))
    .slice(0, RECENT_FINISHED_JOBS_TO_CHECK);
  const found: OwnExport[] = [];
  for (const item of [...running, ...finished]) {
    const job = await ords.getJob(item.owner, item.jobName);
    const runId = job?.files.map((file) => runIdOfFile(database, file.name)).find((id) => id !== null);
    if (job && runId) found.push({ job, runId });
  }
  return found;
}

function toJobRef(job: DataPumpJob, runId: string, fileName: string, now: Date, adopted: boolean): JobRef {
  return {
    owner: job.owner,
    jobName: job.jobName,
    runId,
    fileName,
    jobMode: job.jobMode,
    startedAt: now.toISOString(),
    adopted,
  };
}
