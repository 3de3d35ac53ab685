import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { BackupError, ErrorName, toStorageError } from '../base/index.js';

/**
 * The restore's record: one small object beside the manifest, `restores/<restore id>.json`, created
 * before anything is put on the server (`If-None-Match: *`). It names the files the restore puts on
 * the server, so a later attempt resumes them and a cleanup removes exactly those. The import itself
 * is owned through the drill's intent record (`startOwnedImport`, functions/core/drill), at
 * `restores/<restore id>-import-intent.json`.
 */

export const RestoreRecordSchema = z.object({
  restoreId: z.string().regex(/^R[0-9A-F]{10}$/),
  manifestUri: z.string(),
  database: z.string(),
  sourceSchema: z.string(),
  targetSchema: z.string(),
  directory: z.string(),
  serverFiles: z.array(z.string()),
});
export type RestoreRecord = z.output<typeof RestoreRecordSchema>;

/** The record as stored, with the ETag a rewrite must match. */
export interface StoredRecord {
  readonly record: RestoreRecord;
  readonly etag: string;
}

/** The record's key: beside the manifest. */
export function restoreRecordKey(manifestKey: string, restoreId: string): string {
  return `${manifestKey.replace(/manifest\.json$/, '')}restores/${restoreId}.json`;
}

/** The import's intent record (the drill's ownership module), beside the restore's record. */
export function restoreIntentKey(manifestKey: string, restoreId: string): string {
  return `${manifestKey.replace(/manifest\.json$/, '')}restores/${restoreId}-import-intent.json`;
}

/** Reads the record; null when there is none. */
export async function readRestoreRecord(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  key: string,
): Promise<StoredRecord | null> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    return { record: RestoreRecordSchema.parse(JSON.parse(text)), etag: object.ETag ?? '' };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return null;
    if (error instanceof z.ZodError || error instanceof SyntaxError) {
      throw new BackupError(
        ErrorName.RestoreFailed,
        `s3://${bucket}/${key} is not a restore record this version reads: ${error.message.slice(0, 200)}`,
      );
    }
    throw toStorageError(error, bucket, key);
  }
}

/**
 * Writes the record: created when `etag` is null (fails with RestoreFailedError when one exists: two
 * restores of the same id at once), else rewritten only if it is still the version read.
 */
export async function writeRestoreRecord(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  key: string,
  record: RestoreRecord,
  etag: string | null,
): Promise<StoredRecord> {
  try {
    const answer = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(record, null, 2),
        ContentType: 'application/json',
        ...(etag === null ? { IfNoneMatch: '*' } : { IfMatch: etag }),
      }),
    );
    return { record, etag: answer.ETag ?? '' };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 412 || (error as { name?: string }).name === 'PreconditionFailed') {
      throw new BackupError(
        ErrorName.RestoreFailed,
        `s3://${bucket}/${key} changed while this restore ran: another restore with the same target is at ` +
          'work. Let it finish; nothing more was changed on the server by this one.',
      );
    }
    throw toStorageError(error, bucket, key);
  }
}

/**
 * Deletes the restore's record and its import's intent once the restore has ended with nothing left
 * on the server: the same restore id then starts afresh (a second restore into a schema dropped since).
 */
export async function deleteRestoreRecords(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  keys: readonly string[],
): Promise<void> {
  for (const key of keys) {
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      throw toStorageError(error, bucket, key);
    }
  }
}
