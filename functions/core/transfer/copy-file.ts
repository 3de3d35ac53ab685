import { TransferIncompleteError } from '../base/index.js';
import type { CopyFilePayload, CopyProgress } from '../state/index.js';
import { CopyAttempt } from './copy-attempt.js';
import type { CopyFileDeps } from './copy-deps.js';
import { transferFigures } from './copy-meter.js';
import { FileChanged } from './download-checks.js';
import { MultipartUpload, type S3Target, UploadGone } from './multipart-upload.js';
import { readStoredMarker, writeMarker } from './stored-object.js';
import { findCompletedUpload } from './write-once.js';

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
  const target: S3Target = {
    s3: deps.s3,
    bucket: deps.bucket,
    key: file.key,
    ...(deps.objectTags ? { tags: deps.objectTags } : {}),
  };
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
    return await new CopyAttempt(deps, payload, target, invocations, resumed).run();
  } catch (error) {
    if (!(error instanceof FileChanged || error instanceof UploadGone)) throw error;
    if (error instanceof UploadGone) {
      // An invocation killed after completing the upload leaves a stored copy and a stale continuation:
      // the object is this copy's when it carries the continuation's token (marker tags for older ones).
      const stored =
        resumed?.copyToken === undefined
          ? await findStoredCopy(deps, payload, target)
          : await findOwnUpload(deps, payload, target, resumed.copyToken, invocations);
      if (stored !== null) return stored;
    }
    deps.logger.warn(`${error.message}: copying the file again from its start`, { file: file.name });
    try {
      return await new CopyAttempt(deps, payload, target, invocations, undefined).run();
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
  const { crc32, bytes, invocations, sha256, versionId, transferMs } = marker;
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
      ...(transferMs === undefined ? {} : transferFigures(bytes, transferMs)),
    },
  };
}

/** The object the continuation's own upload completed (found by its token), marked and finished; else null. */
async function findOwnUpload(
  deps: CopyFileDeps,
  payload: CopyFilePayload,
  target: S3Target,
  copyToken: string,
  invocations: number,
): Promise<Done | null> {
  const found = await findCompletedUpload(target, copyToken);
  if (found === null) return null;
  // The invocation that completed it may have written its marker (with its SHA-256 and time) too.
  const marked = await findStoredCopy(deps, payload, target);
  if (marked !== null) return marked;
  const { name, kind, key } = payload.file;
  const { crc32, bytes, versionId } = found;
  await writeMarker(target, { crc32, bytes, invocations });
  deps.logger.info('The upload was completed by an earlier invocation: nothing to copy', {
    file: name,
    key,
    crc32,
    bytes,
  });
  return {
    done: true,
    file: {
      name,
      kind,
      key,
      bytes,
      checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: crc32 },
      ...(versionId === undefined ? {} : { versionId }),
      invocations,
    },
  };
}
