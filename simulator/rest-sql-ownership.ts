/**
 * The statements of import ownership (functions/core/drill/import-ownership-sql.ts): the identity
 * query (`USER`, `SYSDATE`, `SYSTIMESTAMP`'s offset and each target's `ALL_USERS.CREATED` in one row)
 * and the control tables of the session user's ORDS imports from `USER_OBJECTS`.
 */

/** What the ownership statements read from the simulated database (part of `SqlDatabase`). */
export interface OwnershipDatabase {
  /** `USER`, the database clock and its offset, and each user's creation time (null: absent). */
  identity(
    caller: string,
    usernames: readonly string[],
  ): {
    readonly dbUser: string;
    readonly dbTime: string;
    readonly dbOffset: string;
    readonly created: ReadonlyArray<string | null>;
  };
  /** The control tables of `caller`'s ORDS imports (USER_OBJECTS), with their creation times. */
  importTables(caller: string): Array<Record<string, unknown>>;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS'`;
const CREATED = `\\(SELECT\\s+TO_CHAR\\(\\s*created\\s*,\\s*${ISO}\\s*\\)\\s+FROM\\s+all_users\\s+WHERE\\s+username\\s*=\\s*'([^']*)'\\s*\\)\\s+AS\\s+created_\\d+`;
const IDENTITY = new RegExp(
  `^SELECT\\s+USER\\s+AS\\s+db_user\\s*,\\s*TO_CHAR\\(\\s*SYSDATE\\s*,\\s*${ISO}\\s*\\)\\s+AS\\s+db_time\\s*,\\s*TO_CHAR\\(\\s*SYSTIMESTAMP\\s*,\\s*'TZH:TZM'\\s*\\)\\s+AS\\s+db_offset((?:\\s*,\\s*${CREATED})*)\\s+FROM\\s+dual$`,
  'i',
);
const IMPORT_TABLES =
  /^SELECT\s+object_name\s+AS\s+job_name\s*,\s*TO_CHAR\(\s*created\s*,\s*'YYYY-MM-DD"T"HH24:MI:SS'\s*\)\s+AS\s+created\s*,\s*TO_CHAR\(\s*SYSTIMESTAMP\s*,\s*'TZH:TZM'\s*\)\s+AS\s+db_offset\s+FROM\s+user_objects\s+WHERE\s+object_type\s*=\s*'TABLE'\s+AND\s+object_name\s+LIKE\s+'DATAPUMP\\_REST\\_IMPORT\\_%'\s+ESCAPE\s+'\\'\s+ORDER\s+BY\s+object_name$/i;

/** An ORA- error to answer (rest-sql.ts's `SqlError`; `restSqlError` with `statement: 'identity'`). */
interface InjectedError {
  readonly statement: string;
  readonly code: number;
  readonly message: string;
}

/** The answer to an ownership statement (`injected` fails the identity query), or null for any other statement. */
export function ownershipStatement(
  text: string,
  caller: string,
  database: OwnershipDatabase,
  injected?: InjectedError,
): {
  type: string;
  error: InjectedError | null;
  response: string;
  rows?: Array<Record<string, unknown>>;
  outBinds?: undefined;
} | null {
  const identity = IDENTITY.exec(text);
  if (identity) {
    if (injected?.statement === 'identity') return { type: 'query', error: injected, response: '' };
    const names = [...(identity[1] ?? '').matchAll(/username\s*=\s*'([^']*)'/gi)].map(
      (match) => match[1] ?? '',
    );
    const answer = database.identity(caller, names);
    const row: Record<string, unknown> = {
      db_user: answer.dbUser,
      db_time: answer.dbTime,
      db_offset: answer.dbOffset,
    };
    answer.created.forEach((created, index) => {
      row[`created_${index + 1}`] = created;
    });
    return { type: 'query', error: null, response: '', rows: [row] };
  }
  if (IMPORT_TABLES.test(text)) {
    const rows = database
      .importTables(caller)
      .sort((a, b) => String(a.job_name).localeCompare(String(b.job_name)));
    return { type: 'query', error: null, response: '', rows };
  }
  return null;
}
