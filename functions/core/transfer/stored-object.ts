import {
  GetObjectTaggingCommand,
  type GetObjectTaggingCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { TransferIncompleteError, toStorageError } from '../base/index.js';
import { taggingHeader } from '../retention/index.js';
import { crc32ToBase64 } from './crc32.js';
import type { S3Target } from './multipart-upload.js';
import { markerTags, readMarker, type StoredMarker } from './stored-marker.js';
import { isPreconditionFailed, ownSmallObject } from './write-once.js';

/** Single-request writes and the checks of a stored object: PutObject, HeadObject, tags. */

/** What S3 says it holds. */
export interface ObjectState {
  readonly bytes: number | undefined;
  readonly crc32: string | undefined;
  readonly checksumType: string | undefined;
  readonly versionId: string | undefined;
}

/**
 * Creates a file small enough for one request, with its CRC-32 (S3 verifies it: BadDigest), only if
 * the key holds nothing (`If-None-Match: *`): a 412 is this copy's own earlier write when the stored
 * bytes are these, else the run fails and the object is kept.
 */
export async function putSmallObject(
  target: S3Target,
  data: Buffer,
  crc: number,
  contentType: string,
): Promise<string | undefined> {
  const { s3, bucket, key } = target;
  try {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: data,
        ContentLength: data.length,
        ContentType: contentType,
        ChecksumCRC32: crc32ToBase64(crc),
        IfNoneMatch: '*',
        ...(target.tags ? { Tagging: taggingHeader(target.tags) } : {}),
      }),
    );
    return put.VersionId;
  } catch (error) {
    if (isPreconditionFailed(error)) return ownSmallObject(target, data, error);
    throw toStorageError(error, bucket, key);
  }
}

/**
 * HeadObject with `ChecksumMode: ENABLED` of the current version: the size and the checksum S3 stores.
 * (No VersionId: that would need s3:GetObjectVersion, and this run's keys are its own.)
 */
export async function headObject(target: S3Target): Promise<ObjectState> {
  const { s3, bucket, key } = target;
  try {
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: key,
        ChecksumMode: 'ENABLED',
      }),
    );
    return {
      bytes: head.ContentLength,
      crc32: head.ChecksumCRC32,
      checksumType: head.ChecksumType,
      versionId: head.VersionId,
    };
  } catch (error) {
    throw toStorageError(error, bucket, key);
  }
}

/**
 * Fails unless S3 shows a FULL_OBJECT CRC-32 equal to `crc32` and `bytes` bytes: what makes the copy
 * "verified by S3" rather than by this code alone.
 */
export async function checkStored(
  target: S3Target,
  expected: { readonly crc32: string; readonly bytes: number },
): Promise<ObjectState> {
  const state = await headObject(target);
  if (
    state.bytes !== expected.bytes ||
    state.crc32 !== expected.crc32 ||
    state.checksumType !== 'FULL_OBJECT'
  ) {
    throw new TransferIncompleteError(
      `s3://${target.bucket}/${target.key} shows ${state.bytes} bytes, CRC32 ${state.crc32 ?? 'none'} ` +
        `(${state.checksumType ?? 'no checksum type'}) after the upload; expected ${expected.bytes} bytes, ` +
        `CRC32 ${expected.crc32} (FULL_OBJECT)`,
    );
  }
  return state;
}

/** Writes the marker tags on the current version (VersionId would need s3:PutObjectVersionTagging). */
export async function writeMarker(target: S3Target, marker: StoredMarker): Promise<void> {
  const { s3, bucket, key } = target;
  try {
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: key,
        // PutObjectTagging replaces the tag set: the retention tags written with the object stay.
        Tagging: { TagSet: [...markerTags(marker), ...(target.tags ?? [])] },
      }),
    );
  } catch (error) {
    throw toStorageError(error, bucket, key);
  }
}

/**
 * The marker of a complete earlier copy, when S3 still shows its checksum and size; else null
 * (no object, no marker, an old marker, or an object that changed since).
 */
export async function readStoredMarker(
  target: S3Target,
): Promise<(StoredMarker & { readonly versionId?: string }) | null> {
  const { s3, bucket, key } = target;
  let tagging: GetObjectTaggingCommandOutput;
  try {
    tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (isNotFound(error)) return null;
    throw toStorageError(error, bucket, key);
  }
  const marker = readMarker(tagging.TagSet);
  if (marker === null) return null;
  const state = await headObject(target);
  if (state.bytes !== marker.bytes || state.crc32 !== marker.crc32 || state.checksumType !== 'FULL_OBJECT') {
    return null;
  }
  return { ...marker, ...(state.versionId === undefined ? {} : { versionId: state.versionId }) };
}

/** True when S3 says the object is not there. */
function isNotFound(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}
