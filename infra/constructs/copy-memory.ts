import { Token } from 'aws-cdk-lib';
import {
  largestPartBytes as largestPartOfPlan,
  S3_MAX_OBJECT_BYTES,
} from '../../functions/core/transfer/index.js';

const MIB = 1024 * 1024;

/** Lambda's largest memory size (MiB). */
export const LAMBDA_MAX_MEMORY_MIB = 10_240;

/** Memory the copy function needs besides its part buffers (runtime, SDK, hashing). */
const COPY_BASE_MEMORY_BYTES = 256 * MIB;

/** Inputs of the copy function's memory size. */
export interface CopyMemoryInput {
  readonly partsInFlight: number;
  readonly minPartSizeBytes: number;
  readonly maxFileBytes: number;
}

/**
 * The largest part the copy function buffers for a file up to maxFileSize: the copy's own part plan
 * decides (known length: maxFileSize / 10,000 parts; unknown length: parts that double every 1,000).
 */
export function largestPartBytes(input: CopyMemoryInput): number {
  return largestPartOfPlan({ minPartSizeBytes: input.minPartSizeBytes, maxFileBytes: input.maxFileBytes });
}

/**
 * Memory of the copy function in MiB: `partsInFlight` parts uploading plus one filling, plus 256 MiB,
 * rounded up to 64 MiB, at least 1024 MiB (more memory also means more CPU and network for Lambda).
 * Not capped: the caller checks it against {@link LAMBDA_MAX_MEMORY_MIB}.
 */
export function copyMemoryMiB(input: CopyMemoryInput): number {
  const needed = largestPartBytes(input) * (input.partsInFlight + 1) + COPY_BASE_MEMORY_BYTES;
  return Math.max(1024, Math.ceil(needed / MIB / 64) * 64);
}

/** Checks the copy settings of the construct at `path`; returns the copy function's memory (MiB). */
export function copyMemoryFor(path: string, input: CopyMemoryInput): number {
  const { partsInFlight, minPartSizeBytes, maxFileBytes } = input;
  if (!Number.isInteger(partsInFlight) || partsInFlight < 1) {
    throw new Error(`${path}: partsInFlight must be a whole number of at least 1, got ${partsInFlight}`);
  }
  if (Token.isUnresolved(minPartSizeBytes) || Token.isUnresolved(maxFileBytes)) return 1024;
  if (minPartSizeBytes < 8 * MIB) {
    throw new Error(`${path}: minPartSize must be at least 8 MiB, got ${minPartSizeBytes} bytes`);
  }
  if (maxFileBytes < minPartSizeBytes || maxFileBytes > S3_MAX_OBJECT_BYTES) {
    throw new Error(
      `${path}: maxFileSize must be between minPartSize (${minPartSizeBytes} bytes) and S3's largest object ` +
        `(${S3_MAX_OBJECT_BYTES} bytes), got ${maxFileBytes} bytes`,
    );
  }
  const memory = copyMemoryMiB(input);
  if (memory > LAMBDA_MAX_MEMORY_MIB) {
    const partMiB = largestPartBytes(input) / MIB;
    throw new Error(
      `${path}: the copy function would need ${memory} MiB (parts of up to ${partMiB} MiB × (partsInFlight ` +
        `${partsInFlight} + 1) + 256 MiB), more than Lambda's ${LAMBDA_MAX_MEMORY_MIB} MiB; ` +
        'lower partsInFlight, minPartSize or maxFileSize',
    );
  }
  return memory;
}
