import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jsonObjectInput, toStorageError } from '../base/index.js';
import type { SqlStatementResult } from '../ords/index.js';
import { isOrdsNotFound } from '../ords/index.js';
import type { ServerCleanupResult } from '../state/index.js';

/** The side file beside the manifest that records a cleanup (the manifest is never rewritten). */
export const SERVER_CLEANUP_FILE = 'server-cleanup.json';

/** What the failure messages need to know about the run. */
interface CleanupSubject {
  readonly database: string;
  readonly directory: string;
  readonly autonomousDatabase: boolean;
  readonly job: { readonly owner: string; readonly jobName: string };
}

/** The way out that every failure message ends with. */
function turnOff(database: string): string {
  return `Or set "serverCleanup": "off" for database "${database}" and remove the files another way.`;
}

/** The grants a cleanup needs, in the words of the Oracle docs. */
export function neededGrants(subject: CleanupSubject): string {
  const { owner } = subject.job;
  const remover = subject.autonomousDatabase ? 'DBMS_CLOUD' : 'UTL_FILE';
  return (
    `The ORDS user needs READ and WRITE on the directory (GRANT READ, WRITE ON DIRECTORY ${subject.directory} ` +
    `TO ${owner}) and EXECUTE on ${remover}; the control table ${owner}.${subject.job.jobName} can only be ` +
    `dropped by its owner ${owner}.`
  );
}

/** A cleanup that could not talk to REST-enabled SQL (404: disabled), or ORDS refused the request. */
export function cleanupFailure(
  baseUrl: string,
  subject: CleanupSubject,
  error: unknown,
  removedFiles: readonly string[],
): ServerCleanupResult {
  const message = error instanceof Error ? error.message : String(error);
  const reason = isOrdsNotFound(error)
    ? `REST-enabled SQL is not enabled at ${baseUrl}_/sql (ORDS answered 404). Enable it in ORDS ` +
      '(set restEnabledSql.active to true, e.g. `ords config set restEnabledSql.active true`, and restart ' +
      `ORDS); the schema must be REST-enabled. ${turnOff(subject.database)}`
    : `REST-enabled SQL could not run the cleanup: ${message}. ${neededGrants(subject)} ${turnOff(subject.database)}`;
  return { serverCleanup: 'failed', removedFiles, droppedControlTable: null, reason };
}

/** A cleanup whose statements ran but failed (ORA- in the 200 answer's items). */
export function statementFailure(
  subject: CleanupSubject,
  failed: readonly SqlStatementResult[],
  removedFiles: readonly string[],
): ServerCleanupResult {
  const errors = failed.map((result) =>
    result.ok ? result.statement : `${result.errorDetails} (in ${result.statement})`,
  );
  const reason =
    `${failed.length} cleanup statement(s) failed: ${errors.join('; ')}. ${neededGrants(subject)} ` +
    turnOff(subject.database);
  return { serverCleanup: 'failed', removedFiles, droppedControlTable: null, reason };
}

/**
 * Whether an object exists (HeadObject). Without s3:ListBucket S3 answers a missing key with 403,
 * so 403 counts as absent too; other S3 errors throw as storage errors.
 */
export async function objectExists(
  deps: { readonly s3: S3Client; readonly bucket: string },
  key: string,
): Promise<boolean> {
  try {
    await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403 || (error as { name?: string }).name === 'NotFound') return false;
    throw toStorageError(error, deps.bucket, key);
  }
}

/** Writes `server-cleanup.json` (a retry overwrites its own record). */
export async function writeCleanupReport(
  deps: { readonly s3: S3Client; readonly bucket: string; readonly now: () => Date },
  key: string,
  record: ServerCleanupResult & { readonly database: string; readonly jobName: string },
): Promise<void> {
  try {
    await deps.s3.send(
      new PutObjectCommand(
        jsonObjectInput(deps.bucket, key, { ...record, writtenAt: deps.now().toISOString() }),
      ),
    );
  } catch (error) {
    throw toStorageError(error, deps.bucket, key);
  }
}
