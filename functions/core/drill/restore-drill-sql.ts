import { InvalidInputError } from '../base/index.js';
import { ORACLE_IDENTIFIER } from '../export/index.js';
import type { SqlStatementResult } from '../ords/index.js';

/**
 * The SQL of a restore drill, sent through REST-enabled SQL: read the drill schema's creation time
 * with the database's own clock, and drop the drill schema. The schema name is checked against an
 * allow-list (an unquoted Oracle identifier that names no exported and no Oracle-maintained schema)
 * before it is put into a statement, so no value from the state can carry SQL or name a real schema.
 */

/**
 * Schemas Oracle creates and maintains (ORACLE_MAINTAINED = 'Y'), the ORDS and Autonomous Database
 * administration users among them. Prefixes end with `_` or `$`.
 */
const ORACLE_MAINTAINED = [
  'SYS',
  'SYSTEM',
  'SYSMAN',
  'SYSBACKUP',
  'SYSDG',
  'SYSKM',
  'SYSRAC',
  'SYS$UMF',
  'DBSNMP',
  'XDB',
  'XS$NULL',
  'AUDSYS',
  'OUTLN',
  'ANONYMOUS',
  'APPQOSSYS',
  'CTXSYS',
  'DBSFWUSER',
  'DGPDB_INT',
  'DIP',
  'DVF',
  'DVSYS',
  'GGSYS',
  'GSMADMIN_INTERNAL',
  'GSMCATUSER',
  'GSMROOTUSER',
  'GSMUSER',
  'LBACSYS',
  'MDDATA',
  'MDSYS',
  'OJVMSYS',
  'OLAPSYS',
  'ORACLE_OCM',
  'ORDDATA',
  'ORDPLUGINS',
  'ORDSYS',
  'ORDS_METADATA',
  'ORDS_PUBLIC_USER',
  'REMOTE_SCHEDULER_AGENT',
  'SI_INFORMTN_SCHEMA',
  'WMSYS',
  'ADMIN',
  'C##CLOUD$SERVICE',
  'C##ADP$SERVICE',
  'C##OMLIDM',
  'GRAPH$METADATA',
  'OML$METADATA',
  'PUBLIC',
];
const ORACLE_MAINTAINED_PREFIXES = ['APEX_', 'FLOWS_', 'C##', 'SYS$', 'ORDS_'];

/** Why `name` cannot be a drill's target schema, or null. Compared as the dictionary keeps it (upper case). */
export function drillTargetProblem(name: string, exportedSchemas: readonly string[]): string | null {
  if (!ORACLE_IDENTIFIER.test(name)) {
    return `it is not an unquoted Oracle identifier (${ORACLE_IDENTIFIER.source}), e.g. HR_DRILL`;
  }
  const upper = name.toUpperCase();
  if (
    ORACLE_MAINTAINED.includes(upper) ||
    ORACLE_MAINTAINED_PREFIXES.some((prefix) => upper.startsWith(prefix))
  ) {
    return 'it is a schema Oracle maintains; the drill drops its target schema, so pick a name of its own such as HR_DRILL';
  }
  if (exportedSchemas.some((schema) => schema.toUpperCase() === upper)) {
    return 'it is one of the exported schemas; the drill drops its target schema, so pick a name of its own such as HR_DRILL';
  }
  return null;
}

/** The name upper-cased, or an `InvalidInputError` naming it and why it cannot be a drill schema. */
export function checkDrillTarget(name: string, exportedSchemas: readonly string[] = []): string {
  const problem = drillTargetProblem(name, exportedSchemas);
  if (problem) {
    throw new InvalidInputError(`Refusing ${JSON.stringify(name)} as the restore drill's schema: ${problem}`);
  }
  return name.toUpperCase();
}

/** An ISO-like time from the database clock, `YYYY-MM-DDTHH24:MI:SS` (no zone: the server's). */
const DB_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/**
 * One query: the database clock now, and the drill schema's creation time (null when it does not
 * exist). Both read from the database, so the comparison never depends on this side's clock or zone.
 */
export function drillUserQuery(target: string): string {
  const name = checkDrillTarget(target);
  const iso = `'YYYY-MM-DD"T"HH24:MI:SS'`;
  return (
    `SELECT TO_CHAR(SYSDATE, ${iso}) AS db_time, (SELECT TO_CHAR(created, ${iso}) FROM all_users ` +
    `WHERE username = '${name}') AS created FROM dual`
  );
}

/** `DROP USER "NAME" CASCADE` for a checked drill schema name. */
export function dropDrillUserStatement(target: string): string {
  return `DROP USER "${checkDrillTarget(target)}" CASCADE`;
}

/** What the user query answered: the database clock, and the schema's creation time or null. */
export interface DrillUserRow {
  readonly dbTime: string;
  readonly created: string | null;
}

/**
 * Reads the one row of `drillUserQuery`; null when the statement failed (its ORA- error is in the
 * result). Any other shape is refused: a drill never drops a schema on an answer it cannot read.
 */
export function parseDrillUserRow(result: SqlStatementResult): DrillUserRow | null {
  if (!result.ok) return null;
  const row = result.rows?.[0];
  const value = (key: string) =>
    row ? Object.entries(row).find(([name]) => name.toLowerCase() === key)?.[1] : undefined;
  const dbTime = value('db_time');
  const created = value('created') ?? null;
  if (
    result.rows?.length !== 1 ||
    typeof dbTime !== 'string' ||
    !DB_TIME.test(dbTime) ||
    (created !== null && (typeof created !== 'string' || !DB_TIME.test(created)))
  ) {
    throw new InvalidInputError(
      `REST-enabled SQL answered the drill schema query with ${JSON.stringify(result.rows ?? null).slice(0, 200)}; ` +
        'expected one row with db_time and created (YYYY-MM-DDTHH24:MI:SS or null)',
    );
  }
  return { dbTime, created: created as string | null };
}
