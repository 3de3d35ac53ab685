import { callsDatapump, type RequestBind, USER_JOB_QUERY } from './rest-sql-datapump.js';
import { type OwnershipDatabase, ownershipStatement } from './rest-sql-ownership.js';
import { bannerOf, EDITION_QUERY } from './sql-edition.js';
import { PROBE_JOBS_QUERY } from './sql-probe-jobs.js';
import { runStopJob, STOP_JOB } from './sql-stop-job.js';
import { UNDO_QUERY, undoAnswer } from './sql-undo.js';

/**
 * REST-enabled SQL (`POST …/_/sql`) as ORDS answers it, for exactly the statements this project sends:
 * remove a file from a directory object (`UTL_FILE.FREMOVE`, `DBMS_CLOUD.DELETE_FILE`), drop a
 * Data Pump control table (`DROP TABLE "OWNER"."JOB" PURGE`), the doctor's directory check (a
 * block that counts the directory in ALL_DIRECTORIES and raises its error when it is not there), and
 * for restore drills read a user's creation time with the database clock (the query of
 * `functions/core/drill/restore-drill-sql.ts`) and drop a drill schema (`DROP USER "NAME" CASCADE`).
 * Every other statement fails with ORA-00900. A failed statement does not fail the answer: it is 200, with `errorCode` and
 * `errorDetails` in the statement's item.
 */

/** What a statement did to the simulated database: `null` when it succeeded, else the ORA- error. */
export interface SqlError {
  readonly code: number;
  readonly message: string;
}

/** The simulated database the statements act on. */
export interface SqlDatabase extends OwnershipDatabase {
  /** Removes a file of a directory object; an error when the directory or file does not exist. */
  removeFile(directory: string, fileName: string): SqlError | null;
  /** Drops a control table as `caller`; an error when it does not exist or belongs to another user. */
  dropTable(caller: string, owner: string, table: string): SqlError | null;
  /** Whether a directory object exists and the user may use it (is listed in ALL_DIRECTORIES). */
  hasDirectory(directory: string): boolean;
  /** The database clock and a user's creation time (`YYYY-MM-DDTHH24:MI:SS`), null when there is no such user. */
  queryUser(username: string): { readonly dbTime: string; readonly created: string | null };
  /** Drops a user and its objects as `caller`; an error when it does not exist. */
  dropUser(caller: string, username: string): SqlError | null;
  /** `DBMS_LOB.GETLENGTH(BFILENAME(dir, file))`: a file's size, null when there is none. */
  fileSize(directory: string, fileName: string): number | null;
  /** The roles and system privileges `caller`'s session holds (SESSION_ROLES, SESSION_PRIVS). */
  sessionGrants(): { readonly roles: readonly string[]; readonly privileges: readonly string[] };
  /** Runs the consistent export block as `caller`: the SCN it read, or its error. */
  runExportBlock(
    caller: string,
    text: string,
    binds: readonly RequestBind[],
  ): { readonly scn: number; readonly scnTime: string } | SqlError;
  /** `caller`'s USER_DATAPUMP_JOBS row of a job (a poll), none when there is none. */
  userJobRows(caller: string, jobName: string): Array<Record<string, unknown>>;
  /** `DBMS_DATAPUMP.STOP_JOB(h, 1, 0)` of `caller`'s own job: false when there is no such job. */
  stopJob(caller: string, jobName: string): boolean;
  /** The doctor's sweep: `caller`'s jobs named `ODBK_DR_…` with state, sessions and age (./sql-probe-jobs.ts). */
  probeJobRows(caller: string): Array<Record<string, unknown>>;
  /** The undo retention (seconds) V$PARAMETER and V$UNDOSTAT show; null: the views are not readable. */
  undoRetentionSeconds(): number | null;
  /** The edition V$VERSION names, e.g. `Enterprise Edition`. */
  edition(): string;
}

/** An error the simulator answers for every statement of one kind (a missing grant, say). */
export interface InjectedSqlError extends SqlError {
  /** `identity`: the import ownership identity query (USER, SYSDATE, ALL_USERS), ./rest-sql-ownership.ts. */
  readonly statement: 'remove-file' | 'drop-table' | 'query-user' | 'drop-user' | 'identity';
}

