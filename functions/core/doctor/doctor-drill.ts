import { drillUserQuery, parseDrillUserRow } from '../drill/index.js';
import type { OrdsConnection } from '../ords/index.js';
import type { DatabaseBinding } from '../run/index.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/** The name of the doctor's restore-drill check. */
export const DRILL_CHECK = 'Restore drill schema';

/**
 * Whether the next restore drill can start: its target schema must not exist, or the drill refuses
 * it (it never imports into, nor drops, a schema it did not create). Read with the drill's own query
 * through REST-enabled SQL, so it is skipped when that did not run, and when no drill is configured.
 */
export async function checkDrillSchema(
  connection: OrdsConnection,
  binding: DatabaseBinding,
  restSqlRan: boolean,
): Promise<Check> {
  const drill = binding.restoreDrill;
  if (!drill) return skipped(DRILL_CHECK, 'no restore drill is configured for this database');
  const target = drill.targetSchema;
  if (!restSqlRan) {
    return skipped(
      DRILL_CHECK,
      `drill schema ${target} is checked through REST-enabled SQL, which did not run`,
    );
  }
  let row: ReturnType<typeof parseDrillUserRow>;
  let details: string | undefined;
  try {
    const [result] = await connection.client.runSql([drillUserQuery(target)]);
    if (!result) throw new Error('REST-enabled SQL answered no result');
    details = result.ok ? undefined : result.errorDetails;
    row = parseDrillUserRow(result);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed(
      DRILL_CHECK,
      `the query of drill schema ${target} failed: ${message}`,
      'Run the doctor again.',
    );
  }
  if (row === null) {
    return failed(
      DRILL_CHECK,
      `the query of drill schema ${target} failed: ${details ?? 'no details'}`,
      `Run the query as the ORDS user in SQL*Plus to see why: ${drillUserQuery(target)}`,
    );
  }
  if (row.created !== null) {
    return failed(
      DRILL_CHECK,
      `drill schema ${target} already exists (created ${row.created}, database time): the next drill refuses it`,
      `If it is left over from a drill, drop it as a DBA (DROP USER "${target}" CASCADE); otherwise set restoreDrill.targetSchema to a new name and deploy.`,
    );
  }
  return ok(
    DRILL_CHECK,
    `drill schema ${target} does not exist: a drill imports ${drill.schema} into it, then drops it ` +
      '(the grants it needs are listed in docs/ords-prerequisites.md, "Restore drill")',
  );
}
