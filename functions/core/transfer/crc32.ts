import zlib from 'node:zlib';

/**
 * CRC-32 (the ISO-HDLC polynomial S3 calls CRC32) of a whole file from the CRCs of its parts.
 *
 * Hand-written because nothing that fits exists: `node:zlib` exposes `crc32(data, initial)` but not
 * zlib's `crc32_combine`, and the npm package that does (`@balena/node-crc-utils`) is a native addon,
 * which the Lambda bundle would have to build for each architecture. This is zlib's own algorithm
 * (crc32.c, `crc32_combine_op` since zlib 1.2.12): multiply crc1 by x^(8·len2) modulo the polynomial,
 * then add crc2. A combination costs about 1 µs, so a running whole-file CRC is one integer that
 * crosses invocations in the continuation.
 */

/** The reflected CRC-32 polynomial. */
const POLY = 0xedb88320;

/** a·b modulo the polynomial (reflected bit order: x^0 is the top bit). */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  let factor = b >>> 0;
  for (;;) {
    if ((a & m) !== 0) {
      product ^= factor;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    factor = factor & 1 ? (factor >>> 1) ^ POLY : factor >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial, for k = 0…31 (the powers cycle with period 32 for byte counts). */
const X2N: readonly number[] = (() => {
  const table = [1 << 30];
  for (let k = 1; k < 32; k += 1) {
    const previous = table[k - 1] as number;
    table.push(multiplyModP(previous, previous));
  }
  return table;
})();

/** x^(n·2^k) modulo the polynomial; n may exceed 2^32 (parts up to 5 GiB). */
function xPowModP(n: number, k: number): number {
  let power = 0x80000000;
  let rest = n;
  let bit = k;
  while (rest > 0) {
    if (rest % 2 === 1) power = multiplyModP(X2N[bit & 31] as number, power);
    rest = Math.floor(rest / 2);
    bit += 1;
  }
  return power;
}

/** The CRC-32 of A followed by B, from crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) {
    throw new RangeError(`crc32Combine: length must be a non-negative integer, got ${lengthB}`);
  }
  return (multiplyModP(xPowModP(lengthB, 3), crcA >>> 0) ^ crcB) >>> 0;
}

/**
 * CRC-32 of bytes, continuing from `initial`: zlib's, with its hardware path on arm64 (see
 * `selectHardwareCrc32`). ≈ 4.7 GB/s on this x86 machine, where Node's zlib has no such path.
 */
export function crc32(data: Uint8Array, initial = 0): number {
  if (!hardwareCrc32Selected) selectHardwareCrc32();
  return zlib.crc32(data, initial);
}

let hardwareCrc32Selected = false;

/**
 * Lets zlib pick its hardware CRC-32 before the first checksum. Node's zlib (Chromium's) checks the
 * CPU's features only when a deflate or inflate stream is initialised; until then `zlib.crc32` runs
 * its table-driven code. On arm64 (the functions run on Graviton) the check turns on the ARMv8
 * CRC32 and PMULL instructions: under qemu-aarch64 the path visibly changes after the first
 * `deflateRawSync`, with the same CRCs (`npm run bench:crc`). Nothing in a copy function initialises
 * a zlib stream otherwise, so every checksum ran in software. On x86 it changes nothing measurable.
 * Costs one empty raw deflate, once per process.
 */
function selectHardwareCrc32(): void {
  hardwareCrc32Selected = true;
  zlib.deflateRawSync(Buffer.alloc(0));
}

/** S3's `ChecksumCRC32` form: base64 of the big-endian CRC-32. */
export function crc32ToBase64(crc: number): string {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString('base64');
}

/** The CRC-32 of a `ChecksumCRC32` value; null when it is not base64 of 4 bytes. */
export function crc32FromBase64(value: string): number | null {
  if (!/^[A-Za-z0-9+/]{6}==$/.test(value)) return null;
  return Buffer.from(value, 'base64').readUInt32BE(0);
}
