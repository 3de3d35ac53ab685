import { OrdsResponseError } from '../base/index.js';
import { sanitizeSnippet } from './ords-errors.js';

/**
 * REST-enabled SQL (`POST <ords-url>_/sql`): the answer of a script is 200 as soon as the script
 * ran, with one item per statement; a statement that failed carries `errorCode` and `errorDetails`
 * inside its item. A disabled service answers 404 (`restEnabledSql.active` is off by default).
 */

/** How one statement of a script ended. */
export type SqlStatementResult =
  | {
      readonly ok: true;
      readonly statement: string;
      /** A query's rows (`resultSet.items`: column names as ORDS sends them, lower case). */
      readonly rows?: ReadonlyArray<Readonly<Record<string, unknown>>>;
    }
  | {
      readonly ok: false;
      readonly statement: string;
      /** Oracle's error number, e.g. 942 (ORA-00942). */
      readonly errorCode: number;
      /** `ORA-00942: table or view does not exist` (as ORDS sent it, shortened). */
      readonly errorDetails: string;
    };

/** A named bind of a REST-enabled SQL request: a value sent in, or `mode: 'out'` for one read back. */
export interface SqlRequestBind {
  readonly name: string;
  readonly data_type: 'VARCHAR2' | 'NUMBER';
  readonly value?: string | number;
  readonly mode?: 'out';
}

/** One statement (a query or a PL/SQL block) with named binds (`:name`); values never go into the text. */
export interface SqlRequest {
  readonly statementText: string;
  readonly binds: readonly SqlRequestBind[];
}

/** Runs statements through REST-enabled SQL. `OrdsClient` implements it; tests pass fakes. */
export interface RestSqlApi {
  /**
   * Sends the statements as one script and returns one result per statement, in order. Throws an
   * `OrdsRequestError` with status 404 when REST-enabled SQL is disabled.
   */
  runSql(statements: readonly string[]): Promise<SqlStatementResult[]>;
}

/** Runs one statement with binds through REST-enabled SQL. `OrdsClient` implements it. */
export interface SqlRequestApi {
  /**
   * Sends one statement with its binds (`{statementText, binds}`) and returns the 200 answer's JSON
   * for the caller's parser (the OUT binds are in its item). Throws an `OrdsRequestError` with status
   * 404 when REST-enabled SQL is disabled.
   */
  runSqlRequest(request: SqlRequest): Promise<unknown>;
}

/** The JSON body of `request`: the statement framed as one script, its binds as they are. */
export function sqlRequestBody(request: SqlRequest): string {
  return JSON.stringify({ statementText: sqlScript([request.statementText]), binds: request.binds });
}

/** Joins statements into one script: PL/SQL blocks end with `/` on a line of its own. */
export function sqlScript(statements: readonly string[]): string {
  return statements
    .map((statement) => (/^\s*(BEGIN|DECLARE)\b/i.test(statement) ? `${statement}\n/` : `${statement};`))
    .join('\n');
}

/**
 * Parses the 200 answer of a script of `count` statements: one result per item. An answer with
 * another number of items, or no `items`, is refused (a statement must never pass unchecked).
 */
export function parseSqlResponse(json: unknown, statements: readonly string[]): SqlStatementResult[] {
  const items = (json as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) {
    throw new OrdsResponseError(
      `REST-enabled SQL answered 200 without an items list: ${sanitizeSnippet(JSON.stringify(json) ?? '', 200)}`,
    );
  }
  if (items.length !== statements.length) {
    throw new OrdsResponseError(
      `REST-enabled SQL answered ${items.length} item(s) for a script of ${statements.length} statement(s)`,
    );
  }
  return items.map((item, index) => {
    const statement = statements[index] ?? '';
    const value = (item ?? {}) as { errorCode?: unknown; errorDetails?: unknown; resultSet?: unknown };
    if (value.errorCode === undefined || value.errorCode === null) {
      const rows = (value.resultSet as { items?: unknown } | undefined)?.items;
      return Array.isArray(rows)
        ? { ok: true, statement, rows: rows.filter((row) => typeof row === 'object' && row !== null) }
        : { ok: true, statement };
    }
    const errorCode = Number(value.errorCode);
    const details = typeof value.errorDetails === 'string' ? value.errorDetails : '';
    const errorDetails = sanitizeSnippet(details.split('\n')[0] ?? '', 300) || `ORA-${errorCode}`;
    return { ok: false, statement, errorCode: Number.isFinite(errorCode) ? errorCode : -1, errorDetails };
  });
}
