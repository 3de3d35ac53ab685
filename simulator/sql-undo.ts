/**
 * The doctor's undo query (`functions/core/doctor/doctor-undo.ts`): `UNDO_RETENTION` from
 * V$PARAMETER and the lowest `TUNED_UNDORETENTION` of V$UNDOSTAT over the last day. With
 * `undoRetentionSeconds` null the user may not read V$ views: ORA-00942.
 */

/** The undo query as the doctor sends it. */
export const UNDO_QUERY =
  /^SELECT\s+\(SELECT\s+TO_NUMBER\(value\)\s+FROM\s+v\$parameter\s+WHERE\s+name\s*=\s*'undo_retention'\)\s+AS\s+undo_retention\s*,\s*\(SELECT\s+MIN\(tuned_undoretention\)\s+FROM\s+v\$undostat\s+WHERE\s+begin_time\s*>\s*SYSDATE\s*-\s*1\)\s+AS\s+tuned_min\s+FROM\s+dual$/i;

/** The answer to the undo query: its row, or ORA-00942 when the views are not readable. */
export function undoAnswer(
  undoRetentionSeconds: number | null,
): { rows: Array<Record<string, unknown>> } | { error: { code: number; message: string } } {
  if (undoRetentionSeconds === null) {
    return { error: { code: 942, message: 'ORA-00942: table or view does not exist' } };
  }
  return { rows: [{ undo_retention: undoRetentionSeconds, tuned_min: undoRetentionSeconds }] };
}
