import { createHash } from 'node:crypto';
import type { PutObjectCommandInput } from '@aws-sdk/client-s3';

/**
 * The PutObject input of a small JSON document (manifest, run lock, last-backup record, cleanup
 * report): the body as a Buffer with a precomputed SHA-256, which S3 verifies and Object Lock
 * buckets require, plus whatever the caller adds (conditions, metadata).
 */
export function jsonObjectInput(
  bucket: string,
  key: string,
  value: unknown,
  extra: Omit<PutObjectCommandInput, 'Bucket' | 'Key' | 'Body'> = {},
): PutObjectCommandInput & { Body: Buffer } {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  return {
    Bucket: bucket,
    Key: key,
    Body: body,
    ContentType: 'application/json',
    ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
    ...extra,
  };
}
