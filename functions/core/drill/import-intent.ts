import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { jsonObjectInput, StorageRejectedError, toStorageError } from '../base/index.js';
import { backupFolder, type JobRef } from '../state/index.js';
import { IMPORT_JOB_NAME } from './import-ownership-sql.js';

/**
 * The intent record of an import: a side file an execution creates (If-None-Match) before it POSTs
 * an import, and updates (If-Match on the ETag it read) once it knows the import's job name. It is
 * what proves, later, which import and which schemas are this execution's.
 */

/** The drill's intent record, beside the drilled backup's manifest. */
export const RESTORE_DRILL_INTENT_FILE = 'restore-drill-intent.json';

/** `<prefix><database>/<YYYY>/<MM>/<DD>/<export job>/restore-drill-intent.json`: beside the drilled backup's manifest. */
export function restoreDrillIntentKey(
  prefix: string,
  database: string,
  exportJob: Pick<JobRef, 'startedAt' | 'jobName'>,
): string {
  return `${backupFolder(prefix, database, exportJob.startedAt, exportJob.jobName)}${RESTORE_DRILL_INTENT_FILE}`;
}

/** Bumped when a field changes meaning; readers refuse other versions. */
export const IMPORT_INTENT_VERSION = 1;

/** The record as stored. */
export const ImportIntentSchema = z.object({
  importIntentVersion: z.literal(IMPORT_INTENT_VERSION),
  /** The execution that owns the import; a redrive keeps it. */
  executionArn: z.string().min(1),
  /** The schemas the import creates (upper case); each was absent when the record was written. */
  targetSchemas: z.array(z.string().min(1)).min(1),
  /** The database user ORDS runs as (`SELECT USER`): the import job's owner. */
  dbUser: z.string().regex(/^[A-Z][A-Z0-9_$#]{0,127}$/),
  /** `SYSDATE` when the record was written (`YYYY-MM-DDTHH24:MI:SS`, the database host's clock). */
  dbTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
  /** That clock's offset from UTC then (`SYSTIMESTAMP`'s `TZH:TZM`). */
  dbOffset: z.string().regex(/^[+-]\d{2}:\d{2}$/),
  /** The import's job name once known (the POST's answer, or the one import adopted); null before. */
  jobName: z.string().regex(IMPORT_JOB_NAME).nullable(),
  /** How the job name was learnt: the POST's answer, or adopted after an answer was lost. */
  jobSource: z.enum(['post', 'adopted']).nullable(),
  /**
   * The job's owner as ORDS answered it (`owner_name`), recorded with the job name. A retry refuses a
   * recorded job whose owner is not `dbUser` without asking ORDS. Absent in records of earlier
   * versions: the owner ORDS answers for the recorded job is compared then.
   */
  jobOwner: z.string().min(1).max(128).optional(),
});
export type ImportIntent = z.output<typeof ImportIntentSchema>;

/** The record and the ETag it was read or written with (the If-Match of the next update). */
export interface StoredIntent {
  readonly intent: ImportIntent;
  readonly etag: string;
}

/** What reading and writing the record needs. */
export interface IntentStoreDeps {
  readonly s3: S3Client;
  readonly bucket: string;
}

function isPreconditionFailed(error: unknown): boolean {
  const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.$metadata?.httpStatusCode === 412 || err.name === 'PreconditionFailed';
}

/** Reads the record; null when there is none. One this version cannot read is refused, naming the key. */
export async function readIntent(deps: IntentStoreDeps, key: string): Promise<StoredIntent | null> {
  let text: string;
  let etag: string | undefined;
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    text = (await object.Body?.transformToString()) ?? '';
    etag = object.ETag;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as { name?: string }).name === 'NoSuchKey') return null;
    throw toStorageError(error, deps.bucket, key);
  }
  let parsed: ReturnType<typeof ImportIntentSchema.safeParse>;
  try {
    parsed = ImportIntentSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = ImportIntentSchema.safeParse(undefined);
  }
  if (!parsed.success || !etag) {
    throw new StorageRejectedError(
      `s3://${deps.bucket}/${key} is not an import intent record this version reads ` +
        `(${text.slice(0, 120)}): nothing is imported or dropped on it`,
    );
  }
  return { intent: parsed.data, etag };
}

/**
 * Creates the record, only if none is there. Null when one exists already (the caller reads it): a
 * record is never overwritten by a create.
 */
export async function createIntent(
  deps: IntentStoreDeps,
  key: string,
  intent: ImportIntent,
): Promise<StoredIntent | null> {
  try {
    const put = await deps.s3.send(
      new PutObjectCommand(jsonObjectInput(deps.bucket, key, intent, { IfNoneMatch: '*' })),
    );
    return { intent, etag: put.ETag ?? '' };
  } catch (error) {
    if (isPreconditionFailed(error)) return null;
    throw toStorageError(error, deps.bucket, key);
  }
}

/**
 * Records the import's job name and owner, If-Match on the ETag read: when the record changed in
 * between (another attempt recorded a job), the update fails as a storage error naming the key and
 * nothing else happens.
 */
export async function recordIntentJob(
  deps: IntentStoreDeps,
  key: string,
  stored: StoredIntent,
  job: { readonly jobName: string; readonly owner: string },
  jobSource: 'post' | 'adopted',
): Promise<StoredIntent> {
  const { jobName } = job;
  const intent = { ...stored.intent, jobName, jobSource, jobOwner: job.owner };
  try {
    const put = await deps.s3.send(
      new PutObjectCommand(jsonObjectInput(deps.bucket, key, intent, { IfMatch: stored.etag })),
    );
    return { intent, etag: put.ETag ?? '' };
  } catch (error) {
    if (isPreconditionFailed(error)) {
      throw new StorageRejectedError(
        `s3://${deps.bucket}/${key} changed while import ${jobName} was being recorded in it: another ` +
          'attempt recorded an import. Nothing more is done; the next attempt reads the record again.',
        { cause: error },
      );
    }
    throw toStorageError(error, deps.bucket, key);
  }
}