const FREMOVE = /^BEGIN\s+UTL_FILE\.FREMOVE\s*\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)\s*;\s*END\s*;$/i;
const DELETE_FILE =
  /^BEGIN\s+DBMS_CLOUD\.DELETE_FILE\s*\(\s*directory_name\s*=>\s*'([^']*)'\s*,\s*file_name\s*=>\s*'([^']*)'\s*\)\s*;\s*END\s*;$/i;
const DROP_TABLE = /^DROP\s+TABLE\s+"([^"]+)"\."([^"]+)"\s+PURGE$/i;
/** `DECLARE n …; BEGIN SELECT COUNT(*) INTO n FROM all_directories WHERE directory_name = 'D'; IF n = 0 THEN RAISE_APPLICATION_ERROR(-20001, '…'); END IF; END;` */
const DIRECTORY_CHECK =
  /^DECLARE\s+n\s+PLS_INTEGER;\s*BEGIN\s+SELECT\s+COUNT\(\*\)\s+INTO\s+n\s+FROM\s+all_directories\s+WHERE\s+directory_name\s*=\s*'([^']*)'\s*;\s*IF\s+n\s*=\s*0\s+THEN\s+RAISE_APPLICATION_ERROR\s*\(\s*-(20\d{3})\s*,\s*'([^']*)'\s*\)\s*;\s*END\s+IF\s*;\s*END\s*;$/i;
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS'`;
const QUERY_USER = new RegExp(
  `^SELECT\\s+TO_CHAR\\(\\s*SYSDATE\\s*,\\s*${ISO}\\s*\\)\\s+AS\\s+db_time\\s*,\\s*\\(\\s*SELECT\\s+TO_CHAR\\(\\s*created\\s*,\\s*${ISO}\\s*\\)\\s+FROM\\s+all_users\\s+WHERE\\s+username\\s*=\\s*'([^']*)'\\s*\\)\\s+AS\\s+created\\s+FROM\\s+dual$`,
  'i',
);
const DROP_USER = /^DROP\s+USER\s+"([^"]+)"\s+CASCADE$/i;
const FILE_SIZE =
  /^SELECT\s+DBMS_LOB\.GETLENGTH\s*\(\s*BFILENAME\s*\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)\s*\)\s+AS\s+bytes\s+FROM\s+dual$/i;
/** The doctor's grants query: `SELECT 'USER' AS kind, USER AS name FROM dual UNION ALL … session_roles …`. */
const SESSION_GRANTS =
  /^SELECT\s+'USER'\s+AS\s+kind\s*,\s*USER\s+AS\s+name\s+FROM\s+dual\s+UNION\s+ALL\s+SELECT\s+'ROLE'\s*,\s*role\s+FROM\s+session_roles\b/i;

/** One statement of a script and the lines it spans (1-based). */
interface ScriptStatement {
  readonly text: string;
  readonly startLine: number;
  readonly endLine: number;
}

/**
 * Splits a script as SQLcl does for these forms: a PL/SQL block (`BEGIN …`) ends with a line holding
 * only `/` (or the script's end), a SQL statement with `;` at the end of a line.
 */
export function splitScript(script: string): ScriptStatement[] {
  const statements: ScriptStatement[] = [];
  let lines: string[] = [];
  let startLine = 0;
  const flush = (endLine: number, text: string) => {
    if (text.trim() !== '') statements.push({ text: text.trim(), startLine, endLine });
    lines = [];
  };
  for (const [index, line] of script.split(/\r?\n/).entries()) {
    const number = index + 1;
    if (lines.length === 0 && line.trim() === '') continue;
    if (lines.length === 0) startLine = number;
    const block = /^\s*(BEGIN|DECLARE)\b/i.test(lines[0] ?? line);
    if (block && line.trim() === '/') {
      flush(number, lines.join('\n'));
      continue;
    }
    lines.push(line);
    if (!block && /;\s*$/.test(line)) flush(number, lines.join('\n').replace(/;\s*$/, ''));
  }
  if (lines.length > 0) flush(startLine + lines.length - 1, lines.join('\n'));
  return statements;
}

/** The 200 answer to a script, one item per statement; `binds` are the JSON request's named binds. */
export function runScript(
  script: string,
  caller: string,
  database: SqlDatabase,
  injected: InjectedSqlError | undefined,
  binds: readonly RequestBind[] = [],
): Record<string, unknown> {
  const items = splitScript(script).map((statement, index) => {
    const base = {
      statementId: index + 1,
      statementPos: { startLine: statement.startLine, endLine: statement.endLine },
      statementText: statement.text,
    };
    const { type, error, response, rows, outBinds } =
      datapumpStatement(statement.text, caller, database, binds) ??
      ownershipStatement(statement.text, caller, database, injected) ??
      execute(statement.text, caller, database, injected);
    if (error) {
      return {
        ...base,
        statementType: type,
        errorCode: error.code,
        errorLine: 1,
        errorColumn: 1,
        errorMessage: error.message.replace(/^ORA-\d{5}:\s*/, ''),
        errorDetails: error.message,
        result: 0,
      };
    }
    if (rows) {
      const metadata = Object.keys(rows[0] ?? {}).map((name) => ({
        columnName: name.toUpperCase(),
        jsonColumnName: name,
        columnTypeName: 'VARCHAR2',
      }));
      const resultSet = {
        metadata,
        items: rows,
        hasMore: false,
        limit: 10_000,
        offset: 0,
        count: rows.length,
      };
      return { ...base, statementType: type, response: [], result: 0, resultSet };
    }
    return {
      ...base,
      statementType: type,
      response: [response],
      result: 0,
      ...(outBinds ? { binds: outBinds } : {}),
    };
  });
  return { env: { defaultTimeZone: 'UTC' }, items };
}

