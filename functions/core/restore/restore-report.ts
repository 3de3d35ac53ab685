import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { toStorageError } from '../base/index.js';

/**
 * The verdict of a restore's import, kept beside its records (`restores/<restore id>-report.json`)
 * before "Finish restore" removes the import's log and control table: a retry of that step after an
 * interrupted invocation (the log already removed) reads the verdict from here instead of failing.
 * It stays as the record of the restore, beside the manifest.
 */

export const ImportVerdictSchema = z.object({
  importJob: z.string(),
  logFileName: z.string().nullable(),
  summary: z.string(),
  tables: z.number().int(),
  rows: z.number().int(),
});
export type ImportVerdict = z.output<typeof ImportVerdictSchema>;

/** `<backup folder>restores/<restore id>-report.json`. */
export function restoreReportKey(manifestKey: string, restoreId: string): string {
  return `${manifestKey.replace(/manifest\.json$/, '')}restores/${restoreId}-report.json`;
}

/** The verdict an earlier attempt kept; null when there is none. */
export async function readImportVerdict(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  key: string,
): Promise<ImportVerdict | null> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return ImportVerdictSchema.parse(JSON.parse((await object.Body?.transformToString('utf8')) ?? ''));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return null;
    throw toStorageError(error, bucket, key);
  }
}

/** Keeps the verdict of an import that succeeded (the same content on every attempt). */
export async function writeImportVerdict(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  key: string,
  verdict: ImportVerdict,
): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(verdict, null, 2),
        ContentType: 'application/json',
      }),
    );
  } catch (error) {
    throw toStorageError(error, bucket, key);
  }
}
