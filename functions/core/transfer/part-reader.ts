import type { Readable } from 'node:stream';
import { StorageRejectedError, TransferIncompleteError } from '../base/index.js';
import { BodyChunks } from './body-chunks.js';
import { crc32 } from './crc32.js';

/**
 * Turns a download body into numbered parts, each with its CRC-32 computed chunk by chunk while the
 * chunk is still in the CPU cache. Bytes before `offset` (already stored, re-sent by a server that
 * ignored Range) are skipped. Every way the body can disagree with what was announced is a
 * `TransferIncompleteError`: nothing short or long is ever handed on as a part.
 */

/** One part, ready to upload. */
export interface Part {
  readonly partNumber: number;
  /** Offset of its first byte in the file. */
  readonly offset: number;
  readonly data: Buffer;
  /** CRC-32 of `data`. */
  readonly crc: number;
}

export interface PartReaderOptions {
  readonly body: Readable;
  readonly fileName: string;
  /** Offset of the body's first byte in the file. */
  readonly start: number;
  /** Bytes already stored: the first part starts here. */
  readonly offset: number;
  readonly firstPartNumber: number;
  /** Size of a part by number (the upload's plan). */
  readonly partSize: (partNumber: number) => number;
  /** Offset of the file's end when announced; a body ending elsewhere is refused. */
  readonly expectedEnd: number | null;
  /** Largest file accepted: a body growing past it fails with StorageRejectedError. */
  readonly limitBytes: number;
  /** Called for each skipped chunk with the bytes skipped so far; throws to give up. */
  readonly onSkip?: (skippedBytes: number) => void;
  /** Called after each chunk with the file offset reached. */
  readonly onChunk?: (position: number) => void;
  /**
   * Part buffers on SharedArrayBuffers, so a worker thread can hash them in place.
   * @default false
   */
  readonly shared?: boolean;
}

/**
 * Body bytes read ahead of the part being filled: enough to keep the socket busy while a chunk is
 * copied, small enough that a download waiting for an upload slot holds little (the socket's own
 * buffers hold the rest, then TCP flow control stops the sender).
 */
const QUEUED_BYTES = 64 * 1024;

export class PartReader {
  /** File offset of the next body byte. */
  private position: number;
  /** File offset where the next part starts. */
  private partOffset: number;
  private partNumber: number;
  private leftover: Buffer | undefined;
  private ended = false;
  private readonly chunks: BodyChunks;
  private readonly free: Buffer[] = [];

  constructor(private readonly options: PartReaderOptions) {
    this.position = options.start;
    this.partOffset = options.offset;
    this.partNumber = options.firstPartNumber;
    if (options.start > options.offset) {
      throw new TransferIncompleteError(
        `ORDS sent ${options.fileName} from byte ${options.start} when asked from byte ${options.offset}`,
      );
    }
    this.chunks = new BodyChunks(options.body, QUEUED_BYTES);
  }

  /** Reads and drops the bytes before `offset`. */
  async skip(): Promise<void> {
    const { offset, start, onSkip } = this.options;
    while (this.position < offset) {
      const chunk = await this.chunk();
      if (chunk === null) this.failEnd();
      const take = Math.min(chunk.length, offset - this.position);
      this.position += take;
      if (take < chunk.length) this.leftover = chunk.subarray(take);
      onSkip?.(this.position - start);
    }
  }

  /** The next part, or null once the body has ended where announced (after the last part). */
  async next(): Promise<Part | null> {
    if (this.position < this.options.offset) await this.skip();
    const size = this.nextSize();
    if (size === 0) return this.finish();
    let data = this.free.pop();
    if (data === undefined || data.length < size) data = this.allocate(size);
    let fill = 0;
    let crc = 0;
    while (fill < size) {
      const chunk = await this.chunk();
      if (chunk === null) break;
      const take = Math.min(chunk.length, size - fill);
      chunk.copy(data, fill, 0, take);
      crc = crc32(chunk.subarray(0, take), crc);
      if (take < chunk.length) this.leftover = chunk.subarray(take);
      fill += take;
      this.position += take;
      this.options.onChunk?.(this.position);
    }
    if (fill === 0) return this.finish();
    if (fill < size && this.options.expectedEnd !== null) this.failEnd();
    const part = { partNumber: this.partNumber, offset: this.partOffset, data: data.subarray(0, fill), crc };
    this.partNumber += 1;
    this.partOffset += fill;
    return part;
  }

  /** A new part buffer, allocated once and reused: no copy of a part ever joins chunks. */
  private allocate(size: number): Buffer {
    return this.options.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
  }

  /** Gives a part's buffer back once its upload (and its hash) no longer needs it. */
  release(part: Part): void {
    this.free.push(Buffer.from(part.data.buffer, part.data.byteOffset, part.data.buffer.byteLength));
  }

  /** True when no part can follow: the body ended, or the parts reached its announced end. */
  get atEnd(): boolean {
    const { expectedEnd } = this.options;
    return (
      (this.ended && this.leftover === undefined) || (expectedEnd !== null && this.partOffset >= expectedEnd)
    );
  }

  /** File offset reached. */
  get bytesRead(): number {
    return this.position;
  }

  private nextSize(): number {
    const size = this.options.partSize(this.partNumber);
    const { expectedEnd } = this.options;
    return expectedEnd === null ? size : Math.max(0, Math.min(size, expectedEnd - this.partOffset));
  }

  /** At the announced end (or the end of an unannounced body): the body must hold nothing more. */
  private async finish(): Promise<null> {
    const chunk = await this.chunk();
    if (chunk !== null) this.failLong();
    return null;
  }

  /** The next body chunk (leftover first), or null at the body's end; checks length and limit. */
  private async chunk(): Promise<Buffer | null> {
    if (this.leftover !== undefined) {
      const chunk = this.leftover;
      this.leftover = undefined;
      return chunk;
    }
    if (this.ended) return null;
    let next: unknown;
    try {
      next = await this.chunks.next();
    } catch (error) {
      throw new TransferIncompleteError(
        `The download of ${this.options.fileName} failed at byte ${this.position}`,
        { cause: error },
      );
    }
    if (next === null) {
      this.ended = true;
      return null;
    }
    const chunk = toBuffer(next);
    const reach = this.position + chunk.length;
    const { expectedEnd, limitBytes, fileName } = this.options;
    if (expectedEnd !== null && reach > expectedEnd) this.failLong();
    if (reach > limitBytes) {
      throw new StorageRejectedError(
        `${fileName} holds more than the ${limitBytes} bytes allowed (${reach} bytes read so far)`,
      );
    }
    return chunk;
  }

  private failEnd(): never {
    const { expectedEnd, fileName } = this.options;
    throw new TransferIncompleteError(
      `ORDS ended the body at byte ${this.position} of ${expectedEnd ?? this.options.offset} for ${fileName}`,
    );
  }

  private failLong(): never {
    throw new TransferIncompleteError(
      `ORDS sent more of ${this.options.fileName} than the ${this.options.expectedEnd} bytes announced`,
    );
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`download bodies must deliver bytes, got ${typeof chunk}`);
}
