import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { SourceFile } from './restore-source.js';

/** Presigns a GetObject URL of one backup file in `bucket`. */
export type FilePresigner = (bucket: string, file: SourceFile) => Promise<string>;

/**
 * The presigner of the restore and the drill from S3 (deployed and local): a GetObject URL of the
 * file's recorded version when it has one (a later write under its key cannot swap the bytes the
 * server fetches), valid for `expiresInSeconds`. The URL's query is a credential: never log it.
 */
export function filePresigner(s3: S3Client, expiresInSeconds: number): FilePresigner {
  return (bucket, file) =>
    getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: bucket,
        Key: file.key,
        ...(file.versionId ? { VersionId: file.versionId } : {}),
      }),
      { expiresIn: expiresInSeconds },
    );
}
