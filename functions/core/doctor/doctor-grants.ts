import type { OrdsConnection, SqlStatementResult } from '../ords/index.js';
import type { DatabaseBinding } from '../run/index.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/**
 * What the database user needs beyond the ORDS role, read in the database through REST-enabled SQL
 * (`SESSION_ROLES`, `SESSION_PRIVS`, `USER_TAB_PRIVS`: what the REST session really holds, so a role
 * that is granted but not a default role counts as missing), and for each missing grant the exact
 * statement to run. The roles and why each is needed: docs/ords-prerequisites.md.
 */

/** The name of the doctor's grants check. */
export const GRANTS_CHECK = 'Database grants';

/**
 * Roles that let a session read DBA_DATAPUMP_JOBS, which ORDS's job list and job routes query (the
 * 19c and 24.2 "Get all data pump jobs" pages): without one ORDS answers 500.
 */
export const JOB_LIST_ROLES = [
  'SELECT_CATALOG_ROLE',
  'DATAPUMP_EXP_FULL_DATABASE',
  'EXP_FULL_DATABASE',
  'PDB_DBA',
  'DBA',
] as const;

/** The one statement that reads what the session holds (one row per grant, `kind` and `name`). */
export const GRANTS_QUERY =
  "SELECT 'USER' AS kind, USER AS name FROM dual UNION ALL SELECT 'ROLE', role FROM session_roles " +
  "UNION ALL SELECT 'PRIV', privilege FROM session_privs UNION ALL SELECT 'TAB', privilege || ' ON ' || table_name " +
  "FROM user_tab_privs WHERE table_name = 'DBA_DATAPUMP_JOBS'";

/** What the session holds, from `GRANTS_QUERY`'s rows. */
export interface SessionGrants {
  readonly user: string;
  readonly roles: ReadonlySet<string>;
  readonly privileges: ReadonlySet<string>;
  readonly tablePrivileges: ReadonlySet<string>;
}

/** One grant the user lacks: what for, and the statement a DBA runs. */
export interface MissingGrant {
  readonly needed: string;
  readonly statement: string;
}

/** Reads the rows of `GRANTS_QUERY`; null when the answer has no USER row. */
export function parseSessionGrants(result: SqlStatementResult): SessionGrants | null {
  if (!result.ok || !result.rows) return null;
  const of = (kind: string) =>
    new Set(
      result.rows
        ?.filter((row) => String(row.kind ?? row.KIND).toUpperCase() === kind)
        .map((row) => String(row.name ?? row.NAME).toUpperCase()),
    );
  const [user] = of('USER');
  if (!user) return null;
  return { user, roles: of('ROLE'), privileges: of('PRIV'), tablePrivileges: of('TAB') };
}

/** Whether the export reads schemas other than the user's own (or the whole database). */
function exportsOtherSchemas(binding: DatabaseBinding, user: string): boolean {
  const spec = binding.export;
  if (spec.jobMode === 'FULL') return true;
  if (spec.schemas) return spec.schemas.some((schema) => schema.toUpperCase() !== user);
  return Boolean(spec.filter || spec.schemaExpressions || spec.nameExpressions);
}

/** The grants the binding's features need that the session does not hold, each with its statement. */
export function missingGrants(binding: DatabaseBinding, grants: SessionGrants): MissingGrant[] {
  const { user, roles, privileges } = grants;
  const missing: MissingGrant[] = [];
  const role = (name: string, needed: string) => {
    if (!roles.has(name)) {
      missing.push({ needed, statement: `GRANT ${name} TO ${user}; ALTER USER ${user} DEFAULT ROLE ALL;` });
    }
  };
  if (!privileges.has('CREATE TABLE')) {
    missing.push({ needed: "the export's control table", statement: `GRANT CREATE TABLE TO ${user};` });
  }
  const readsJobList =
    JOB_LIST_ROLES.some((name) => roles.has(name)) ||
    grants.tablePrivileges.has('SELECT ON DBA_DATAPUMP_JOBS') ||
    privileges.has('SELECT ANY DICTIONARY');
  if (!readsJobList) {
    missing.push({
      needed: 'the job list (ORDS reads DBA_DATAPUMP_JOBS)',
      statement: `GRANT SELECT ON SYS.DBA_DATAPUMP_JOBS TO ${user};`,
    });
  }
  const drill = binding.restoreDrill;
  if (drill) {
    role('DATAPUMP_EXP_FULL_DATABASE', 'the restore drill (a dump with the CREATE USER metadata)');
    role('DATAPUMP_IMP_FULL_DATABASE', 'the restore drill (an import remapped into a new schema)');
    if (!privileges.has('DROP USER')) {
      missing.push({
        needed: `the restore drill (dropping ${drill.targetSchema})`,
        statement: `GRANT DROP USER TO ${user};`,
      });
    }
  } else if (exportsOtherSchemas(binding, user)) {
    role('DATAPUMP_EXP_FULL_DATABASE', 'a FULL export or an export of other schemas');
  }
  return missing;
}

/**
 * The grants check: skipped when REST-enabled SQL did not run (the job list check reads a missing
 * grant from ORDS's 500 instead), failed naming each missing grant and its statement.
 */
export async function checkGrants(
  connection: OrdsConnection,
  binding: DatabaseBinding,
  restSqlRan: boolean,
): Promise<Check> {
  if (!restSqlRan) {
    return skipped(GRANTS_CHECK, 'grants are read through REST-enabled SQL, which did not run');
  }
  let grants: SessionGrants | null;
  let details = 'no result';
  try {
    const [result] = await connection.client.runSql([GRANTS_QUERY]);
    grants = result ? parseSessionGrants(result) : null;
    if (result && !result.ok) details = result.errorDetails;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed(GRANTS_CHECK, `the grants query failed: ${message}`, 'Run the doctor again.');
  }
  if (!grants) {
    return failed(
      GRANTS_CHECK,
      `the grants query failed: ${details}`,
      `Run it as the ORDS user in SQL*Plus to see why: ${GRANTS_QUERY}`,
    );
  }
  const missing = missingGrants(binding, grants);
  if (missing.length === 0) {
    return ok(GRANTS_CHECK, `${grants.user} holds every grant this database's backups and drills need`);
  }
  return failed(
    GRANTS_CHECK,
    `${grants.user} lacks ${missing.map((grant) => `a grant for ${grant.needed}`).join('; ')}`,
    `As a DBA run: ${missing.map((grant) => grant.statement).join(' ')}`,
  );
}
