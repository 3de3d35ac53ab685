import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crc32Combine, crc32FromBase64, crc32ToBase64 } from '../../../../functions/core/transfer/crc32.js';
import { fileBytes } from '../../../helpers/fake-ords.js';

describe('crc32', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('initialises a zlib stream once, before its first checksum, so that zlib picks its hardware path', async () => {
    // GIVEN a fresh copy of the module (its choice is made once per process)
    vi.resetModules();
    const order: string[] = [];
    const deflate = vi.spyOn(zlib, 'deflateRawSync').mockImplementation(() => {
      order.push('deflate');
      return Buffer.alloc(0);
    });
    const checksum = vi.spyOn(zlib, 'crc32').mockImplementation(() => {
      order.push('crc32');
      return 0;
    });
    const fresh = await import('../../../../functions/core/transfer/crc32.js');
    // WHEN it computes three checksums
    fresh.crc32(Buffer.from('a'));
    fresh.crc32(Buffer.from('b'));
    fresh.crc32(Buffer.from('c'));
    // THEN zlib was initialised once, before the first
    expect(order).toEqual(['deflate', 'crc32', 'crc32', 'crc32']);
    expect(deflate).toHaveBeenCalledTimes(1);
    expect(checksum).toHaveBeenCalledTimes(3);
  });

  it("computes the ISO-HDLC CRC-32 (S3's CRC32), continuing from a previous value", async () => {
    const { crc32 } = await import('../../../../functions/core/transfer/crc32.js');
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('56789'), crc32(Buffer.from('1234')))).toBe(0xcbf43926);
  });
});

describe('crc32Combine', () => {
  it('equals zlib.crc32 of the concatenation for parts of many sizes', () => {
    const data = fileBytes(3 * 1024 * 1024 + 17, 5);
    for (const cut of [0, 1, 3, 4, 255, 4096, 65_537, 1024 * 1024, data.length - 1, data.length]) {
      const a = data.subarray(0, cut);
      const b = data.subarray(cut);
      expect(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length)).toBe(zlib.crc32(data));
    }
  });

  it('combines many parts in file order as the copy does', () => {
    const data = fileBytes(1_000_003, 9);
    let combined = 0;
    for (let at = 0; at < data.length; at += 77_777) {
      const part = data.subarray(at, at + 77_777);
      combined = crc32Combine(combined, zlib.crc32(part), part.length);
    }
    expect(combined).toBe(zlib.crc32(data));
  });

  it('combines parts longer than 4 GiB (S3 parts reach 5 GiB)', () => {
    // One 5 GiB step must equal two 2.5 GiB steps: lengths above 2^32 must not wrap.
    const half = 2.5 * 1024 ** 3;
    const zeros = (length: number) => {
      // The CRC of `length` zero bytes, from one zero byte combined with itself by doubling.
      let crc = 0;
      let size = 0;
      let piece = zlib.crc32(Buffer.alloc(1));
      let pieceSize = 1;
      let rest = length;
      while (rest > 0) {
        if (rest % 2 === 1) {
          crc = crc32Combine(crc, piece, pieceSize);
          size += pieceSize;
        }
        piece = crc32Combine(piece, piece, pieceSize);
        pieceSize *= 2;
        rest = Math.floor(rest / 2);
      }
      expect(size).toBe(length);
      return crc;
    };
    const a = 0x12345678;
    const whole = crc32Combine(a, zeros(2 * half), 2 * half);
    const stepwise = crc32Combine(crc32Combine(a, zeros(half), half), zeros(half), half);
    expect(whole).toBe(stepwise);
    expect(zeros(8 * 1024 * 1024)).toBe(zlib.crc32(Buffer.alloc(8 * 1024 * 1024)));
  });

  it('fails for a negative or fractional length', () => {
    expect(() => crc32Combine(1, 2, -1)).toThrow(/got -1/);
    expect(() => crc32Combine(1, 2, 1.5)).toThrow(/got 1.5/);
  });
});

describe('crc32ToBase64', () => {
  it('writes the big-endian CRC in base64 and reads it back', () => {
    const crc = zlib.crc32(Buffer.from('hello'));
    expect(crc32ToBase64(crc)).toBe(Buffer.from(crc.toString(16).padStart(8, '0'), 'hex').toString('base64'));
    expect(crc32FromBase64(crc32ToBase64(crc))).toBe(crc);
  });

  it('reads null from a value that is not base64 of four bytes', () => {
    expect(crc32FromBase64('AAAAAAAA')).toBeNull();
    expect(crc32FromBase64('not!')).toBeNull();
  });
});
