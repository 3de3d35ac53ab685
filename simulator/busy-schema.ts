import type { SimulatedJob } from './simulated-job.js';

/**
 * A busy schema (`busySchema`): orders and their lines are written while the export runs. An export
 * made by the ORDS export POST reads each table at its own moment, so its dump holds order lines whose
 * order came later: its import fails to enable the foreign key (ORA-02298) and completes with errors.
 * An export at one SCN (made by the consistent block through REST-enabled SQL) restores clean.
 */

/** The import log lines of a per-table dump of the busy schema. */
export const BUSY_SCHEMA_NOTES: readonly string[] = [
  'ORA-39083: Object type REF_CONSTRAINT:"HR"."ORDER_LINES_ORDER_FK" failed to create with error:',
  'ORA-02298: cannot validate (HR.ORDER_LINES_ORDER_FK) - parent keys not found',
];

/** Whether an import of the dump files `names` meets the busy schema's broken foreign key. */
export function breaksForeignKey(jobs: readonly SimulatedJob[], names: readonly string[]): boolean {
  const source = jobs.find(
    (job) => job.operation === 'EXPORT' && job.dumpFiles.some((file) => names.includes(file.name)),
  );
  return source !== undefined && source.madeBy !== 'rest-sql';
}
