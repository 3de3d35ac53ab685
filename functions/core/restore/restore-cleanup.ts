import {
  dropControlTableStatement,
  type FileRemover,
  isFileAlreadyGone,
  removeFileStatement,
} from '../cleanup/index.js';
import { drillUserQuery, dropDrillUserStatement, parseDrillUserRow } from '../drill/index.js';
import type { RestSqlApi } from '../ords/index.js';

/**
 * Removing what a restore put on the server, by the names its record holds (never by pattern): its
 * uploaded dump files, its import's log file and control table, and — after a failed import only —
 * the target schema, when the database proves this restore created it (absent at the intent time,
 * created at or after it). Returns what could not be removed: the error names it.
 */

/** ORA-00942: the control table is already gone. ORA-01918: the user is already gone. */
const TABLE_GONE = 942;
const USER_GONE = 1918;

/** What to remove. */
export interface RestoreLeftovers {
  readonly directory: string;
  readonly remover: FileRemover;
  readonly files: readonly string[];
  readonly importJob?: {
    readonly owner: string;
    readonly jobName: string;
    readonly logFileName: string | null;
  };
  /** Drop this schema if the database says it was created at or after `intentDbTime`. */
  readonly dropTarget?: { readonly schema: string; readonly intentDbTime: string };
}

/** Removes the leftovers; returns one sentence per thing still on the server. */
export async function removeRestoreLeftovers(
  sql: RestSqlApi,
  leftovers: RestoreLeftovers,
): Promise<string[]> {
  const left: string[] = [];
  const { directory, remover, importJob } = leftovers;
  const statements = [
    ...leftovers.files.map((name) => removeFileStatement(directory, name, remover)),
    ...(importJob?.logFileName ? [removeFileStatement(directory, importJob.logFileName, remover)] : []),
    ...(importJob ? [dropControlTableStatement(importJob.owner, importJob.jobName)] : []),
  ];
  if (statements.length > 0) {
    try {
      const results = await sql.runSql(statements);
      for (const result of results) {
        if (result.ok || result.errorCode === TABLE_GONE || isFileAlreadyGone(remover, result.errorCode))
          continue;
        left.push(`${result.statement}: ${result.errorDetails}`);
      }
    } catch (error) {
      left.push(...statements.map((statement) => `${statement}: ${(error as Error).message}`));
    }
  }
  if (leftovers.dropTarget) left.push(...(await dropOwnSchema(sql, leftovers.dropTarget)));
  return left;
}

async function dropOwnSchema(
  sql: RestSqlApi,
  target: { readonly schema: string; readonly intentDbTime: string },
): Promise<string[]> {
  try {
    const [row] = await sql.runSql([drillUserQuery(target.schema)]);
    const user = row ? parseDrillUserRow(row) : null;
    if (user === null) return [`schema ${target.schema}: its creation time could not be read`];
    if (user.created === null) return [];
    if (user.created < target.intentDbTime) {
      return [`schema ${target.schema} existed before this restore (created ${user.created}): not dropped`];
    }
    const [dropped] = await sql.runSql([dropDrillUserStatement(target.schema)]);
    if (dropped && !dropped.ok && dropped.errorCode !== USER_GONE) {
      return [`schema ${target.schema} (created by this restore's import): ${dropped.errorDetails}`];
    }
    return [];
  } catch (error) {
    return [`schema ${target.schema}: ${(error as Error).message}`];
  }
}
