import { finished, type Readable } from 'node:stream';
import { StorageRejectedError, TransferIncompleteError } from '../base/index.js';
import { crc32 } from './crc32.js';

/**
 * Turns a download body into numbered parts, each with its CRC-32 computed chunk by chunk while the
 * chunk is still in the CPU cache. Bytes before `offset` (already stored, re-sent by a server that
 * ignored Range) are skipped. Every way the body can disagree with what was announced is a
 * `TransferIncompleteError`: nothing short or long is ever handed on as a part.
 *
 * The hot path is the body's `'data'` handler: it copies each chunk, as the socket delivered it,
 * straight into the preallocated part buffer and folds it into the part's CRC-32, synchronously.
 * No promise, queue entry or joined buffer per chunk: one promise per part. (The body's async
 * iterator would call `read()`, which joins every chunk buffered meanwhile into a new Buffer, and
 * the profile showed per-chunk promises and their garbage among the copy's largest costs.)
 * Backpressure: while no part is being filled (the copy waits for an upload slot), the body is
 * paused and the chunk that arrived is held; the body's own buffer and the socket's hold the rest,
 * then TCP flow control stops the sender.
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

/** The part being filled, and the `next()` call waiting for it. */
interface Filling {
  readonly data: Buffer;
  readonly size: number;
  fill: number;
  crc: number;
  /** The bytes filled, once the part is full or the body ended; rejects with the body's failure. */
  readonly done: Promise<number>;
  readonly resolve: (fill: number) => void;
  readonly reject: (error: unknown) => void;
}

export class PartReader {
  /** File offset of the next body byte to consume. */
  private position: number;
  /** File offset after the last byte received (consumed or held). */
  private received: number;
  /** File offset where the next part starts. */
  private partOffset: number;
  private partNumber: number;
  /** Chunks (or their rest) received while no part was being filled; the body is paused meanwhile. */
  private readonly held: Buffer[] = [];
  private ended = false;
  /** The body's error, or a refused chunk: thrown once the bytes before it are consumed. */
  private failure: { readonly error: unknown } | undefined;
  private filling: Filling | undefined;
  /** A `finish()` waiting for the body's end. */
  private waitingForEnd: Filling | undefined;
  private readonly free: Buffer[] = [];

  constructor(private readonly options: PartReaderOptions) {
    this.position = options.start;
    this.received = options.start;
    this.partOffset = options.offset;
    this.partNumber = options.firstPartNumber;
    if (options.start > options.offset) {
      throw new TransferIncompleteError(
        `ORDS sent ${options.fileName} from byte ${options.start} when asked from byte ${options.offset}`,
      );
    }
    const { body } = options;
    body.on('data', (chunk: unknown) => this.onData(chunk));
    // An error, or a close before the end (a reset connection), as the async iterator reports them.
    finished(body, (error) => {
      if (error && this.failure === undefined) {
        this.failure = {
          error: new TransferIncompleteError(
            `The download of ${options.fileName} failed at byte ${this.received}`,
            { cause: error },
          ),
        };
      }
      this.ended = true;
      this.settle();
    });
  }

  /** The next part, or null once the body has ended where announced (after the last part). */
  async next(): Promise<Part | null> {
    if (this.filling !== undefined || this.waitingForEnd !== undefined) {
      throw new Error('PartReader.next() called again before the previous call ended');
    }
    const size = this.nextSize();
    if (size === 0) return this.finish();
    let data = this.free.pop();
    if (data === undefined || data.length < size) data = this.allocate(size);
    const filling = this.wait(data, size);
    this.filling = filling;
    this.feed();
    const fill = await filling.done;
    const { crc } = filling;
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
      (this.ended && this.failure === undefined && this.held.length === 0) ||
      (expectedEnd !== null && this.partOffset >= expectedEnd)
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
    const waiting = this.wait(Buffer.alloc(0), 0);
    this.waitingForEnd = waiting;
    this.feed();
    await waiting.done;
    return null;
  }

  /** A part to fill (or, of size 0, the body's end to wait for), settled by the body's events. */
  private wait(data: Buffer, size: number): Filling {
    let resolve: (fill: number) => void = () => {};
    let reject: (error: unknown) => void = () => {};
    const done = new Promise<number>((onFilled, onFailed) => {
      resolve = onFilled;
      reject = onFailed;
    });
    return { data, size, fill: 0, crc: 0, done, resolve, reject };
  }

