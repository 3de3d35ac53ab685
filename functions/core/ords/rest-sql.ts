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

/** Runs statements through REST-enabled SQL. `OrdsClient` implements it; tests pass fakes. */
export interface RestSqlApi {
  /**
   * Sends the statements as one script and returns one result per statement, in order. Throws an
   * `OrdsRequestError` with status 404 when REST-enabled SQL is disabled.
   */
  runSql(statements: readonly string[]): Promise<SqlStatementResult[]>;
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
