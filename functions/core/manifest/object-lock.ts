import { HeadObjectCommand, PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import { toStorageError } from '../base/index.js';

/**
 * Object Lock follows the retention tier: a locked object's retain-until date is moved to the date
 * its tier may be deleted from. A retention can only ever be extended (S3 refuses to shorten a
 * COMPLIANCE one), so objects start with the bucket's default and are extended once the run has
 * succeeded; a date already later is left alone.
 */

/** What `extendObjectLock` needs. */
export interface ObjectLockDeps {
  readonly s3: S3Client;
  readonly bucket: string;
}

/**
 * Extends the retain-until date of the current version of `key` to `until`, in its own mode, when it
 * is locked until earlier; returns whether it did. An object without a lock (a bucket without
 * Object Lock) or one already deleted is left alone.
 */
export async function extendObjectLock(deps: ObjectLockDeps, key: string, until: Date): Promise<boolean> {
  const { s3, bucket } = deps;
  let mode: string | undefined;
  let current: Date | undefined;
  try {
    // HeadObject shows the lock to a caller allowed s3:GetObjectRetention.
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    mode = head.ObjectLockMode;
    current = head.ObjectLockRetainUntilDate;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return false;
    throw toStorageError(error, bucket, key);
  }
  if ((mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') || current === undefined) return false;
  if (current.getTime() >= until.getTime()) return false;
  try {
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: bucket,
        Key: key,
        Retention: { Mode: mode, RetainUntilDate: until },
      }),
    );
  } catch (error) {
    throw toStorageError(error, bucket, key);
  }
  return true;
}
