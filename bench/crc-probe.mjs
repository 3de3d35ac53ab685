import zlib from 'node:zlib';

/**
 * Measures `zlib.crc32` in this process before and after the first zlib stream is initialised (what
 * `functions/core/transfer/crc32.ts` does before its first checksum), and prints one JSON line.
 * Plain JavaScript, so that any Node binary can run it (an arm64 one under qemu-aarch64 included).
 * `argv[2]`: MiB to checksum in each measurement.
 */

const mib = Number(process.argv[2] ?? 1024);
const slice = Buffer.alloc(8 * 1024 * 1024, 0xa5);
const slices = Math.max(1, Math.round(mib / 8));

function measure() {
  let crc = 0;
  const started = process.hrtime.bigint();
  for (let index = 0; index < slices; index += 1) crc = zlib.crc32(slice, crc);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { mibPerSecond: (slices * 8) / seconds, crc: crc >>> 0 };
}

const before = measure();
zlib.deflateRawSync(Buffer.alloc(0));
const after = measure();
console.log(
  JSON.stringify({
    arch: process.arch,
    node: process.version,
    zlib: process.versions.zlib,
    mib: slices * 8,
    beforeMibPerSecond: before.mibPerSecond,
    afterMibPerSecond: after.mibPerSecond,
    sameCrc: before.crc === after.crc,
  }),
);
