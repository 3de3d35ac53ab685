import { describe, expect, it } from 'vitest';
import {
  capacityBytes,
  GIB,
  largestPartBytes,
  MIB,
  PART_SIZE_FLOOR_BYTES,
  partOffsetBytes,
  partSizeBytes,
  planParts,
  S3_MAX_OBJECT_BYTES,
  S3_MAX_PART_BYTES,
  S3_MAX_PARTS,
} from '../../../../functions/core/transfer/part-size.js';

const TIB = 1024 * GIB;

describe('planParts', () => {
  it('uses 8 MiB parts for a small file', () => {
    expect(planParts({ totalBytes: 10 * MIB, minPartSizeBytes: 8 * MIB, maxFileBytes: TIB })).toEqual({
      basePartSizeBytes: 8 * MIB,
      totalBytes: 10 * MIB,
    });
  });

  it('raises a configured minimum below 8 MiB to 8 MiB', () => {
    expect(
      planParts({ totalBytes: 10 * MIB, minPartSizeBytes: 5 * MIB, maxFileBytes: TIB }).basePartSizeBytes,
    ).toBe(PART_SIZE_FLOOR_BYTES);
  });

  it('keeps a larger configured minimum, rounded up to a whole MiB', () => {
    expect(
      planParts({ totalBytes: 10 * MIB, minPartSizeBytes: 64 * MIB + 1, maxFileBytes: TIB })
        .basePartSizeBytes,
    ).toBe(65 * MIB);
  });

  it('accepts a lower floor for tests', () => {
    const plan = planParts({
      totalBytes: 10 * MIB,
      minPartSizeBytes: MIB,
      maxFileBytes: TIB,
      floorBytes: MIB,
    });
    expect(plan.basePartSizeBytes).toBe(MIB);
  });

  it.each([80 * GIB, 500 * GIB, 500 * GIB + 1, 3 * TIB, S3_MAX_OBJECT_BYTES])(
    'fits a file of %d bytes in at most 10 000 parts of whole MiB',
    (totalBytes) => {
      const plan = planParts({ totalBytes, minPartSizeBytes: 8 * MIB, maxFileBytes: S3_MAX_OBJECT_BYTES });
      expect(plan.basePartSizeBytes % MIB).toBe(0);
      expect(plan.basePartSizeBytes).toBeGreaterThanOrEqual(8 * MIB);
      expect(plan.basePartSizeBytes).toBeLessThanOrEqual(S3_MAX_PART_BYTES);
      expect(Math.ceil(totalBytes / plan.basePartSizeBytes)).toBeLessThanOrEqual(S3_MAX_PARTS);
    },
  );

  it('uses the smallest whole-MiB part that fits 10 000 parts', () => {
    // 500 GiB / 10 000 = 51.2 MiB → 52 MiB.
    expect(
      planParts({ totalBytes: 500 * GIB, minPartSizeBytes: 8 * MIB, maxFileBytes: TIB }).basePartSizeBytes,
    ).toBe(52 * MIB);
  });

  it('fails for a known size above the largest S3 object', () => {
    expect(() =>
      planParts({
        totalBytes: S3_MAX_OBJECT_BYTES + 1,
        minPartSizeBytes: 8 * MIB,
        maxFileBytes: S3_MAX_OBJECT_BYTES,
      }),
    ).toThrow(RangeError);
  });

  it('grows parts of unknown length from 8 MiB so 10 000 of them hold more than the former 5 TiB limit', () => {
    const plan = planParts({ totalBytes: null, minPartSizeBytes: 8 * MIB, maxFileBytes: 5 * TIB });
    expect(plan).toEqual({ basePartSizeBytes: 8 * MIB, totalBytes: null });
    expect(capacityBytes(plan)).toBeGreaterThanOrEqual(5 * TIB);
  });

  it('starts parts of unknown length larger when maxFileBytes needs it, up to the largest S3 object', () => {
    const plan = planParts({
      totalBytes: null,
      minPartSizeBytes: 8 * MIB,
      maxFileBytes: S3_MAX_OBJECT_BYTES,
    });
    expect(capacityBytes(plan)).toBeGreaterThanOrEqual(S3_MAX_OBJECT_BYTES);
    expect(partSizeBytes(plan, S3_MAX_PARTS)).toBeLessThanOrEqual(S3_MAX_PART_BYTES);
    const smaller = { basePartSizeBytes: plan.basePartSizeBytes - MIB, totalBytes: null };
    expect(capacityBytes(smaller)).toBeLessThan(S3_MAX_OBJECT_BYTES);
  });
});

describe('partSizeBytes', () => {
  it('keeps one size for a known length', () => {
    const plan = { basePartSizeBytes: 53 * MIB, totalBytes: 500 * GIB };
    expect([1, 1000, 1001, 9999].map((n) => partSizeBytes(plan, n))).toEqual(Array(4).fill(53 * MIB));
  });

  it('doubles every 1 000 parts for an unknown length, never above 5 GiB', () => {
    const plan = { basePartSizeBytes: 8 * MIB, totalBytes: null };
    expect([1, 1000, 1001, 2001, 9001, 10_000].map((n) => partSizeBytes(plan, n) / MIB)).toEqual([
      8, 8, 16, 32, 4096, 4096,
    ]);
    const big = { basePartSizeBytes: 64 * MIB, totalBytes: null };
    expect(partSizeBytes(big, 10_000)).toBe(S3_MAX_PART_BYTES);
  });

  it('computes the same sizes and offsets on every invocation', () => {
    const plan = { basePartSizeBytes: 8 * MIB, totalBytes: null };
    let offset = 0;
    for (let n = 1; n <= S3_MAX_PARTS; n += 1) {
      if (n % 997 === 0 || n % 1000 <= 1) expect(partOffsetBytes(plan, n)).toBe(offset);
      offset += partSizeBytes(plan, n);
    }
    expect(capacityBytes(plan)).toBe(offset);
  });
});

describe('largestPartBytes', () => {
  it('is the part of the growing tier that reaches the largest file', () => {
    // 8 MiB parts doubling every 1,000 parts: tier 7 (512 MiB) is the first to reach 512 GiB.
    expect(largestPartBytes({ minPartSizeBytes: 8 * MIB, maxFileBytes: 512 * GIB })).toBe(512 * MIB);
    expect(largestPartBytes({ minPartSizeBytes: 8 * MIB, maxFileBytes: 1024 * GIB })).toBe(1024 * MIB);
  });

  it('is never smaller than the minimum part', () => {
    expect(largestPartBytes({ minPartSizeBytes: 64 * MIB, maxFileBytes: GIB })).toBe(64 * MIB);
  });
});
