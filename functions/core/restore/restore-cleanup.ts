import {
  dropControlTableStatement,
  type FileRemover,
  isFileAlreadyGone,
  removeFileStatement,
} from '../cleanup/index.js';
import { dropDrillUserStatement } from '../drill/index.js';
import type { RestSqlApi } from '../ords/index.js';

/**
 * Removing what a restore put on the server, by the names its record holds (never by pattern): its
 * uploaded dump files, its import's log file and control table, and — after a failed import only —
 * the target schema, when the import's intent record proves this restore created it
 * (`schemaOwnershipProblem`). Returns what could not be removed: the error names it.
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
  /** Drop this schema when `owned` proves it this restore's (null), skip it when `'absent'`. */
  readonly dropTarget?: { readonly schema: string; readonly owned: () => Promise<string | 'absent' | null> };
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
  target: { readonly schema: string; readonly owned: () => Promise<string | 'absent' | null> },
): Promise<string[]> {
  try {
    const problem = await target.owned();
    if (problem === 'absent') return [];
    if (problem !== null) return [`schema ${target.schema} was not dropped: ${problem}`];
    const [dropped] = await sql.runSql([dropDrillUserStatement(target.schema)]);
    if (dropped && !dropped.ok && dropped.errorCode !== USER_GONE) {
      return [`schema ${target.schema} (created by this restore's import): ${dropped.errorDetails}`];
    }
    return [];
  } catch (error) {
    return [`schema ${target.schema}: ${(error as Error).message}`];
  }
}
