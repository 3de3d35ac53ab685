import { BackupError, ErrorName, InvalidInputError } from '../base/index.js';
import {
  consistentExportPlan,
  consistentJobName,
  type ProbeResult,
  parsePollAnswer,
  pollRequest,
  probeConsistentJob,
  startConsistentExport,
  startExport,
  stopConsistentJob,
} from '../export/index.js';
import type { Logger, OrdsApi, RestSqlApi, SqlRequestApi } from '../ords/index.js';
import { OrdsHttpRequestError } from '../ords/index.js';
import type { JobRef, StartExportPayload } from '../state/index.js';
import { dumpFileTemplate, logFileNameOf, makeRunId } from '../state/index.js';
import type { DatabaseBinding } from './binding.js';
import {
  type ConsistencyProbeRecord,
  consistencyProbeKey,
  type ReadProbeRecord,
} from './consistency-probe-record.js';
import { removeJobFiles } from './job-files.js';
import { type LastDumpBytes, optionsForRun } from './run-filesize.js';

/**
 * Starting the export of a `point-in-time` or `auto` database: the consistent path through
 * REST-enabled SQL, probed as soon as the job runs (does this ORDS list it and serve its log?). A
 * refusal stops the job and removes its files; then `auto` starts the ORDS export POST in the same
 * run (the job carries `downgraded`: the console, the metric and the manifest say so), and
 * `point-in-time` fails naming the reason. The probe result is recorded for the database, so later
 * runs of `auto` do not probe again.
 */

/** The database's recorded probe result: read and (re)written by "Start export". */
export interface ProbeRecordAccess {
  read(prefix: string, database: string): Promise<ReadProbeRecord>;
  write(prefix: string, record: ConsistencyProbeRecord, etag: string | null): Promise<boolean>;
}

