import { identityQuery, readDbIdentity } from '../drill/index.js';
import type { RestSqlApi } from '../ords/index.js';
import type { DatabaseBinding } from '../run/index.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/** The name of the doctor's check of the drill's identity query. */
export const IDENTITY_CHECK = 'Drill identity';

/**
 * Whether the restore drill can write its intent record: it runs the drill's own identity query
 * (`readDbIdentity`: `USER`, `SYSDATE` with `SYSTIMESTAMP`'s offset, `ALL_USERS.CREATED` of the drill
 * schema) through REST-enabled SQL and reports the user the drill's imports must belong to and the
 * database clock's offset. Where REST-enabled SQL refuses the query, or is disabled, the drill fails
 * the same way at night, so the check fails. Skipped without a drill, and when the REST-enabled SQL
 * check failed already (its fix comes first).
 */
export async function checkDrillIdentity(
  sql: RestSqlApi,
  binding: DatabaseBinding,
  restSql: Check,
): Promise<Check> {
  const drill = binding.restoreDrill;
  if (!drill) return skipped(IDENTITY_CHECK, 'no restore drill is configured for this database');
  const target = drill.targetSchema.toUpperCase();
  if (restSql.status === 'failed') {
    return skipped(IDENTITY_CHECK, 'the drill identity is read through REST-enabled SQL, which failed above');
  }
  if (restSql.status === 'skipped') {
    return failed(
      IDENTITY_CHECK,
      `the restore drill reads the database user and clock through REST-enabled SQL before its import, ` +
        `and ${restSql.detail}: every drill of this database fails`,
      'Enable REST-enabled SQL in ORDS (restEnabledSql.active=true) and restart ORDS, or remove restoreDrill from the database and deploy.',
    );
  }
  let identity: Awaited<ReturnType<typeof readDbIdentity>>;
  try {
    identity = await readDbIdentity({ sql }, [target]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed(
      IDENTITY_CHECK,
      `REST-enabled SQL did not answer the drill's identity query: ${message}. The drill sends the same ` +
        'query before each import and would fail the same way',
      `Run the query as the ORDS user in SQL*Plus to see why, and grant what it lacks: ${identityQuery([target])}`,
    );
  }
  const created = identity.created[target];
  const schema = created ? `exists (created ${created})` : 'does not exist';
  return ok(
    IDENTITY_CHECK,
    `REST-enabled SQL runs as ${identity.dbUser} (SELECT USER): the drill adopts and drops only imports ` +
      `owned by ${identity.dbUser}. The database clock reads ${identity.dbTime} at UTC offset ` +
      `${identity.dbOffset} (SYSDATE, SYSTIMESTAMP); the drill compares only times of this clock. ` +
      `Drill schema ${target} ${schema}`,
  );
}
