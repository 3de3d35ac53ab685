/**
 * Part sizes of a multipart upload. Pure: a part's size is a function of its number and of the
 * plan made at the first invocation (`basePartSizeBytes`, `totalBytes`), which the continuation
 * carries as `partSizeBytes` and `totalBytes`, so every invocation computes the same sizes.
 *
 * S3 limits, from https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html: at most
 * 10 000 parts, each 5 MiB to 5 GiB except the last, objects up to 48.8 TiB (= 10 000 × 5 GiB;
 * the page said 5 TiB before December 2025).
 */

export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

export const S3_MAX_PARTS = 10_000;
export const S3_MIN_PART_BYTES = 5 * MIB;
export const S3_MAX_PART_BYTES = 5 * GIB;
export const S3_MAX_OBJECT_BYTES = S3_MAX_PARTS * S3_MAX_PART_BYTES;

/** The smallest part size used in production: fewer requests than S3's 5 MiB minimum, still small. */
export const PART_SIZE_FLOOR_BYTES = 8 * MIB;

/** Without a known length, the part size doubles every this many parts (capped at 5 GiB). */
export const PARTS_PER_DOUBLING = 1_000;

/** What fixes every part's size for one upload. */
export interface PartPlan {
  /** Size of part 1; of every part but the last when `totalBytes` is known. */
  readonly basePartSizeBytes: number;
  /** The file's size when known at the first invocation, else null (the sizes then grow). */
  readonly totalBytes: number | null;
}

export interface PlanPartsInput {
  /** The file's size when the server announced it. */
  readonly totalBytes: number | null;
  /** Configured minimum part size; raised to `floorBytes` when smaller. */
  readonly minPartSizeBytes: number;
  /** Largest file accepted: a file of unknown length must fit in 10 000 growing parts up to this. */
  readonly maxFileBytes: number;
  /** Lower bound of the part size. Tests lower it to copy small files in several parts. @default 8 MiB */
  readonly floorBytes?: number;
}

/**
 * Chooses the part size of a new upload.
 *
 * - Known length: max(minimum, total / 10 000 rounded up to a whole MiB), so no upload needs more
 *   than 10 000 parts.
 * - Unknown length: the smallest whole-MiB size from the minimum up whose growth (doubling every
 *   1 000 parts) holds `min(maxFileBytes, 48.8 TiB)` in 10 000 parts. From 8 MiB that holds ~8 TiB.
 */
export function planParts(input: PlanPartsInput): PartPlan {
  const floorBytes = input.floorBytes ?? PART_SIZE_FLOOR_BYTES;
  if (!(floorBytes >= 1)) throw new RangeError(`floorBytes must be at least 1, got ${floorBytes}`);
  const minimum = roundUpToMiB(Math.max(floorBytes, input.minPartSizeBytes));
  if (minimum > S3_MAX_PART_BYTES) {
    throw new RangeError(`minPartSizeBytes must be at most 5 GiB, got ${input.minPartSizeBytes}`);
  }
  const { totalBytes } = input;
  if (totalBytes !== null) {
    if (totalBytes > S3_MAX_OBJECT_BYTES) {
      throw new RangeError(`an object holds at most ${S3_MAX_OBJECT_BYTES} bytes, got ${totalBytes}`);
    }
    const spread = roundUpToMiB(Math.ceil(totalBytes / S3_MAX_PARTS));
    return { basePartSizeBytes: Math.min(Math.max(minimum, spread), S3_MAX_PART_BYTES), totalBytes };
  }
  const target = Math.min(input.maxFileBytes, S3_MAX_OBJECT_BYTES);
  // Capacity grows with the base size: binary search over whole MiB.
  let low = minimum / MIB;
  let high = S3_MAX_PART_BYTES / MIB;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (capacityBytes({ basePartSizeBytes: middle * MIB, totalBytes: null }) >= target) high = middle;
    else low = middle + 1;
  }
  return { basePartSizeBytes: low * MIB, totalBytes: null };
}

/** Size of part `partNumber` (1-based); the last part of a known length may be shorter. */
export function partSizeBytes(plan: PartPlan, partNumber: number): number {
  if (plan.totalBytes !== null) return plan.basePartSizeBytes;
  const doublings = Math.floor((partNumber - 1) / PARTS_PER_DOUBLING);
  return Math.min(plan.basePartSizeBytes * 2 ** doublings, S3_MAX_PART_BYTES);
}

/** Offset in the file of the first byte of part `partNumber`: the sum of the sizes before it. */
export function partOffsetBytes(plan: PartPlan, partNumber: number): number {
  let offset = 0;
  for (let first = 1; first < partNumber; first += PARTS_PER_DOUBLING) {
    const count = Math.min(PARTS_PER_DOUBLING, partNumber - first);
    offset += count * partSizeBytes(plan, first);
  }
  return offset;
}

/** Bytes that 10 000 parts of this plan hold. */
export function capacityBytes(plan: PartPlan): number {
  return partOffsetBytes(plan, S3_MAX_PARTS + 1);
}

function roundUpToMiB(bytes: number): number {
  return Math.ceil(bytes / MIB) * MIB;
}

/**
 * The largest part an upload of a file up to `maxFileBytes` can need, known length or not: what the
 * copy function's memory must hold per buffered part. Without a known length the parts grow, so the
 * part that reaches `maxFileBytes` is the largest.
 */
export function largestPartBytes(input: Omit<PlanPartsInput, 'totalBytes'>): number {
  const known = partSizeBytes(planParts({ ...input, totalBytes: input.maxFileBytes }), 1);
  const growing = planParts({ ...input, totalBytes: null });
  // Walk the doubling tiers until one ends at or past maxFileBytes: its parts are the largest needed.
  let firstOfTier = 1;
  while (
    firstOfTier + PARTS_PER_DOUBLING <= S3_MAX_PARTS &&
    partOffsetBytes(growing, firstOfTier + PARTS_PER_DOUBLING) < input.maxFileBytes
  ) {
    firstOfTier += PARTS_PER_DOUBLING;
  }
  return Math.max(known, partSizeBytes(growing, firstOfTier));
}
