import { createCipheriv, createHash } from 'node:crypto';

/**
 * Deterministic dump file content of any size, never stored: byte `n` of a file is a pure function of
 * (job name, file name, n). Each file has a 1 MiB pseudo-random block (AES-128-CTR over zeros, keyed
 * by a SHA-256 of the two names); the file is that block repeated, cut in 64 KiB chunks, and the first
 * 8 bytes of every chunk hold the chunk's index (big-endian). The stamp makes reordered, duplicated or
 * missing chunks change the file's SHA-256, which a plain repeated block would not.
 */

/** Size of one stamped chunk. */
export const CHUNK_BYTES = 64 * 1024;
/** Size of the pseudo-random block a file repeats. */
export const BLOCK_BYTES = 1024 * 1024;
const CHUNKS_PER_BLOCK = BLOCK_BYTES / CHUNK_BYTES;
const STAMP_BYTES = 8;
const CACHED_BLOCKS = 32;
// Hash in slices of this size, then let the event loop run: the simulator usually shares its process
// with the client under test, which must keep downloading meanwhile.
const HASH_SLICE_BYTES = 16 * 1024 * 1024;

const blocks = new Map<string, Buffer>();

function blockOf(jobName: string, fileName: string): Buffer {
  const key = `${jobName}\u0000${fileName}`;
  const cached = blocks.get(key);
  if (cached) {
    // Refresh its place in the insertion order: the map doubles as an LRU list.
    blocks.delete(key);
    blocks.set(key, cached);
    return cached;
  }
  const seed = createHash('sha256').update(key).digest();
  const cipher = createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16, 32));
  const block = Buffer.concat([cipher.update(Buffer.alloc(BLOCK_BYTES)), cipher.final()]);
  blocks.set(key, block);
  if (blocks.size > CACHED_BLOCKS) {
    const oldest = blocks.keys().next().value;
    if (oldest !== undefined) blocks.delete(oldest);
  }
  return block;
}

function writeStamp(target: Buffer, chunkIndex: number): void {
  target.writeUInt32BE(Math.floor(chunkIndex / 0x1_0000_0000), 0);
  target.writeUInt32BE(chunkIndex >>> 0, 4);
}

/** Fills `target` with the file's bytes from `offset` on. */
function fill(block: Buffer, target: Buffer, offset: number): void {
  const stamp = Buffer.allocUnsafe(STAMP_BYTES);
  let written = 0;
  while (written < target.length) {
    const position = offset + written;
    const chunkIndex = Math.floor(position / CHUNK_BYTES);
    const inChunk = position - chunkIndex * CHUNK_BYTES;
    const take = Math.min(CHUNK_BYTES - inChunk, target.length - written);
    const blockStart = (chunkIndex % CHUNKS_PER_BLOCK) * CHUNK_BYTES + inChunk;
    block.copy(target, written, blockStart, blockStart + take);
    if (inChunk < STAMP_BYTES) {
      writeStamp(stamp, chunkIndex);
      stamp.copy(target, written, inChunk, Math.min(STAMP_BYTES, inChunk + take));
    }
    written += take;
  }
}

/** Reads ranges of one simulated file; cheap to create, holds the file's block. */
export interface ContentSource {
  /** A fresh buffer with bytes `[start, endExclusive)` of the file. */
  read(start: number, endExclusive: number): Buffer;
  /**
   * Bytes `[start, endExclusive)` as a list of buffers that share memory with the cached block (stamps
   * apart): no copy, for writing straight to a socket. Callers must not modify them.
   */
  slices(start: number, endExclusive: number): Buffer[];
}

/** The content of `fileName` of job `jobName`, ready to be read in slices. */
export function contentSource(jobName: string, fileName: string): ContentSource {
  const block = blockOf(jobName, fileName);
  return {
    read(start, endExclusive) {
      const target = Buffer.allocUnsafe(Math.max(0, endExclusive - start));
      fill(block, target, start);
      return target;
    },
    slices(start, endExclusive) {
      const result: Buffer[] = [];
      let position = start;
      while (position < endExclusive) {
        const chunkIndex = Math.floor(position / CHUNK_BYTES);
        const inChunk = position - chunkIndex * CHUNK_BYTES;
        const chunkEnd = Math.min((chunkIndex + 1) * CHUNK_BYTES, endExclusive);
        const blockChunk = (chunkIndex % CHUNKS_PER_BLOCK) * CHUNK_BYTES;
        if (inChunk < STAMP_BYTES) {
          const stamp = Buffer.allocUnsafe(STAMP_BYTES);
          writeStamp(stamp, chunkIndex);
          const stampEnd = Math.min(STAMP_BYTES, chunkEnd - chunkIndex * CHUNK_BYTES);
          result.push(stamp.subarray(inChunk, stampEnd));
          position = chunkIndex * CHUNK_BYTES + stampEnd;
        }
        if (position < chunkEnd) {
          const from = blockChunk + (position - chunkIndex * CHUNK_BYTES);
          result.push(block.subarray(from, from + (chunkEnd - position)));
          position = chunkEnd;
        }
      }
      return result;
    },
  };
}

/**
 * Bytes `[start, endExclusive)` of dump file `fileName` of job `jobName`, exactly as the simulator
 * serves them. Any size works; nothing is stored.
 */
export function fileContent(jobName: string, fileName: string, start: number, endExclusive: number): Buffer {
  if (
    !(
      Number.isSafeInteger(start) &&
      Number.isSafeInteger(endExclusive) &&
      start >= 0 &&
      endExclusive >= start
    )
  ) {
    throw new RangeError(`fileContent: bad range [${start}, ${endExclusive})`);
  }
  return contentSource(jobName, fileName).read(start, endExclusive);
}

/**
 * Hex SHA-256 of the first `size` bytes of dump file `fileName` of job `jobName` (its whole content
 * when `size` is the file's size). Streams over the file without building it, yielding to the event loop
 * every 16 MiB, so it can run beside a download in the same process.
 */
export async function fileSha256(jobName: string, fileName: string, size: number): Promise<string> {
  if (!(Number.isSafeInteger(size) && size >= 0)) throw new RangeError(`fileSha256: bad size ${size}`);
  const block = blockOf(jobName, fileName);
  const hash = createHash('sha256');
  const stamp = Buffer.allocUnsafe(STAMP_BYTES);
  const fullChunks = Math.floor(size / CHUNK_BYTES);
  const chunksPerSlice = HASH_SLICE_BYTES / CHUNK_BYTES;
  for (let chunkIndex = 0; chunkIndex < fullChunks; chunkIndex++) {
    if (chunkIndex > 0 && chunkIndex % chunksPerSlice === 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const blockStart = (chunkIndex % CHUNKS_PER_BLOCK) * CHUNK_BYTES;
    writeStamp(stamp, chunkIndex);
    hash.update(stamp);
    hash.update(block.subarray(blockStart + STAMP_BYTES, blockStart + CHUNK_BYTES));
  }
  const tailStart = fullChunks * CHUNK_BYTES;
  if (tailStart < size) {
    const tail = Buffer.allocUnsafe(size - tailStart);
    fill(block, tail, tailStart);
    hash.update(tail);
  }
  return hash.digest('hex');
}
