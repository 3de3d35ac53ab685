import type { RestSqlApi } from '../ords/index.js';
import type { DatabaseBinding } from '../run/index.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/**
 * The doctor's edition check: a parallel degree above 1 (`export.threads`) needs Enterprise Edition
 * (../shared/consistent-export.md §4). The point-in-time block sends it with `SET_PARALLEL` only when
 * `enterprise-edition` is acknowledged in `consistentExport.licensedOptions`; this check reads the
 * edition from `V$VERSION` and fails, naming it, where it is not Enterprise Edition.
 */

export const EDITION_CHECK = 'Parallel degree';

/** The first banner line of V$VERSION (granted to PUBLIC): it names the edition. */
export const EDITION_QUERY = 'SELECT banner FROM v$version WHERE ROWNUM = 1';

/** The edition a banner names, e.g. `Enterprise Edition`, `Standard Edition 2`; null when none. */
export function editionOf(banner: string): string | null {
  return (
    /\b(Enterprise Edition|Standard Edition(?: 2| One)?|Express Edition|Personal Edition|Free)\b/i.exec(
      banner,
    )?.[1] ?? null
  );
}

/** Checks the edition where the database exports with a parallel degree above 1 on the point-in-time path. */
export async function checkEdition(
  sql: RestSqlApi,
  binding: DatabaseBinding,
  restSqlRan: boolean,
): Promise<Check> {
  const degree = binding.export.threads ?? 1;
  if (degree <= 1 || binding.consistency === 'per-table') {
    return skipped(EDITION_CHECK, 'no parallel degree above 1 on the point-in-time path');
  }
  if (!restSqlRan)
    return skipped(EDITION_CHECK, 'the edition is read through REST-enabled SQL, which did not run');
  let banner: string | null = null;
  try {
    const [result] = await sql.runSql([EDITION_QUERY]);
    const value = result?.ok ? (result.rows?.[0]?.banner ?? result.rows?.[0]?.BANNER) : undefined;
    banner = typeof value === 'string' ? value : null;
  } catch (error) {
    return skipped(
      EDITION_CHECK,
      `the edition query failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const edition = banner ? editionOf(banner) : null;
  if (edition === null) {
    return skipped(EDITION_CHECK, `V$VERSION did not name the edition (${banner ?? 'no banner'})`);
  }
  if (/^Enterprise Edition$/i.test(edition)) {
    return ok(EDITION_CHECK, `${edition}: a parallel degree of ${degree} is allowed`);
  }
  return failed(
    EDITION_CHECK,
    `the database is ${edition} (${banner}): a parallel degree of ${degree} (export.threads) needs Enterprise Edition`,
    'Set export.threads to 1 for this database (and remove "enterprise-edition" from consistentExport.licensedOptions).',
  );
}
