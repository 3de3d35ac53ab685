import { InvalidInputError } from '../base/index.js';
import { ORACLE_IDENTIFIER } from '../export/index.js';

/**
 * The only SQL this project sends through REST-enabled SQL: remove one file from a directory object,
 * drop one Data Pump control table. Every name is checked against an allow-list before it is put
 * into a statement, so no value that reaches a task (from ORDS, from the state) can carry SQL.
 */

/** A dump or log file name: letters, digits, `_ . % -`, no path, no quote (Data Pump's own names). */
export const SERVER_FILE_NAME = /^[A-Za-z0-9_.%-]{1,255}$/;

/** An Oracle identifier that is put in double quotes as is (a job owner or a control table name). */
export const QUOTABLE_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_$#]{0,127}$/;

/** How files are removed: `UTL_FILE.FREMOVE`, or `DBMS_CLOUD.DELETE_FILE` on Autonomous Database. */
export type FileRemover = 'utl-file' | 'dbms-cloud';

/**
 * Whether a failed removal says the file is already gone: ORA-29283 from `UTL_FILE.FREMOVE`, and on
 * Autonomous Database ORA-20025 from `DBMS_CLOUD.DELETE_FILE` (a code in the application range, so
 * only trusted from that procedure). Lets a repeated cleanup count an earlier try's removal.
 */
export function isFileAlreadyGone(remover: FileRemover, errorCode: number): boolean {
  return errorCode === 29283 || (remover === 'dbms-cloud' && errorCode === 20025);
}

/** Throws naming the value and what is allowed unless `fileName` is a plain server file name. */
export function checkServerFileName(fileName: string): string {
  if (!SERVER_FILE_NAME.test(fileName) || fileName === '.' || fileName === '..') {
    throw new InvalidInputError(
      `Refusing to remove the file ${JSON.stringify(fileName)} from the database server: allowed are ` +
        `names of 1 to 255 letters, digits and _ . % - (${SERVER_FILE_NAME.source})`,
    );
  }
  return fileName;
}

/** The directory object's name as the dictionary keeps it (unquoted names are upper case). */
export function checkDirectoryName(directory: string): string {
  if (!ORACLE_IDENTIFIER.test(directory)) {
    throw new InvalidInputError(
      `Refusing to use the directory object ${JSON.stringify(directory)}: allowed is an Oracle ` +
        `identifier (${ORACLE_IDENTIFIER.source}), e.g. DATA_PUMP_DIR`,
    );
  }
  return directory.toUpperCase();
}

/** Throws naming the value unless it can be double-quoted safely as an owner or table name. */
export function checkQuotableIdentifier(what: string, value: string): string {
  if (!QUOTABLE_IDENTIFIER.test(value)) {
    throw new InvalidInputError(
      `Refusing to drop a table with ${what} ${JSON.stringify(value)}: allowed is an Oracle identifier ` +
        `(${QUOTABLE_IDENTIFIER.source}), e.g. DATAPUMP_REST_EXPORT_20261201020000`,
    );
  }
  return value;
}

/**
 * `BEGIN UTL_FILE.FREMOVE('DIR', 'file'); END;` (or `DBMS_CLOUD.DELETE_FILE` on Autonomous
 * Database): removes one file from a directory object.
 */
export function removeFileStatement(directory: string, fileName: string, remover: FileRemover): string {
  const dir = checkDirectoryName(directory);
  const name = checkServerFileName(fileName);
  return remover === 'dbms-cloud'
    ? `BEGIN DBMS_CLOUD.DELETE_FILE(directory_name => '${dir}', file_name => '${name}'); END;`
    : `BEGIN UTL_FILE.FREMOVE('${dir}', '${name}'); END;`;
}

/** `DROP TABLE "OWNER"."JOB" PURGE`: PURGE keeps `BIN$` rows out of the Data Pump job list. */
export function dropControlTableStatement(owner: string, jobName: string): string {
  return `DROP TABLE "${checkQuotableIdentifier('owner', owner)}"."${checkQuotableIdentifier('name', jobName)}" PURGE`;
}
