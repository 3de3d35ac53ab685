import type { ConsistencyProbeRecord, DatabaseBinding } from '../run/index.js';
import { consistencyProbeKey } from '../run/index.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/**
 * The doctor's report of the point-in-time probe a run recorded for the database
 * (`<prefix><database>/consistency-probe.json`): whether this ORDS serves the files of a Data Pump job
 * made through REST-enabled SQL. The doctor does not start a job of its own to probe.
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
