import { isFileAlreadyGone, removeFileStatement } from '../cleanup/index.js';
import { MAX_DUMP_FILES } from '../export/index.js';
import type { RestSqlApi } from '../ords/index.js';
import type { JobRef } from '../state/index.js';
import type { DatabaseBinding } from './binding.js';

/**
 * Removes a job's log file and its dump files `01` up to the first number that is not there (`%U`
 * numbers files in order), through REST-enabled SQL (`UTL_FILE.FREMOVE`, or `DBMS_CLOUD.DELETE_FILE`
 * on Autonomous Database). A file already gone is fine; any other refusal throws `refused(file,
 * details)`, the caller's error. Returns the names removed. Used by the stop of a refused
 * point-in-time job and by the doctor's sweep of leftover probe jobs.
 */
export async function removeJobFiles(
  sql: Pick<RestSqlApi, 'runSql'>,
  binding: Pick<DatabaseBinding, 'autonomousDatabase' | 'export'>,
  job: Pick<JobRef, 'fileName' | 'logFileName'>,
  refused: (fileName: string, details: string) => Error,
): Promise<string[]> {
  const remover = binding.autonomousDatabase ? 'dbms-cloud' : 'utl-file';
  const directory = binding.export.datapumpDir;
  const removed: string[] = [];
  const remove = async (fileName: string): Promise<boolean> => {
    const [result] = await sql.runSql([removeFileStatement(directory, fileName, remover)]);
    if (result?.ok) {
      removed.push(fileName);
      return true;
    }
    if (result && isFileAlreadyGone(remover, result.errorCode)) return false;
    throw refused(fileName, result?.errorDetails ?? 'no answer');
  };
  if (job.logFileName) await remove(job.logFileName);
  for (let n = 1; n <= MAX_DUMP_FILES; n += 1) {
    if (!(await remove(job.fileName.replace(/%U/i, String(n).padStart(2, '0'))))) break;
  }
  return removed;
}
