import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { jsonObjectInput, StorageRejectedError, toStorageError } from '../base/index.js';
import type { Logger } from '../ords/index.js';
import { TIERS } from '../retention/index.js';
import type { BackupSummary, Verdict } from '../state/index.js';
import { lastBackupKey } from '../state/index.js';

/**
 * The "last verified backup" record of one database, `<prefix><database>/last-backup.json`:
 * overwritten after every backup that counts as a success, once its manifest is written. The hourly
 * backup-age check reads it and publishes the hours since `finishedAt`, a signal that ages for any
 * cadence (a weekly or monthly schedule as much as a nightly one).
 */

/** Bumped when a field changes meaning; readers check it. */
export const LAST_BACKUP_VERSION = 1;

/** The record as stored. */
export const LastBackupSchema = z.object({
  lastBackupVersion: z.literal(LAST_BACKUP_VERSION),
  database: z.string().min(1),
  /** When the record was written, right after the manifest: the backup's age counts from here. */
  finishedAt: z.string().datetime(),
  jobName: z.string().min(1),
  verdict: z.string().min(1),
  /** The manifest's S3 URI. */
  manifest: z.string().min(1),
  /**
   * Bytes stored and seconds from the export's start to the manifest: what the window launcher
   * orders a night by. Absent from records written before they were recorded.
   */
  // Any number: a record is never refused for these; the launcher ignores values that make no sense.
  totalBytes: z.number().optional(),
  durationSeconds: z.number().optional(),
  /**
   * With retention tiers: the backup's tier, its lifecycle days and the time its periods were counted
   * at. Absent from records written before tiers (or without them).
   */
  retention: z
    .object({
      tier: z.enum(TIERS),
      expireAfterDays: z.number().int().min(0),
      runAt: z.string().datetime(),
    })
    .optional(),
});
export type LastBackup = z.output<typeof LastBackupSchema>;

/**
 * Whether a stored backup counts as a success: it succeeded, or it completed with errors and the
 * database accepts that. The same rule decides the BackupSucceeded metric.
 */
export function countsAsSuccess(verdict: Verdict, acceptCompletedWithErrors: boolean): boolean {
  return verdict === 'succeeded' || (verdict === 'completed-with-errors' && acceptCompletedWithErrors);
}

/** What `recordLastBackup` needs. */
export interface RecordLastBackupDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** Writes the database's last-backup record for a backup whose manifest was just written. */
export async function recordLastBackup(
  deps: RecordLastBackupDeps,
  input: {
    readonly prefix: string;
    readonly summary: BackupSummary;
    readonly retention?: NonNullable<LastBackup['retention']>;
  },
): Promise<LastBackup> {
  const { summary } = input;
  const record: LastBackup = {
    lastBackupVersion: LAST_BACKUP_VERSION,
    database: summary.database,
    finishedAt: deps.now().toISOString(),
    jobName: summary.jobName,
    verdict: summary.verdict,
    manifest: summary.manifest,
    totalBytes: summary.totalBytes,
    durationSeconds: Math.max(0, summary.durationSeconds),
    ...(input.retention ? { retention: input.retention } : {}),
  };
  const key = lastBackupKey(input.prefix, summary.database);
  try {
    // Rewritten by design, but only over the record read just now (If-Match on its ETag), or created
    // (If-None-Match): a record changed meanwhile by anyone else fails the run instead of being lost.
    const etag = await currentEtag(deps, key);
    const condition = etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag };
    await deps.s3.send(new PutObjectCommand(jsonObjectInput(deps.bucket, key, record, condition)));
  } catch (error) {
    throw toStorageError(error, deps.bucket, key);
  }
  deps.logger.info('Last backup recorded', { key, finishedAt: record.finishedAt });
  return record;
}

/**
 * Reads the database's last-backup record; null when there is none yet. A record that is not one
 * (edited by hand) fails the run rather than deciding a tier from it.
 */
export async function readLastBackup(
  deps: Pick<RecordLastBackupDeps, 's3' | 'bucket'>,
  input: { readonly prefix: string; readonly database: string },
): Promise<LastBackup | null> {
  const key = lastBackupKey(input.prefix, input.database);
  let text: string;
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    text = await object.Body!.transformToString();
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return null;
    throw toStorageError(error, deps.bucket, key);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = LastBackupSchema.safeParse(json);
  if (!parsed.success || parsed.data.database !== input.database) {
    throw new StorageRejectedError(
      `s3://${deps.bucket}/${key} is not the last-backup record of database "${input.database}": ` +
        'not deciding a retention tier from it; restore its previous version or delete it',
    );
  }
  return parsed.data;
}

/**
 * The ETag of the object under `key`, undefined when there is none: HeadObject answers 404, or 403
 * for a missing key to a role without s3:ListBucket. A 403 for a record that does exist is safe: the
 * write then carries If-None-Match and S3 refuses it (412), failing the run.
 */
async function currentEtag(
  deps: Pick<RecordLastBackupDeps, 's3' | 'bucket'>,
  key: string,
): Promise<string | undefined> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
    return head?.ETag;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403) return undefined;
    throw error;
  }
}
