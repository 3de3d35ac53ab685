import type { ConsistencyProbeRecord, DatabaseBinding } from '../run/index.js';
import { consistencyProbeKey } from '../run/index.js';
import { LEFTOVER_CHECK, PROBE_IN_USE_SECONDS } from './doctor-leftovers.js';
import { runTinyProbe, type TinyProbeDeps } from './doctor-probe-job.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/**
 * The doctor's "Point-in-time probe": whether this ORDS serves the files of a Data Pump job made
 * through REST-enabled SQL. Where REST-enabled SQL runs, the doctor asks it itself with a tiny job
 * (`runTinyProbe`, which leaves nothing behind); otherwise it reports the probe a run recorded for the
 * database (`<prefix><database>/consistency-probe.json`), which it never writes.
 */

export const PROBE_CHECK = 'Point-in-time probe';

/** The check of `record` (null: none recorded, or one made against another ORDS URL). */
export function checkProbeRecord(
  binding: Pick<DatabaseBinding, 'consistency' | 'ordsUrl' | 'prefix' | 'database'>,
  record: ConsistencyProbeRecord | null,
): Check {
  const key = consistencyProbeKey(binding.prefix, binding.database);
  if (binding.consistency === 'per-table') {
    return skipped(PROBE_CHECK, 'the database exports per-table: nothing is probed');
  }
  if (record === null || record.ordsUrl !== binding.ordsUrl) {
    return skipped(
      PROBE_CHECK,
      `no probe of ${binding.ordsUrl} is recorded in ${key} yet: the next run probes it right after it starts the job`,
    );
  }
  if (record.outcome === 'served') {
    return ok(
      PROBE_CHECK,
      `ORDS served the point-in-time job's log (probe of ${record.probedAt}, ${record.executionName})`,
    );
  }
  const detail = `ORDS refused the point-in-time job (probe of ${record.probedAt}): ${record.reason ?? 'no reason recorded'}`;
  const reprobe = `delete s3://<bucket>/${key} to probe again`;
  if (binding.consistency === 'auto') {
    return ok(
      PROBE_CHECK,
      `${detail}. Backups are per-table, saying so ("Consistency downgraded", ConsistencyDowngraded = 1); after fixing ORDS, ${reprobe}.`,
    );
  }
  return failed(
    PROBE_CHECK,
    detail,
    `Use an ORDS that serves the files of such jobs, then ${reprobe}; or set "consistency": "auto" or "per-table".`,
  );
}

type ProbeBinding = Pick<
  DatabaseBinding,
  'consistency' | 'ordsUrl' | 'prefix' | 'database' | 'export' | 'autonomousDatabase'
>;

/**
 * The check: skipped for a per-table database; the recorded probe, saying why no tiny job ran, where
 * REST-enabled SQL did not run; else the tiny probe's answer (with the recorded one where they differ).
 */
export async function checkPointInTimeProbe(
  deps: TinyProbeDeps,
  binding: ProbeBinding,
  restSqlRan: boolean,
  record: ConsistencyProbeRecord | null,
): Promise<Check> {
  if (binding.consistency === 'per-table') return checkProbeRecord(binding, record);
  if (!restSqlRan) {
    const recorded = checkProbeRecord(binding, record);
    const why = 'no tiny probe job was started: it runs through REST-enabled SQL, which did not run';
    return recorded.status === 'skipped'
      ? skipped(PROBE_CHECK, `${why}; ${recorded.detail}`)
      : { ...recorded, detail: `${recorded.detail} (${why})` };
  }
  let probe: Awaited<ReturnType<typeof runTinyProbe>>;
  try {
    probe = await runTinyProbe(deps, binding);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed(
      PROBE_CHECK,
      `the tiny probe job could not be cleaned up: ${message}`,
      `Run the doctor again after ${PROBE_IN_USE_SECONDS / 60} minutes: its "${LEFTOVER_CHECK}" check removes the job and its files; ` +
        `or stop the job on the database (DBMS_DATAPUMP.STOP_JOB) and remove its ODBK_DR_… files from directory ${binding.export.datapumpDir.toUpperCase()}.`,
    );
  }
  const cleaned = `; job ${probe.jobName} stopped, files removed: ${probe.removed.join(', ') || 'none found'}`;
  const key = consistencyProbeKey(binding.prefix, binding.database);
  if (probe.outcome === 'error') {
    return failed(
      PROBE_CHECK,
      `the tiny probe job could not decide whether ORDS serves its files: ${probe.reason}${cleaned}`,
      'Run the doctor again; if it persists, check ORDS and REST-enabled SQL.',
    );
  }
  const stale =
    record !== null && record.ordsUrl === binding.ordsUrl && record.outcome !== probe.outcome
      ? `. A run recorded "${record.outcome}" (${record.probedAt}) in ${key}; ` +
        (binding.consistency === 'auto'
          ? `runs under auto follow that record: delete s3://<bucket>/${key} so that the next run probes again`
          : 'runs under point-in-time probe every night anyway')
      : '';
  if (probe.outcome === 'served') {
    return ok(
      PROBE_CHECK,
      `ORDS served the log of the tiny point-in-time job through jobs/{owner},{job}/{file}${cleaned}${stale}`,
    );
  }
  const detail = `ORDS refused the tiny point-in-time job: ${probe.reason}${cleaned}${stale}`;
  if (binding.consistency === 'auto') {
    return ok(
      PROBE_CHECK,
      `${detail}. Backups will be per-table, saying so ("Consistency downgraded", ConsistencyDowngraded = 1).`,
    );
  }
  return failed(
    PROBE_CHECK,
    detail,
    'Use an ORDS that serves the files of Data Pump jobs made through REST-enabled SQL; or set "consistency": "auto" or "per-table".',
  );
}
