import type { OrdsConnection } from '../ords/index.js';
import { probeRestorePaths } from '../restore/index.js';
import type { DatabaseBinding } from '../run/index.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';

/** The name of the doctor's restore check. */
export const RESTORE_CHECK = 'Restore path';

/**
 * Which way `npm run restore` can put dump files on this database's server: DBMS_CLOUD.GET_OBJECT
 * (tried first), chunked appends with UTL_FILE on the directory, and whether DBMS_CRYPTO checks them
 * by SHA-256. Fails only when UTL_FILE cannot use the directory (then neither path works).
 */
export async function checkRestorePath(
  connection: OrdsConnection,
  binding: DatabaseBinding,
  restSqlRan: boolean,
): Promise<Check> {
  if (!restSqlRan)
    return skipped(RESTORE_CHECK, 'a restore runs through REST-enabled SQL, which did not run');
  const directory = binding.export.datapumpDir.toUpperCase();
  let paths: Awaited<ReturnType<typeof probeRestorePaths>>;
  try {
    paths = await probeRestorePaths(connection.client, directory);
  } catch (error) {
    return failed(
      RESTORE_CHECK,
      `the probe failed: ${error instanceof Error ? error.message : String(error)}`,
      'Run the doctor again.',
    );
  }
  const digest = paths.dbmsCrypto
    ? 'DBMS_CRYPTO is granted: files are checked by SHA-256 in the database'
    : 'DBMS_CRYPTO is not granted: files are checked by size and offset only (GRANT EXECUTE ON DBMS_CRYPTO to the REST user for SHA-256)';
  if (paths.utlFileProblem !== null) {
    return failed(
      RESTORE_CHECK,
      `UTL_FILE cannot use directory ${directory}: ${paths.utlFileProblem}`,
      `Grant READ, WRITE on DIRECTORY ${directory} and EXECUTE on UTL_FILE to the REST user (docs/restore.md).`,
    );
  }
  const fast = paths.dbmsCloud
    ? 'DBMS_CLOUD.GET_OBJECT is available: a restore tries a presigned URL first (undocumented; it falls back to chunks)'
    : 'DBMS_CLOUD is not available: a restore uploads in chunks through REST-enabled SQL';
  return ok(RESTORE_CHECK, `${fast}; UTL_FILE can use directory ${directory}; ${digest}`);
}