  /** The body's hot path: checks the chunk, then consumes it at once when a part is being filled. */
  private onData(next: unknown): void {
    if (this.failure !== undefined) return;
    let chunk: Buffer;
    try {
      chunk = toBuffer(next);
    } catch (error) {
      this.fail(error);
      return;
    }
    const reach = this.received + chunk.length;
    const { expectedEnd, limitBytes, fileName } = this.options;
    if (expectedEnd !== null && reach > expectedEnd) {
      this.fail(this.tooLong());
      return;
    }
    if (reach > limitBytes) {
      this.fail(
        new StorageRejectedError(
          `${fileName} holds more than the ${limitBytes} bytes allowed (${reach} bytes read so far)`,
        ),
      );
      return;
    }
    this.received = reach;
    // Bytes in order: behind held ones, a chunk waits its turn (the body is paused meanwhile).
    const rest = this.held.length > 0 ? chunk : this.consume(chunk);
    if (rest !== undefined) this.hold(rest);
  }

  /**
   * Skips, or copies into the part being filled, what it can of the chunk (settling the part once
   * full). Returns the rest, to hold: all of it when no part is being filled.
   */
  private consume(chunk: Buffer): Buffer | undefined {
    let rest = chunk;
    const { offset, start, onSkip, onChunk } = this.options;
    if (this.position < offset) {
      const take = Math.min(rest.length, offset - this.position);
      this.position += take;
      rest = rest.subarray(take);
      try {
        onSkip?.(this.position - start);
      } catch (error) {
        // Giving up: what is held would only be skipped as well.
        this.held.length = 0;
        this.fail(error);
        return undefined;
      }
      if (rest.length === 0) return undefined;
    }
    const filling = this.filling;
    if (filling === undefined) return rest;
    const take = Math.min(rest.length, filling.size - filling.fill);
    const taken = take === rest.length ? rest : rest.subarray(0, take);
    taken.copy(filling.data, filling.fill);
    filling.crc = crc32(taken, filling.crc);
    filling.fill += take;
    this.position += take;
    onChunk?.(this.position);
    if (filling.fill === filling.size) {
      this.filling = undefined;
      filling.resolve(filling.fill);
    }
    return take < rest.length ? rest.subarray(take) : undefined;
  }

  /** Consumes held chunks into the part being filled, settles it when it can be, resumes the body. */
  private feed(): void {
    if (this.waitingForEnd !== undefined && this.held.length > 0) {
      // Unreachable: a byte past the announced end is refused on arrival, and without an announced
      // end no part has size 0. Refused here too, so that a wait for the end can never hang.
      this.held.length = 0;
      this.fail(this.tooLong());
    }
    while (this.held.length > 0 && this.filling !== undefined) {
      const rest = this.consume(this.held[0] as Buffer);
      if (rest === undefined) this.held.shift();
      else this.held[0] = rest;
    }
    this.settle();
    const wanting = this.filling !== undefined || this.waitingForEnd !== undefined;
    const { body } = this.options;
    if (wanting && this.held.length === 0 && !this.ended && body.isPaused()) body.resume();
  }

  /** Ends the waiting `next()` or `finish()` once the body's end or failure is reached. */
  private settle(): void {
    if (this.held.length > 0) return;
    const waiting = this.filling ?? this.waitingForEnd;
    if (waiting === undefined) return;
    if (this.failure !== undefined) {
      this.filling = undefined;
      this.waitingForEnd = undefined;
      waiting.reject(this.failure.error);
      return;
    }
    if (!this.ended) return;
    this.filling = undefined;
    this.waitingForEnd = undefined;
    waiting.resolve(waiting.fill);
  }

  private hold(chunk: Buffer): void {
    this.held.push(chunk);
    this.options.body.pause();
  }

  /**
   * Records the failure, thrown once the bytes received before it are consumed (a refused chunk
   * itself is dropped), and pauses the body: no byte after the failure is wanted.
   */
  private fail(error: unknown): void {
    this.failure ??= { error };
    this.options.body.pause();
    this.settle();
  }

  private tooLong(): TransferIncompleteError {
    const { fileName, expectedEnd } = this.options;
    return new TransferIncompleteError(
      `ORDS sent more of ${fileName} than the ${expectedEnd} bytes announced`,
    );
  }

  private failEnd(): never {
    const { expectedEnd, fileName } = this.options;
    throw new TransferIncompleteError(
      `ORDS ended the body at byte ${this.position} of ${expectedEnd ?? this.options.offset} for ${fileName}`,
    );
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`download bodies must deliver bytes, got ${typeof chunk}`);
}
