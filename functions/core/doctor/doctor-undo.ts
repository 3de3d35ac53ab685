import type { RestSqlApi, SqlStatementResult } from '../ords/index.js';
import type { DatabaseBinding } from '../run/index.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/**
 * The doctor's undo check (../shared/consistent-export.md §5): a point-in-time export needs undo for
 * its whole run, or it fails with ORA-01555. The undo retention the database keeps (the lowest
 * `TUNED_UNDORETENTION` of V$UNDOSTAT over the last day where readable, else `UNDO_RETENTION`) is
 * compared with the last export's elapsed time, read from its manifest, with half again as margin.
 * The product never changes undo settings: the fix is advice for the DBA.
 */

export const UNDO_CHECK = 'Undo retention';

/** Undo must outlast the last export by this factor (exports grow; undo is auto-tuned downwards too). */
export const UNDO_MARGIN = 1.5;

/** The undo settings, each null when not readable. */
export const UNDO_QUERY =
  "SELECT (SELECT TO_NUMBER(value) FROM v$parameter WHERE name = 'undo_retention') AS undo_retention, " +
  '(SELECT MIN(tuned_undoretention) FROM v$undostat WHERE begin_time > SYSDATE - 1) AS tuned_min FROM dual';

/** `elapsed 0 01:02:03` of a Data Pump final line, in seconds; null without one. */
export function elapsedSecondsOf(summary: string): number | null {
  const match = /\belapsed\s+(\d+)\s+(\d{1,2}):(\d{2}):(\d{2})\b/.exec(summary);
  if (!match) return null;
  const [, days, hours, minutes, seconds] = match.map(Number) as [number, number, number, number, number];
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
}

/** What the undo query returned. */
export interface UndoSettings {
  readonly undoRetentionSeconds: number | null;
  readonly tunedMinSeconds: number | null;
}

/** Reads the undo query's answer; null when it failed (V$ views not readable: ORA-00942). */
export function parseUndoSettings(result: SqlStatementResult | undefined): UndoSettings | null {
  if (!result?.ok) return null;
  const row = result.rows?.[0] ?? {};
  const number = (value: unknown) =>
    value === null || value === undefined || !Number.isFinite(Number(value)) ? null : Number(value);
  return {
    undoRetentionSeconds: number(row.undo_retention ?? row.UNDO_RETENTION),
    tunedMinSeconds: number(row.tuned_min ?? row.TUNED_MIN),
  };
}

/**
 * The undo check of a `point-in-time` or `auto` database: failed (with the DBA's fix) when the undo
 * retention is shorter than the last export's elapsed time with the margin; skipped when the database
 * exports per-table, when REST-enabled SQL did not run, when the undo settings are not readable or
 * when no export ran yet.
 */
export async function checkUndo(
  sql: RestSqlApi,
  binding: DatabaseBinding,
  restSqlRan: boolean,
  lastExportSeconds: number | null,
): Promise<Check> {
  if (binding.consistency === 'per-table') {
    return skipped(UNDO_CHECK, 'the database exports per-table: its export needs no undo beyond each table');
  }
  if (!restSqlRan)
    return skipped(UNDO_CHECK, 'the undo settings are read through REST-enabled SQL, which did not run');
  let settings: UndoSettings | null;
  try {
    settings = parseUndoSettings((await sql.runSql([UNDO_QUERY]))[0]);
  } catch (error) {
    return skipped(
      UNDO_CHECK,
      `the undo query failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const retention = settings?.tunedMinSeconds ?? settings?.undoRetentionSeconds ?? null;
  if (retention === null) {
    return skipped(
      UNDO_CHECK,
      'V$PARAMETER and V$UNDOSTAT are not readable by this user (a DBA can grant SELECT_CATALOG_ROLE): the undo ' +
        'retention is unknown. A point-in-time export fails with ORA-01555 when undo does not last as long as it runs.',
    );
  }
  const source =
    settings?.tunedMinSeconds != null
      ? 'the lowest tuned retention of V$UNDOSTAT over the last day'
      : 'UNDO_RETENTION';
  if (lastExportSeconds === null) {
    return ok(UNDO_CHECK, `undo retention ${retention} s (${source}); no export ran yet to compare it with`);
  }
  const needed = Math.ceil(lastExportSeconds * UNDO_MARGIN);
  if (retention < needed) {
    return failed(
      UNDO_CHECK,
      `undo retention ${retention} s (${source}) is shorter than ${needed} s, the last export's ${lastExportSeconds} s ` +
        `with half again as margin: a point-in-time export may fail with ORA-01555 (snapshot too old)`,
      `Ask the DBA to raise UNDO_RETENTION to at least ${needed} (ALTER SYSTEM SET UNDO_RETENTION = ${needed}) with an ` +
        'undo tablespace large enough to keep it; this project never changes undo settings.',
    );
  }
  return ok(
    UNDO_CHECK,
    `undo retention ${retention} s (${source}) covers the last export's ${lastExportSeconds} s with half again as margin`,
  );
}
