import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StorageRejectedError, toStorageError } from '../base/index.js';

/**
 * Write-once objects: every dump and log is created with `If-None-Match: *` (PutObject and
 * CompleteMultipartUpload), so nothing this run writes replaces an object already under its key. A
 * 412 is either this copy's own earlier write (a retry after an invocation killed once S3 had stored
 * the object) or a foreign object, which is kept and fails the run.
 */

/** The object a write goes to (an `S3Target`, declared here: ./multipart-upload.ts imports this file). */
interface S3Target {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
}

/** User metadata (`x-amz-meta-copy-token`) naming the copy that created a multipart upload. */
export const COPY_TOKEN_METADATA = 'copy-token';

/** True when S3 refused a conditional write: the key already holds an object (412). */
export function isPreconditionFailed(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return name === 'PreconditionFailed' || $metadata?.httpStatusCode === 412;
}

/** The failure for a key that holds an object this copy did not write, naming what S3 shows there. */
export async function foreignObjectError(target: S3Target, cause: unknown): Promise<StorageRejectedError> {
  const { s3, bucket, key } = target;
  let found = 'an object';
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    found =
      `an object of ${head.ContentLength ?? '?'} bytes, ETag ${head.ETag ?? 'none'}` +
      (head.VersionId ? `, version ${head.VersionId}` : '');
  } catch {
    // The message still names the key; what HeadObject could not show is left out.
  }
  return new StorageRejectedError(
    `s3://${bucket}/${key} already holds ${found} that this run did not write: it is kept, and the ` +
      'copy refuses to replace it (If-None-Match). Move it away or find who wrote it, then run the backup again',
    { cause },
  );
}

/**
 * After a PutObject answered 412: the version id of the stored object when it holds exactly `data`
 * (this copy's own write, by an invocation killed before it could answer), else a foreign object error.
 * Bytes equal to the file's are the file, whoever wrote them; anything else is not this copy's.
 */
export async function ownSmallObject(
  target: S3Target,
  data: Buffer,
  cause: unknown,
): Promise<string | undefined> {
  const { s3, bucket, key } = target;
  let stored: Buffer;
  let versionId: string | undefined;
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    versionId = got.VersionId;
    stored = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
  } catch (error) {
    throw toStorageError(error, bucket, key);
  }
  if (stored.equals(data)) return versionId;
  throw await foreignObjectError(target, cause);
}

/** What S3 shows of an object a continuation's upload may have completed. */
export interface CompletedUpload {
  readonly crc32: string;
  readonly bytes: number;
  readonly versionId: string | undefined;
}

/**
 * The object under the key when the upload that created it carried `token` (recorded in the
 * continuation, never in the object's key or tags) and S3 shows its FULL_OBJECT CRC-32; else null.
 */
export async function findCompletedUpload(target: S3Target, token: string): Promise<CompletedUpload | null> {
  const { s3, bucket, key } = target;
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    if (head.Metadata?.[COPY_TOKEN_METADATA] !== token) return null;
    if (head.ChecksumType !== 'FULL_OBJECT' || !head.ChecksumCRC32 || head.ContentLength === undefined) {
      return null;
    }
    return { crc32: head.ChecksumCRC32, bytes: head.ContentLength, versionId: head.VersionId };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // 403: a missing key, to a role without s3:ListBucket. Not this copy's object either way: the
    // copy starts again and its conditional write meets whatever is there.
    if (status === 404 || status === 403) return null;
    throw toStorageError(error, bucket, key);
  }
}
