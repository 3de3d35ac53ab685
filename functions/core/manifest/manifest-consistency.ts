import { InvalidInputError } from '../base/index.js';
import {
  type ConsistentOptions,
  consistentExportPlan,
  type DataPumpSetting,
  type ExportSpec,
  type LicensedOption,
} from '../export/index.js';
import type { JobPath, JobRef, VerdictResult } from '../state/index.js';

/** How consistent the exported data is: at one SCN (`point-in-time`) or each table at its own moment. */
export type ConsistencyMode = 'point-in-time' | 'per-table';

/**
 * Why a backup made by the ORDS export POST is per-table: it takes no `flashback_scn`, and the
 * database's `consistency` is `per-table` (set so, or a binding written before `consistency` existed).
 */
export const POINT_IN_TIME_NOT_ENABLED =
  'point-in-time not enabled: the database\'s consistency is "per-table" and the ORDS export POST takes no ' +
  'FLASHBACK_SCN, so each table was exported at its own moment (a busy schema may hold rows of one table ' +
  'without the rows they refer to in another)';

/**
 * How the reason of a backup of an `auto` database starts when ORDS refused the point-in-time job's
 * files (now or in the recorded probe) and the run fell back to the ORDS export POST.
 */
export const CONSISTENCY_DOWNGRADED = 'consistency downgraded (auto): point-in-time refused';

/** What the manifest records about the backup's consistency (`consistency`). */
export interface ManifestConsistency {
  /** How the job was started: `ords-export` (the ORDS export POST) or `rest-sql` (DBMS_DATAPUMP). */
  readonly path: JobPath;
  readonly mode: ConsistencyMode;
  /** Why the backup is not point-in-time; absent when it is. */
  readonly reason?: string;
  /** The SCN every table was exported at (point-in-time only). */
  readonly scn?: string;
  /**
   * The database time (UTC) at which the SCN was read, in the same block; absent when the run adopted
   * its job after a lost answer (the log's marker line still proves the SCN).
   */
  readonly scnReadAt?: string;
  /** The log lines that prove it: the `LOG_ENTRY` marker naming the SCN, then the final `Job` line. */
  readonly evidence?: readonly string[];
  /** The Data Pump settings the block sent (`FLASHBACK_SCN` shows `scn_out`: the SCN above). */
  readonly parameters?: readonly DataPumpSetting[];
  /** Licensed options the export used (acknowledged in `licensedOptions`); empty when none. */
  readonly licensedOptions?: readonly LicensedOption[];
}

/**
 * The consistency of the backup of `job`. A job of the ORDS export POST is per-table, with the reason.
 * A `rest-sql` job is point-in-time only with its log's proof (`verdict.consistentEvidence`, naming the
 * SCN the run read); without it nothing is recorded and the manifest is not written.
 */
export function manifestConsistency(
  job: JobRef,
  verdict: Pick<VerdictResult, 'summary' | 'consistentEvidence'>,
  spec: ExportSpec,
  options?: ConsistentOptions,
): ManifestConsistency {
  const path = job.path ?? 'ords-export';
  if (path !== 'rest-sql') {
    const reason = job.downgraded
      ? `${CONSISTENCY_DOWNGRADED}: ${job.downgraded}`
      : POINT_IN_TIME_NOT_ENABLED;
    return { path, mode: 'per-table', reason };
  }
  const evidence = verdict.consistentEvidence;
  if (!evidence || (job.scn !== undefined && evidence.scn !== job.scn)) {
    throw new InvalidInputError(
      `Not writing the manifest: the log of job ${job.jobName} does not prove the SCN ` +
        `${job.scn ?? '(adopted job)'} the run read (marker: ${evidence?.markerLine ?? 'none'})`,
    );
  }
  // The FILESIZE the run chose and sent (it grows with the last backup), not only the configured one.
  const sent = job.filesizeBytes === undefined ? options : { ...options, filesizeBytes: job.filesizeBytes };
  const plan = consistentExportPlan({
    runId: job.runId,
    jobName: job.jobName,
    spec,
    dumpFileTemplate: job.fileName,
    logFileName: job.logFileName ?? `${job.jobName}.LOG`,
    scnSource: 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)',
    ...(sent ? { options: sent } : {}),
  });
  return {
    path,
    mode: 'point-in-time',
    scn: evidence.scn,
    ...(job.scnTime ? { scnReadAt: job.scnTime } : {}),
    evidence: [evidence.markerLine, verdict.summary],
    parameters: plan.settings,
    licensedOptions: plan.licensedOptionsUsed,
  };
}

/**
 * The one line the execution's output and the local runner show: `point-in-time at SCN n`, or for a
 * per-table backup the first clause of its reason, e.g. `per-table: point-in-time not enabled`.
 */
export function describeConsistency(consistency: ManifestConsistency): string {
  if (consistency.mode === 'point-in-time') return `point-in-time at SCN ${consistency.scn ?? '?'}`;
  const reason = consistency.reason ?? 'no reason recorded';
  return `per-table: ${reason.split(':')[0]}`;
}