/** What `startWithConsistency` needs. */
export interface ConsistencyStartDeps {
  readonly ords: OrdsApi;
  /** REST-enabled SQL: the block and the stop with binds, the file removals as scripts. */
  readonly sql: SqlRequestApi & RestSqlApi;
  /** @default - none: every run probes */
  readonly probeRecord?: ProbeRecordAccess;
  /** The bytes of the database's last backup: the dump file size grows with it. @default - none: 8 GiB */
  readonly lastDumpBytes?: LastDumpBytes;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/** Starts (or adopts) the export of a `point-in-time` or `auto` database; see the file's comment. */
export async function startWithConsistency(
  deps: ConsistencyStartDeps,
  binding: DatabaseBinding,
  payload: StartExportPayload,
): Promise<JobRef> {
  const { logger } = deps;
  const auto = binding.consistency === 'auto';
  const read = (await deps.probeRecord?.read(binding.prefix, binding.database)) ?? {
    record: null,
    etag: null,
  };
  // A record made against another ORDS URL does not count: a moved or upgraded ORDS is probed again.
  const record = read.record?.ordsUrl === binding.ordsUrl ? read.record : null;
  // Under auto, an export the block cannot make (another job mode than SCHEMA, threads above 1 without
  // the licence acknowledged, …) is backed up per-table, saying why; point-in-time fails on it below.
  const unfit = auto ? planProblem(binding, payload) : null;
  if (unfit !== null) {
    const reason = `the export cannot take the point-in-time path: ${unfit}`;
    logger.warn('Consistency downgraded to per-table by the export settings', { reason });
    return { ...(await startOrdsExport(deps, binding, payload)), downgraded: capped(reason) };
  }
  if (auto && record?.outcome === 'refused') {
    const reason =
      `${record.reason ?? 'ORDS refused the files of the point-in-time job'} (probe of ${record.probedAt}, ` +
      `recorded in ${consistencyProbeKey(binding.prefix, binding.database)}; delete it to probe again)`;
    logger.warn('Consistency downgraded to per-table by the recorded probe result', { reason });
    // A retry after the record was written but before the stop finds this run's job still there.
    await stopIfThere(deps, binding, payload);
    return { ...(await startOrdsExport(deps, binding, payload)), downgraded: capped(reason) };
  }

  let started: Awaited<ReturnType<typeof startConsistentExport>>;
  try {
    started = await startConsistentExport(
      { sql: deps.sql, ords: deps.ords, logger, now: deps.now },
      {
        executionName: payload.executionName,
        executionStartTime: payload.executionStartTime,
        database: binding.database,
        export: binding.export,
        options: await optionsForRun(deps, binding),
      },
    );
  } catch (error) {
    // Under auto, a database that does not allow the block (REST-enabled SQL off, a grant or a
    // directory missing: the block created nothing) is backed up per-table, saying why.
    const reason = auto ? blockRefusal(error) : null;
    if (reason === null) throw error;
    logger.warn('The point-in-time block was refused: falling back to the ORDS export POST', { reason });
    await recordProbe(deps, binding, payload, read.etag, record, { outcome: 'refused', reason });
    return { ...(await startOrdsExport(deps, binding, payload)), downgraded: capped(reason) };
  }
  // Under auto a recorded "served" saves the log read; point-in-time always probes (one GET), so that
  // an ORDS that changed fails the run at start, with the job stopped, not after the export.
  if (auto && record?.outcome === 'served' && started.listed) return started.job;
  const probe = await probeConsistentJob(
    { ords: deps.ords },
    started.job,
    started.listed,
    deps.ords.jobOwner !== null,
  );
  await recordProbe(deps, binding, payload, read.etag, record, probe);
  if (probe.outcome === 'served') {
    logger.info('ORDS serves the point-in-time job: consistent path', {
      jobName: started.job.jobName,
      listed: started.listed,
    });
    // A job ORDS does not list (nor GET) is polled through USER_DATAPUMP_JOBS.
    return started.listed ? started.job : { ...started.job, pollBy: 'rest-sql' };
  }
  logger.warn('ORDS refuses the point-in-time job: stopping it and removing its files', {
    jobName: started.job.jobName,
    reason: probe.reason,
  });
  const removed = await stopAndRemove(deps, binding, started.job);
  if (!auto) {
    throw new BackupError(
      ErrorName.ExportFailed,
      `Point-in-time backup of database "${binding.database}" is not possible through this ORDS: ${probe.reason}. ` +
        `The job ${started.job.jobName} was stopped and its files removed (${removed.join(', ') || 'none found'}). ` +
        'Use an ORDS that serves them, or set "consistency": "auto" (falls back to per-table, saying so) or ' +
        '"per-table" for this database.',
    );
  }
  return { ...(await startOrdsExport(deps, binding, payload)), downgraded: capped(probe.reason) };
}

/**
 * Why the database does not allow the point-in-time block, or null for any other failure (an outage,
 * a 5xx: the step's retry sends the block again): REST-enabled SQL answers 404 or 403, or Data Pump
 * refused to define or start the job (a grant, the directory; the block removed what it defined).
 */
function blockRefusal(error: unknown): string | null {
  if (error instanceof OrdsHttpRequestError && (error.status === 404 || error.status === 403)) {
    return (
      `REST-enabled SQL answers ${error.status} (POST …/_/sql): the point-in-time block cannot be sent ` +
      `(enable restEnabledSql.active and grant the REST user its role): ${error.message}`
    );
  }
  if (error instanceof BackupError && error.name === ErrorName.ExportFailed) {
    return `the point-in-time block was refused: ${error.message}`;
  }
  return null;
}

/** Records the probe result when it differs from the one read (a write another run won only logs). */
async function recordProbe(
  deps: ConsistencyStartDeps,
  binding: DatabaseBinding,
  payload: StartExportPayload,
  etag: string | null,
  record: ConsistencyProbeRecord | null,
  probe: ProbeResult,
): Promise<void> {
  const reason = probe.outcome === 'refused' ? probe.reason : undefined;
  if (record?.outcome === probe.outcome && record.reason === reason) return;
  await deps.probeRecord?.write(
    binding.prefix,
    {
      probeVersion: 1,
      database: binding.database,
      ordsUrl: binding.ordsUrl,
      outcome: probe.outcome,
      ...(reason === undefined ? {} : { reason: reason.slice(0, 2000) }),
      probedAt: deps.now().toISOString(),
      executionName: payload.executionName,
    },
    etag,
  );
}

/** Why the block cannot make this database's export (its settings), or null when it can. */
function planProblem(binding: DatabaseBinding, payload: StartExportPayload): string | null {
  const runId = makeRunId(payload.executionStartTime, payload.executionName);
  const fileName = dumpFileTemplate(binding.database, runId);
  try {
    consistentExportPlan({
      runId,
      jobName: consistentJobName(payload.executionName),
      spec: binding.export,
      dumpFileTemplate: fileName,
      logFileName: logFileNameOf(fileName),
      scnSource: 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)',
      ...(binding.consistentExport ? { options: binding.consistentExport } : {}),
    });
    return null;
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message;
    throw error;
  }
}

