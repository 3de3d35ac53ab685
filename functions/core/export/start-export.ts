import { ExportAlreadyRunningError, OrdsUnavailableError } from '../base/index.js';
import type { DataPumpJob, ExportRequestBody } from '../ords/index.js';
import { mayHaveCreatedJob, refusedFieldOf } from '../ords/index.js';
import type { Fallback, JobRef, OnRunningExport } from '../state/index.js';
import { attemptTag, dumpFileTemplate, makeRunId } from '../state/index.js';
import { type AdoptionDeps, awaitOwnExport, surveyExports } from './adopt-job.js';
import type { ExportSpec } from './export-spec.js';
import { toExportRequestBody } from './export-spec.js';

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
 * 3. otherwise POST the export with a `file_name` unique to this run and this attempt. When the POST's
 *    answer is lost, look for the job it may have created (about a minute) before giving up.
 */
export async function startExport(deps: AdoptionDeps, payload: StartExportInput): Promise<JobRef> {
  const { ords, logger } = deps;
  const runId = makeRunId(payload.executionStartTime, payload.executionName);
  const target = {
    database: payload.database,
    runId,
    runStartedAt: new Date(payload.executionStartTime),
  };

  const existing = await surveyExports(deps, target);
  if (existing.own) {
    logger.warn('Adopting this run’s export created by an earlier attempt', {
      jobName: existing.own.job.jobName,
    });
    return toJobRef(
      existing.own.job,
      runId,
      templateOf(existing.own.job, payload.database, runId),
      deps.now(),
      true,
      [],
      ords.offsetIgnored,
    );
  }
  const running = existing.running;
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
      templateOf(running.job, payload.database, running.runId),
      deps.now(),
      true,
      [],
      ords.offsetIgnored,
    );
  }

  const fileName = dumpFileTemplate(payload.database, runId, attemptTag(deps.now()));
  const body = toExportRequestBody(payload.export, fileName);
  logger.info('Starting Data Pump export', { fileName, jobMode: body.job_mode, filter: body.filter });
  const fallbacks: Fallback[] = [];
  let job: DataPumpJob;
  try {
    job = await postExport(deps, body, fallbacks);
  } catch (error) {
    if (!mayHaveCreatedJob(error)) throw error;
    logger.warn('The export POST got no answer: looking for the job it may have created', { fileName });
    const found = await awaitOwnExport(deps, target);
    if (!found) {
      throw new OrdsUnavailableError(
        `The export POST for run ${runId} of database "${payload.database}" got no answer and no job of ` +
          'this run appeared in the job list within about a minute: nothing was created. The retry POSTs ' +
          'again with a new file name.',
        { cause: error },
      );
    }
    logger.warn('Adopting the job of the POST whose answer was lost', { jobName: found.job.jobName });
    const template = templateOf(found.job, payload.database, runId);
    return toJobRef(found.job, runId, template, deps.now(), true, fallbacks, ords.offsetIgnored);
  }
  logger.info('Data Pump export started', { jobName: job.jobName, owner: job.owner, state: job.state });
  const linked = job.files.map((file) => file.name);
  if (linked.length > 0 && !linked.some((name) => sentTemplateNamed(fileName, name))) {
    // ORDS before 22.3 does not document file_name and may name the files from its own default.
    const template = ordsDefaultTemplate(job) ?? templateOf(job, payload.database, runId);
    logger.warn(
      `ORDS ignored file_name ${fileName} and named the files ${linked.join(', ')} (ORDS before 22.3 does ` +
        `not know file_name): following the names it links, dump file template ${template}`,
      { jobName: job.jobName },
    );
    fallbacks.push('file-name-ignored');
    return toJobRef(job, runId, template, deps.now(), false, fallbacks, ords.offsetIgnored);
  }
  return toJobRef(job, runId, fileName, deps.now(), false, fallbacks, ords.offsetIgnored);
}

/**
 * POSTs the export; a 400 that names `keep_master` (a strict gateway in front of an ORDS that does
 * not know it) is retried once without it — a 400 creates no job — and recorded as a fallback.
 */
async function postExport(
  deps: AdoptionDeps,
  body: ExportRequestBody,
  fallbacks: Fallback[],
): Promise<DataPumpJob> {
  try {
    return await deps.ords.startExport(body);
  } catch (error) {
    if (refusedFieldOf(error) !== 'keep_master' || body.keep_master === undefined) throw error;
    const { keep_master: _refused, ...withoutKeepMaster } = body;
    deps.logger.warn(
      'ORDS refused keep_master with a 400 (ORDS before 25.x does not document it): starting the export ' +
        'again without it. Data Pump may then drop the job when it succeeds; its files are read by name.',
      { error: (error as Error).message },
    );
    fallbacks.push('keep-master-refused');
    return deps.ords.startExport(withoutKeepMaster);
  }
}

/** Whether ORDS named `name` from the template this run sent (the part before `%U` is its prefix). */
function sentTemplateNamed(template: string, name: string): boolean {
  const prefix = template.slice(0, template.toUpperCase().indexOf('%U')).replace(/[-_.]$/, '');
  return name.toUpperCase().startsWith(prefix.toUpperCase());
}

/**
 * The template of ORDS's default file names, `EXPDAT%U-<date>-<time>.DMP`, from the log it links
 * (`EXPDAT-<date>-<time>.LOG`, Oracle's own examples), else null.
 */
function ordsDefaultTemplate(job: DataPumpJob): string | null {
  const log = job.files.find((file) => file.kind === 'log');
  const match = log ? /^EXPDAT-([A-Za-z0-9_.-]+)\.LOG$/i.exec(log.name) : null;
  return match ? `EXPDAT%U-${match[1]}.DMP` : null;
}

function toJobRef(
  job: DataPumpJob,
  runId: string,
  fileName: string,
  now: Date,
  adopted: boolean,
  fallbacks: readonly Fallback[] = [],
  offsetIgnored = false,
): JobRef {
  const logFile = job.files.find((file) => file.kind === 'log');
  const taken: readonly Fallback[] = offsetIgnored ? [...fallbacks, 'list-offset-ignored'] : fallbacks;
  return {
    path: 'ords-export',
    owner: job.owner,
    jobName: job.jobName,
    runId,
    fileName,
    jobMode: job.jobMode,
    startedAt: now.toISOString(),
    adopted,
    ...(logFile ? { logFileName: logFile.name } : {}),
    ...(taken.length > 0 ? { fallbacks: [...taken] } : {}),
  };
}

/** The `file_name` template an adopted job's files were named from, as far as its links tell. */
function templateOf(job: DataPumpJob, database: string, runId: string): string {
  const dump = job.files.find((file) => file.kind === 'dump');
  if (dump) return dump.name.replace(/\d{2}(\.dmp)$/i, '%U$1');
  const log = job.files.find((file) => file.kind === 'log');
  return log ? log.name.replace(/\.log$/i, '-%U.DMP') : dumpFileTemplate(database, runId);
}
