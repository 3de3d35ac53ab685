import { checkDirectoryName } from '../cleanup/index.js';
import type { RestSqlApi } from '../ords/index.js';

/**
 * Which of the restore's paths a database offers, read through REST-enabled SQL without changing
 * anything: `DBMS_CLOUD.GET_OBJECT` and `DBMS_CRYPTO.HASH` visible to the REST user (ALL_PROCEDURES
 * lists what the user may execute), and `UTL_FILE` usable on the directory (`FGETATTR` of a file
 * that need not exist). Whether GET_OBJECT accepts a presigned URL without a credential is not
 * documented and not probed here: a restore tries it on its first file and falls back to chunks.
 */

/** The probe's file name: only its attributes are read. */
export const PROBE_FILE = 'ORDS_BACKUP_RESTORE_PROBE.TMP';

/** The query of the two packages. */
export const PACKAGES_QUERY =
  "SELECT (SELECT COUNT(*) FROM all_procedures WHERE object_name = 'DBMS_CLOUD' AND procedure_name = 'GET_OBJECT') AS dbms_cloud, " +
  "(SELECT COUNT(*) FROM all_procedures WHERE object_name = 'DBMS_CRYPTO' AND procedure_name = 'HASH') AS dbms_crypto FROM dual";

/** The UTL_FILE check of a directory (a checked identifier). */
export function utlFileProbe(directory: string): string {
  return (
    'DECLARE ex BOOLEAN; len NUMBER; bs BINARY_INTEGER; BEGIN ' +
    `UTL_FILE.FGETATTR('${checkDirectoryName(directory)}', '${PROBE_FILE}', ex, len, bs); END;`
  );
}

/** What the probe found. */
export interface RestorePaths {
  /** `DBMS_CLOUD.GET_OBJECT` can be called: the fast path is tried first. */
  readonly dbmsCloud: boolean;
  /** `DBMS_CRYPTO.HASH` can be called: files are checked by SHA-256 in the database. */
  readonly dbmsCrypto: boolean;
  /** null when UTL_FILE works on the directory (the chunked path), else the ORA- error. */
  readonly utlFileProblem: string | null;
}

/** Runs the probe; throws when REST-enabled SQL cannot run it at all. */
export async function probeRestorePaths(sql: RestSqlApi, directory: string): Promise<RestorePaths> {
  const [packages] = await sql.runSql([PACKAGES_QUERY]);
  const row = packages?.ok ? packages.rows?.[0] : undefined;
  const count = (name: string) =>
    Number(row ? Object.entries(row).find(([key]) => key.toLowerCase() === name)?.[1] : 0);
  const [utlFile] = await sql.runSql([utlFileProbe(directory)]);
  return {
    dbmsCloud: count('dbms_cloud') > 0,
    dbmsCrypto: count('dbms_crypto') > 0,
    utlFileProblem: utlFile === undefined ? 'no answer' : utlFile.ok ? null : utlFile.errorDetails,
  };
}
