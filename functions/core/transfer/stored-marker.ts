import type { Tag } from '@aws-sdk/client-s3';

/**
 * The marker that says "this object is a complete, verified copy": object tags written after the
 * upload is completed and S3's whole-object checksum checked. Tags are the one piece of an object
 * that can be set after it is written (metadata cannot). A copy without progress that finds the
 * marker on its key, and S3 still showing the same checksum and size, returns at once.
 */

/** What the tags record about a stored file. */
export interface StoredMarker {
  /** S3's FULL_OBJECT `ChecksumCRC32` of the object (base64). */
  readonly crc32: string;
  readonly bytes: number;
  readonly invocations: number;
  /** SHA-256 (hex), when the copy computed one (a file copied within one invocation). */
  readonly sha256?: string;
  /** Time spent copying, over all invocations, in milliseconds (absent on older markers). */
  readonly transferMs?: number;
}

export const MARKER_TAG = {
  crc32: 'crc32',
  bytes: 'bytes',
  invocations: 'invocations',
  sha256: 'sha256',
  transferMs: 'transfer-ms',
} as const;

/** The tag set of a stored file. */
export function markerTags(marker: StoredMarker): Tag[] {
  return [
    { Key: MARKER_TAG.crc32, Value: marker.crc32 },
    { Key: MARKER_TAG.bytes, Value: String(marker.bytes) },
    { Key: MARKER_TAG.invocations, Value: String(marker.invocations) },
    ...(marker.sha256 === undefined ? [] : [{ Key: MARKER_TAG.sha256, Value: marker.sha256 }]),
    ...(marker.transferMs === undefined
      ? []
      : [{ Key: MARKER_TAG.transferMs, Value: String(marker.transferMs) }]),
  ];
}

/**
 * Reads the marker from an object's tags; null unless `crc32` and `bytes` are both valid. Tags
 * written before the CRC-32 marker (`sha256` and `bytes` only) read as null: the file is copied again.
 */
export function readMarker(tags: readonly Tag[] | undefined): StoredMarker | null {
  const value = (key: string) => tags?.find((tag) => tag.Key === key)?.Value;
  const crc32 = value(MARKER_TAG.crc32);
  const bytes = value(MARKER_TAG.bytes);
  if (crc32 === undefined || !/^[A-Za-z0-9+/]{6}==$/.test(crc32)) return null;
  if (bytes === undefined || !/^(0|[1-9][0-9]*)$/.test(bytes)) return null;
  const invocations = value(MARKER_TAG.invocations);
  const sha256 = value(MARKER_TAG.sha256);
  const transferMs = value(MARKER_TAG.transferMs);
  return {
    crc32,
    bytes: Number(bytes),
    invocations: invocations !== undefined && /^[1-9][0-9]*$/.test(invocations) ? Number(invocations) : 1,
    ...(sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256) ? { sha256 } : {}),
    ...(transferMs !== undefined && /^(0|[1-9][0-9]{0,14})$/.test(transferMs)
      ? { transferMs: Number(transferMs) }
      : {}),
  };
}
