import { ORACLE_IDENTIFIER } from '../export/index.js';
import type { RestSqlApi } from '../ords/index.js';

/**
 * A file's size as the database sees it, through REST-enabled SQL: the independent end of a download
 * that ORDS sent chunked (no size) from a server that ignores `Range` (shared notes, "Downloads without
 * a size"). `DBMS_LOB.GETLENGTH(BFILENAME(dir, file))` needs only READ on the directory object.
 */

/** A Data Pump file name as the project's files and ORDS's defaults have them: no quote, no path. */
const FILE_NAME = /^[A-Za-z0-9_.%-]{1,255}$/;

/** `SELECT DBMS_LOB.GETLENGTH(BFILENAME('DIR', 'file')) AS bytes FROM dual`, names checked first. */
export function fileSizeQuery(directory: string, fileName: string): string {
  if (!ORACLE_IDENTIFIER.test(directory)) {
    throw new Error(`directory "${directory}" is not an Oracle identifier (${ORACLE_IDENTIFIER.source})`);
  }
  if (!FILE_NAME.test(fileName)) {
    throw new Error(`file name ${JSON.stringify(fileName)} is not allowed (${FILE_NAME.source})`);
  }
  return `SELECT DBMS_LOB.GETLENGTH(BFILENAME('${directory.toUpperCase()}', '${fileName}')) AS bytes FROM dual`;
}

/**
 * The size of `fileName` in `directory`, or null when REST-enabled SQL cannot tell (off, refused, an
 * ORA- error, no such file): the caller then keeps the end unconfirmed.
 */
export async function serverFileSize(
  sql: RestSqlApi,
  directory: string,
  fileName: string,
): Promise<number | null> {
  try {
    const [result] = await sql.runSql([fileSizeQuery(directory, fileName)]);
    const value = result?.ok ? result.rows?.[0]?.bytes : undefined;
    const bytes = typeof value === 'string' ? Number(value) : value;
    return typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : null;
  } catch {
    return null;
  }
}