/** A reason as the state and the manifest carry it: at most 2,000 characters. */
function capped(reason: string): string {
  return reason.length > 2000 ? `${reason.slice(0, 1997)}...` : reason;
}

/** The ORDS export POST of the database (per-table). */
function startOrdsExport(deps: ConsistencyStartDeps, binding: DatabaseBinding, payload: StartExportPayload) {
  return startExport(
    { ords: deps.ords, logger: deps.logger, now: deps.now, sleep: deps.sleep },
    {
      executionName: payload.executionName,
      executionStartTime: payload.executionStartTime,
      database: binding.database,
      export: binding.export,
      onRunningExport: binding.onRunningExport,
    },
  );
}

/** Stops this run's consistent job when `USER_DATAPUMP_JOBS` still shows it, and removes its files. */
async function stopIfThere(
  deps: ConsistencyStartDeps,
  binding: DatabaseBinding,
  payload: StartExportPayload,
) {
  const jobName = consistentJobName(payload.executionName);
  let answer: unknown;
  try {
    answer = await deps.sql.runSqlRequest(pollRequest(jobName));
  } catch (error) {
    // REST-enabled SQL off or refused: no block of this run can have made a job.
    if (blockRefusal(error) !== null) return;
    throw error;
  }
  const state = parsePollAnswer(answer, jobName);
  if (state.state === null) return;
  const fileName = dumpFileTemplate(
    binding.database,
    makeRunId(payload.executionStartTime, payload.executionName),
  );
  deps.logger.warn('A point-in-time job of this run is still there: stopping it', { jobName });
  await stopAndRemove(deps, binding, { jobName, fileName, logFileName: logFileNameOf(fileName) });
}

/**
 * Stops the refused job (dropping its control table) and removes its log and dump files, `01` up to
 * the first number that is not there (`%U` numbers files in order): the server never keeps an export
 * nobody can read. Returns the names removed. The doctor's tiny probe job leaves through it too.
 */
export async function stopAndRemove(
  deps: Pick<ConsistencyStartDeps, 'sql' | 'logger'>,
  binding: Pick<DatabaseBinding, 'autonomousDatabase' | 'export'>,
  job: Pick<JobRef, 'jobName' | 'fileName' | 'logFileName'>,
): Promise<string[]> {
  const stopped = await stopConsistentJob({ sql: deps.sql }, job.jobName);
  deps.logger.info('Point-in-time job stopped', { jobName: job.jobName, stopped });
  return removeJobFiles(
    deps.sql,
    binding,
    job,
    (fileName, details) =>
      new BackupError(
        ErrorName.ExportFailed,
        `Could not remove ${fileName} of the stopped point-in-time job ${job.jobName} from ` +
          `${binding.export.datapumpDir}: ${details}. Remove it on the database server.`,
      ),
  );
}
