import { InvalidInputError } from '../base/index.js';
import type { SqlStatementResult } from '../ords/index.js';
import { checkDrillTarget } from './restore-drill-sql.js';

/**
 * The database's side of import ownership, read through REST-enabled SQL: who ORDS runs as and
 * the database clock (one query, with the target schemas' creation times), and the import jobs'
 * control tables of that user with their creation times.
 *
 * One clock: every time here is the database host's (`SYSDATE`, `ALL_USERS.CREATED`,
 * `USER_OBJECTS.CREATED`, all DATEs in the host's local time), read with the offset that clock has
 * when it is read (`SYSTIMESTAMP`'s `TZH:TZM`, the same source). A time is compared only with
 * another time of this clock, each turned into an instant with the offset read beside it; the time
 * in an ORDS job name (ORDS' own clock, undocumented) is never compared with any of them.
 */

/** `YYYY-MM-DDTHH24:MI:SS`, as `TO_CHAR(…, 'YYYY-MM-DD"T"HH24:MI:SS')` prints a DATE. */
const DB_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
/** `+09:00`, `-05:00`, as `TO_CHAR(SYSTIMESTAMP, 'TZH:TZM')` prints it. */
const DB_OFFSET = /^[+-]\d{2}:\d{2}$/;
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS'`;
/** Control tables of the imports ORDS names (`DATAPUMP_REST_IMPORT_<14 digits>`). */
export const IMPORT_JOB_NAME = /^DATAPUMP_REST_IMPORT_\d{14}$/;

/** A time of the database clock and the clock's offset from UTC when it was read. */
export interface DbClockTime {
  readonly dbTime: string;
  readonly dbOffset: string;
}

/** What the identity query answered: the session user, the clock, and each target's creation (null: absent). */
export interface DbIdentity extends DbClockTime {
  readonly dbUser: string;
  readonly created: Readonly<Record<string, string | null>>;
}

/** One control table of an import job of the session user, and when the database created it. */
export interface ImportControlTable {
  readonly jobName: string;
  readonly created: string;
}

/**
 * One query: `USER`, `SYSDATE`, the clock's offset, and each target schema's `ALL_USERS.CREATED`,
 * all read in one statement so that they belong to one moment of one clock.
 */
export function identityQuery(targets: readonly string[]): string {
  const columns = targets.map(
    (target, index) =>
      `(SELECT TO_CHAR(created, ${ISO}) FROM all_users WHERE username = '${checkDrillTarget(target)}') AS created_${index + 1}`,
  );
  return (
    `SELECT USER AS db_user, TO_CHAR(SYSDATE, ${ISO}) AS db_time, TO_CHAR(SYSTIMESTAMP, 'TZH:TZM') AS db_offset` +
    `${columns.map((column) => `, ${column}`).join('')} FROM dual`
  );
}

/** The control tables of the session user's ORDS imports, with their creation times. */
export function importTablesQuery(): string {
  return (
    `SELECT object_name AS job_name, TO_CHAR(created, ${ISO}) AS created, ` +
    `TO_CHAR(SYSTIMESTAMP, 'TZH:TZM') AS db_offset FROM user_objects WHERE object_type = 'TABLE' ` +
    `AND object_name LIKE 'DATAPUMP\\_REST\\_IMPORT\\_%' ESCAPE '\\' ORDER BY object_name`
  );
}

function column(row: Readonly<Record<string, unknown>> | undefined, key: string): unknown {
  return row ? Object.entries(row).find(([name]) => name.toLowerCase() === key)?.[1] : undefined;
}

function refuse(what: string, result: SqlStatementResult, expected: string): never {
  const rows = result.ok ? JSON.stringify(result.rows ?? null).slice(0, 300) : result.errorDetails;
  throw new InvalidInputError(`REST-enabled SQL answered ${what} with ${rows}; expected ${expected}`);
}

/** Reads the identity query's one row; any other shape is refused (nothing is owned on an answer not read). */
export function parseIdentity(result: SqlStatementResult, targets: readonly string[]): DbIdentity {
  const expected = 'one row with db_user, db_time (YYYY-MM-DDTHH24:MI:SS), db_offset (±HH:MI) and created_N';
  if (!result.ok || result.rows?.length !== 1) refuse('the identity query', result, expected);
  const row = result.rows[0];
  const dbUser = column(row, 'db_user');
  const dbTime = column(row, 'db_time');
  const dbOffset = column(row, 'db_offset');
  if (typeof dbUser !== 'string' || !/^[A-Z][A-Z0-9_$#]*$/.test(dbUser)) {
    refuse('the identity query', result, expected);
  }
  if (typeof dbTime !== 'string' || !DB_TIME.test(dbTime)) refuse('the identity query', result, expected);
  if (typeof dbOffset !== 'string' || !DB_OFFSET.test(dbOffset)) {
    refuse('the identity query', result, expected);
  }
  const created: Record<string, string | null> = {};
  for (const [index, target] of targets.entries()) {
    const value = column(row, `created_${index + 1}`) ?? null;
    if (value !== null && (typeof value !== 'string' || !DB_TIME.test(value))) {
      refuse('the identity query', result, expected);
    }
    created[target.toUpperCase()] = value;
  }
  return { dbUser, dbTime, dbOffset, created };
}

/** Reads the control tables' rows; a row that is not an ORDS import's name and a time is refused. */
export function parseImportTables(result: SqlStatementResult): {
  readonly tables: ImportControlTable[];
  readonly dbOffset: string | null;
} {
  const expected = 'rows of job_name (DATAPUMP_REST_IMPORT_<14 digits>), created and db_offset';
  if (!result.ok) refuse('the import control table query', result, expected);
  let dbOffset: string | null = null;
  const tables = (result.rows ?? []).map((row) => {
    const jobName = column(row, 'job_name');
    const created = column(row, 'created');
    const offset = column(row, 'db_offset');
    if (
      typeof jobName !== 'string' ||
      !IMPORT_JOB_NAME.test(jobName) ||
      typeof created !== 'string' ||
      !DB_TIME.test(created) ||
      typeof offset !== 'string' ||
      !DB_OFFSET.test(offset)
    ) {
      refuse('the import control table query', result, expected);
    }
    dbOffset = offset;
    return { jobName, created };
  });
  return { tables, dbOffset };
}

/**
 * Whether a DATE of the database clock, read while the clock's offset was `offsetNow`, lies at or
 * after `since` (a time of the same clock with its own offset). Each side becomes an instant with
 * its offset, so a clock that turned back an hour on a daylight-saving night does not make a later
 * time look earlier. A DATE written before the turn and read after it looks up to an hour later
 * than it was: callers never rely on this alone for "did not exist before" (the intent records
 * that a schema was absent when it was written).
 */
export function isAtOrAfter(created: string, offsetNow: string, since: DbClockTime): boolean {
  return Date.parse(`${created}${offsetNow}`) >= Date.parse(`${since.dbTime}${since.dbOffset}`);
}
