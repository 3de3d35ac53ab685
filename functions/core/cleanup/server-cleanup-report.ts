import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jsonObjectInput, StorageRejectedError, toStorageError } from '../base/index.js';
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

/** What `server-cleanup.json` holds: the cleanup's result, for which run, and when it was written. */
export type CleanupRecord = ServerCleanupResult & {
  readonly database: string;
  readonly jobName: string;
};

/**
 * Writes `server-cleanup.json` only if nothing is there (`If-None-Match: *`), like every side file.
 * On 412 it reads what is there: a record this run's earlier try wrote is kept and its result
 * returned, anything else fails as a storage error naming the key, and is kept. An earlier try is
 * recognised by content this try can prove: the same database, job and result (`writtenAt` aside),
 * or the earlier try's "control table `controlTable` dropped" where this try finds the job gone
 * (everything else the same). Returns the result the stored record holds.
 */
export async function writeCleanupReport(
  deps: { readonly s3: S3Client; readonly bucket: string; readonly now: () => Date },
  key: string,
  record: CleanupRecord,
  controlTable: string,
): Promise<ServerCleanupResult> {
  try {
    await deps.s3.send(
      new PutObjectCommand(
        jsonObjectInput(
          deps.bucket,
          key,
          { ...record, writtenAt: deps.now().toISOString() },
          { IfNoneMatch: '*' },
        ),
      ),
    );
    return resultOf(record);
  } catch (error) {
    const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.$metadata?.httpStatusCode !== 412 && err.name !== 'PreconditionFailed') {
      throw toStorageError(error, deps.bucket, key);
    }
  }
  const object = await deps.s3
    .send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }))
    .catch((error: unknown) => {
      throw toStorageError(error, deps.bucket, key);
    });
  const text = (await object.Body?.transformToString()) ?? '';
  const existing = parseRecord(text);
  if (existing === null || !isEarlierTry(existing, record, controlTable)) {
    throw new StorageRejectedError(
      `s3://${deps.bucket}/${key} already holds an object that is not this run's cleanup record ` +
        `(${text.length} bytes${existing ? `, serverCleanup ${JSON.stringify(existing.serverCleanup)}` : ''}): ` +
        'not overwritten; remove it if it is not yours, after checking who wrote it',
    );
  }
  return resultOf(existing);
}

/** The record's result fields (what the state shows). */
function resultOf(record: CleanupRecord): ServerCleanupResult {
  const { serverCleanup, removedFiles, droppedControlTable, reason } = record;
  return { serverCleanup, removedFiles, droppedControlTable, ...(reason === undefined ? {} : { reason }) };
}

/** The record in `text`, or null when it is not one (not JSON, or fields of the wrong kind). */
function parseRecord(text: string): CleanupRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const record = value as Partial<Record<keyof CleanupRecord, unknown>> | null;
  if (record === null || typeof record !== 'object') return null;
  const { serverCleanup, removedFiles, droppedControlTable, reason, database, jobName } = record;
  if (
    !['done', 'failed', 'off'].includes(serverCleanup as string) ||
    !Array.isArray(removedFiles) ||
    !removedFiles.every((name) => typeof name === 'string') ||
    !(droppedControlTable === null || typeof droppedControlTable === 'string') ||
    !(reason === undefined || typeof reason === 'string') ||
    typeof database !== 'string' ||
    typeof jobName !== 'string'
  ) {
    return null;
  }
  return value as CleanupRecord;
}

/** Whether `existing` states nothing this try (`ours`) cannot confirm: see `writeCleanupReport`. */
function isEarlierTry(existing: CleanupRecord, ours: CleanupRecord, controlTable: string): boolean {
  const comparable = (record: CleanupRecord, dropped: string | null) =>
    JSON.stringify([
      record.database,
      record.jobName,
      record.serverCleanup,
      record.removedFiles,
      dropped,
      record.reason ?? null,
    ]);
  if (comparable(existing, existing.droppedControlTable) === comparable(ours, ours.droppedControlTable)) {
    return true;
  }
  // This try found the job gone (nothing to drop): the earlier try dropped its table.
  return (
    ours.serverCleanup === 'done' &&
    ours.droppedControlTable === null &&
    existing.droppedControlTable === controlTable &&
    comparable(existing, null) === comparable(ours, null)
  );
}
