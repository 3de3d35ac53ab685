import type { Tag } from '@aws-sdk/client-s3';

/**
 * The marker that says "this object is a complete, verified copy": object tags written after the
 * upload is completed and its size checked. Tags are the one piece of an object that can be set
 * after it is written (metadata cannot) and both S3 and s3rver store them. A copy without progress
 * finding the marker on its key returns at once: copying a file already stored is a no-op.
 */

/** What the tags record about a stored file. */
export interface StoredMarker {
  readonly sha256: string;
  readonly bytes: number;
  readonly invocations: number;
}

export const MARKER_TAG = { sha256: 'sha256', bytes: 'bytes', invocations: 'invocations' } as const;

/** The tag set of a stored file. */
export function markerTags(marker: StoredMarker): Tag[] {
  return [
    { Key: MARKER_TAG.sha256, Value: marker.sha256 },
    { Key: MARKER_TAG.bytes, Value: String(marker.bytes) },
    { Key: MARKER_TAG.invocations, Value: String(marker.invocations) },
  ];
}

/** Reads the marker from an object's tags; null unless `sha256` and `bytes` are both valid. */
export function readMarker(tags: readonly Tag[] | undefined): StoredMarker | null {
  const value = (key: string) => tags?.find((tag) => tag.Key === key)?.Value;
  const sha256 = value(MARKER_TAG.sha256);
  const bytes = value(MARKER_TAG.bytes);
  if (sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  if (bytes === undefined || !/^(0|[1-9][0-9]*)$/.test(bytes)) return null;
  const invocations = value(MARKER_TAG.invocations);
  return {
    sha256,
    bytes: Number(bytes),
    invocations: invocations !== undefined && /^[1-9][0-9]*$/.test(invocations) ? Number(invocations) : 1,
  };
}