/** The consistent export block and its polling query, or null for any other statement. */
function datapumpStatement(
  text: string,
  caller: string,
  database: SqlDatabase,
  binds: readonly RequestBind[],
): ReturnType<typeof execute> | null {
  if (USER_JOB_QUERY.test(text)) {
    const jobName = binds.find((bind) => bind.name === 'j')?.value;
    if (typeof jobName !== 'string') {
      return {
        type: 'query',
        error: { code: 1008, message: 'ORA-01008: not all variables bound' },
        response: '',
      };
    }
    return { type: 'query', error: null, response: '', rows: database.userJobRows(caller, jobName) };
  }
  if (PROBE_JOBS_QUERY.test(text)) {
    return { type: 'query', error: null, response: '', rows: database.probeJobRows(caller) };
  }
  if (STOP_JOB.test(text)) {
    const error = runStopJob((owner, jobName) => database.stopJob(owner, jobName), caller, binds);
    return { type: 'plsql', error, response: '\nPL/SQL procedure successfully completed.\n\n' };
  }
  if (!callsDatapump(text)) return null;
  const started = database.runExportBlock(caller, text, binds);
  if ('code' in started) return { type: 'plsql', error: started, response: '' };
  const outBinds = binds.map((bind) =>
    bind.name === 'scn_out'
      ? { ...bind, result: started.scn }
      : bind.name === 'scn_time_out'
        ? { ...bind, result: started.scnTime }
        : bind,
  );
  return { type: 'plsql', error: null, response: '\nPL/SQL procedure successfully completed.\n\n', outBinds };
}

function execute(
  text: string,
  caller: string,
  database: SqlDatabase,
  injected: InjectedSqlError | undefined,
): {
  type: string;
  error: SqlError | null;
  response: string;
  rows?: Array<Record<string, unknown>>;
  outBinds?: readonly RequestBind[];
} {
  const query = QUERY_USER.exec(text);
  if (query) {
    if (injected?.statement === 'query-user') return { type: 'query', error: injected, response: '' };
    const { dbTime, created } = database.queryUser(query[1] ?? '');
    return { type: 'query', error: null, response: '', rows: [{ db_time: dbTime, created }] };
  }
  if (EDITION_QUERY.test(text)) {
    return { type: 'query', error: null, response: '', rows: [{ banner: bannerOf(database.edition()) }] };
  }
  if (UNDO_QUERY.test(text)) {
    const undo = undoAnswer(database.undoRetentionSeconds());
    return 'error' in undo
      ? { type: 'query', error: undo.error, response: '' }
      : { type: 'query', error: null, response: '', rows: undo.rows };
  }
  const fileSize = FILE_SIZE.exec(text);
  if (fileSize) {
    const bytes = database.fileSize(fileSize[1] ?? '', fileSize[2] ?? '');
    return { type: 'query', error: null, response: '', rows: [{ bytes }] };
  }
  if (SESSION_GRANTS.test(text)) {
    const { roles, privileges } = database.sessionGrants();
    const rows = [
      { kind: 'USER', name: caller },
      ...roles.map((name) => ({ kind: 'ROLE', name })),
      ...privileges.map((name) => ({ kind: 'PRIV', name })),
    ];
    return { type: 'query', error: null, response: '', rows };
  }
  const dropUser = DROP_USER.exec(text);
  if (dropUser) {
    const name = dropUser[1] ?? '';
    const error = injected?.statement === 'drop-user' ? injected : database.dropUser(caller, name);
    return { type: 'ddl', error, response: '\nUser dropped.\n\n' };
  }
  const fremove = FREMOVE.exec(text);
  const remove = fremove ?? DELETE_FILE.exec(text);
  if (remove) {
    const [, directory = '', fileName = ''] = remove;
    const removed =
      injected?.statement === 'remove-file' ? injected : database.removeFile(directory, fileName);
    // Autonomous Database: DBMS_CLOUD.DELETE_FILE reports a missing file as ORA-20025, not ORA-29283.
    const error =
      !fremove && removed?.code === 29283
        ? {
            code: 20025,
            message: `ORA-20025: File ${fileName} does not exist in directory ${directory}\nORA-06512: at "C##CLOUD$SERVICE.DBMS_CLOUD", line 1`,
          }
        : removed;
    return { type: 'plsql', error, response: '\nPL/SQL procedure successfully completed.\n\n' };
  }
  const directoryCheck = DIRECTORY_CHECK.exec(text);
  if (directoryCheck) {
    const [, directory = '', code = '20001', message = ''] = directoryCheck;
    const error = database.hasDirectory(directory)
      ? null
      : { code: Number(code), message: `ORA-${code}: ${message}\nORA-06512: at line 1` };
    return { type: 'plsql', error, response: '\nPL/SQL procedure successfully completed.\n\n' };
  }
  const drop = DROP_TABLE.exec(text);
  if (drop) {
    const [, owner = '', table = ''] = drop;
    const error = injected?.statement === 'drop-table' ? injected : database.dropTable(caller, owner, table);
    return { type: 'ddl', error, response: `\nTable "${owner}"."${table}" dropped.\n\n` };
  }
  return {
    type: 'sql',
    error: {
      code: 900,
      message: 'ORA-00900: invalid SQL statement (the simulator runs only cleanup statements)',
    },
    response: '',
  };
}
