import { BackupError, ErrorName } from '../base/index.js';
import {
  consistentExportPlan,
  doctorProbeJobName,
  type ExportSpec,
  type ProbeResult,
  parseConsistentStartAnswer,
  probeConsistentJob,
} from '../export/index.js';
import type { Logger, OrdsApi, RestSqlApi, SqlRequestApi } from '../ords/index.js';
import { type DatabaseBinding, stopAndRemove } from '../run/index.js';

/**
 * The doctor's own point-in-time probe (issue 24, item 3): a tiny job defined and started through the
 * same `DBMS_DATAPUMP` block a run sends (the REST user's own schema, a `NAME_EXPR` no object matches:
 * Data Pump unloads next to nothing), its log fetched through `jobs/{owner},{job}/{log}` as the run's
 * probe does, then the job stopped and its files removed by the run's own stop/remove code, on every
 * path. It reads nothing into and writes nothing to the database's recorded probe result
 * (`consistency-probe.json`): that record is the runs' own, made with the run's real export.
 */

/** What the tiny probe needs: the ORDS client of the doctor's connection, a logger and a clock. */
export interface TinyProbeDeps {
  readonly client: OrdsApi & RestSqlApi & SqlRequestApi;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** How the tiny probe went, the job it ran as and the files removed after it (on every path). */
export type TinyProbe =
  | (ProbeResult & { readonly jobName: string; readonly removed: readonly string[] })
  | {
      readonly outcome: 'error';
      readonly jobName: string;
      readonly reason: string;
      readonly removed: readonly string[];
    };

/** The object name the probe's `NAME_EXPR` asks for: no table is named so (a doctor marker). */
export const PROBE_NAME_EXPRESSION = "IN ('ODBK_DOCTOR_PROBE_NO_OBJECT')";

/** The files of the probe job `jobName`: `<job>-%U.DMP` and `<job>.LOG` (the sweep removes the same). */
export function probeJobFiles(jobName: string): {
  readonly jobName: string;
  readonly fileName: string;
  readonly logFileName: string;
} {
  return { jobName, fileName: `${jobName}-%U.DMP`, logFileName: `${jobName}.LOG` };
}

/**
 * Runs the tiny probe job of `binding`'s database. Resolves with served/refused (the block itself
 * refused counts as refused: a run under `auto` falls back then too) or `error` (the probe could not
 * decide: a 5xx, a lost answer). Rejects only when the cleanup fails, naming the job and its files.
 */
export async function runTinyProbe(
  deps: TinyProbeDeps,
  binding: Pick<DatabaseBinding, 'database' | 'export' | 'autonomousDatabase'>,
): Promise<TinyProbe> {
  const startedAt = deps.now().toISOString();
  const runId = `doctor-${binding.database}-${startedAt.replace(/[-:.]/g, '')}`;
  const jobName = doctorProbeJobName(runId);
  const spec: ExportSpec = {
    jobMode: 'SCHEMA',
    datapumpDir: binding.export.datapumpDir,
    nameExpressions: [PROBE_NAME_EXPRESSION],
  };
  const job = probeJobFiles(jobName);
  const plan = consistentExportPlan({
    runId,
    jobName,
    spec,
    dumpFileTemplate: job.fileName,
    logFileName: job.logFileName,
    scnSource: 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)',
    options: { filesizeBytes: 10 * 1024 ** 2 },
  });
  let result: ProbeResult | { outcome: 'error'; reason: string };
  try {
    deps.logger.info('Doctor: starting a tiny point-in-time probe job', { jobName });
    parseConsistentStartAnswer(await deps.client.runSqlRequest(plan.request), jobName);
    const listed = (await deps.client.listJobs()).filter((entry) => entry.jobName === jobName);
    const owner = listed.length === 1 ? listed[0]!.owner : (deps.client.jobOwner ?? 'USER');
    result = await probeConsistentJob(
      { ords: deps.client },
      { owner, jobName, logFileName: job.logFileName },
      listed.length === 1,
      deps.client.jobOwner !== null,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result =
      error instanceof BackupError && error.name === ErrorName.ExportFailed
        ? { outcome: 'refused', reason: `the point-in-time block was refused: ${message}` }
        : { outcome: 'error', reason: message };
  }
  // Every path leaves through here: a job the block may have made (even one whose answer was lost)
  // is stopped and its files removed. A job that does not exist counts as stopped.
  const removed = await stopAndRemove({ sql: deps.client, logger: deps.logger }, binding, job);
  return { ...result, jobName, removed };
}
