import type { S3Client } from '@aws-sdk/client-s3';
import { TransferIncompleteError } from '../errors.js';
import type { Logger, OrdsApi } from '../ords/ords-api.js';
import type { CopyFilePayload, CopyProgress } from '../payloads.js';
import { FileChanged } from './download-checks.js';
import { FileCopy } from './file-copy.js';
import { MultipartUpload, type S3Target, UploadGone } from './multipart-upload.js';
import { readStoredMarker } from './stored-object.js';

/** What `copyFile` needs: small interfaces and settings, no environment. */
export interface CopyFileDeps {
  readonly ords: OrdsApi;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  /** Milliseconds left before the invocation is killed (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  /** Time kept for completing the upload and returning: no new part starts inside it. */
  readonly safetyMarginMs: number;
  /** Parts uploaded at the same time while the next one is read. Memory ≈ part size × (this + 1). */
  readonly partsInFlight: number;
  /** Smallest part size; raised to `partSizeFloorBytes` when smaller. */
  readonly minPartSizeBytes: number;
  /** Largest file accepted; a larger one fails before anything is uploaded (or as soon as it is seen). */
  readonly maxFileBytes: number;
  /** Clock for durations and progress logs. @default Date.now */
  readonly now?: () => number;
  /** Lower bound of the part size. Only tests lower it. @default 8 MiB */
  readonly partSizeFloorBytes?: number;
}

type Done = Extract<CopyProgress, { done: true }>;

/**
 * Copies one Data Pump file from ORDS into S3, as far as this invocation's time allows.
 *
 * Returns `{ done: true, file }` once S3 shows the object with the FULL_OBJECT CRC-32 and size the
 * copy computed, and its marker tags are written; otherwise a continuation covering only fully
 * uploaded parts, to be passed back as `payload.progress`. A file that changed since the last
 * invocation, an upload S3 no longer knows and a continuation from before CRC-32 each restart the
 * copy from byte 0, once per invocation.
 */
export async function copyFile(deps: CopyFileDeps, payload: CopyFilePayload): Promise<CopyProgress> {
  checkDeps(deps);
  const { progress, file } = payload;
  if (progress?.done) return progress;
  const target: S3Target = { s3: deps.s3, bucket: deps.bucket, key: file.key };
  const invocations = (progress?.invocations ?? 0) + 1;
  if (progress === undefined) {
    const stored = await findStoredCopy(deps, payload, target);
    if (stored !== null) return stored;
  }
  let resumed = progress;
  if (resumed !== undefined && resumed.crc32 === undefined) {
    deps.logger.warn(
      'The continuation holds no CRC-32 (it carried a SHA-256 state): copying the file again',
      {
        file: file.name,
        uploadId: resumed.uploadId,
      },
    );
    await MultipartUpload.resume(target, resumed.uploadId).abort(deps.logger, { file: file.name });
    resumed = undefined;
  }
  try {
    return await new FileCopy(deps, payload, target, invocations, resumed).run();
  } catch (error) {
    if (!(error instanceof FileChanged || error instanceof UploadGone)) throw error;
    if (error instanceof UploadGone) {
      // An invocation killed after completing the upload leaves a stored copy and a stale continuation.
      const stored = await findStoredCopy(deps, payload, target);
      if (stored !== null) return stored;
    }
    deps.logger.warn(`${error.message}: copying the file again from its start`, { file: file.name });
    try {
      return await new FileCopy(deps, payload, target, invocations, undefined).run();
    } catch (again) {
      if (again instanceof FileChanged || again instanceof UploadGone) {
        throw new TransferIncompleteError(`${again.message}, again after restarting the copy`, {
          cause: again,
        });
      }
      throw again;
    }
  }
}

function checkDeps(deps: CopyFileDeps): void {
  const positive = { partsInFlight: deps.partsInFlight, minPartSizeBytes: deps.minPartSizeBytes };
  for (const [name, value] of Object.entries(positive)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (!(deps.maxFileBytes > 0))
    throw new RangeError(`maxFileBytes must be positive, got ${deps.maxFileBytes}`);
  if (!(deps.safetyMarginMs >= 0)) {
    throw new RangeError(`safetyMarginMs must be at least 0, got ${deps.safetyMarginMs}`);
  }
}

/** The marker of a complete earlier copy that S3 still confirms, as a finished result; else null. */
async function findStoredCopy(
  deps: CopyFileDeps,
  payload: CopyFilePayload,
  target: S3Target,
): Promise<Done | null> {
  const marker = await readStoredMarker(target);
  if (marker === null) return null;
  const { name, kind, key } = payload.file;
  deps.logger.info('The file is already stored: nothing to copy', { file: name, key, ...marker });
  const { crc32, bytes, invocations, sha256, versionId } = marker;
  return {
    done: true,
    file: {
      name,
      kind,
      key,
      bytes,
      checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: crc32 },
      ...(versionId === undefined ? {} : { versionId }),
      ...(sha256 === undefined ? {} : { sha256 }),
      invocations,
    },
  };
}
