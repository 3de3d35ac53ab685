import { finished, type Readable } from 'node:stream';

/**
 * The chunks of a download body, one at a time, each as the socket delivered it.
 *
 * Reads in flowing mode (`'data'`) rather than through `body[Symbol.asyncIterator]()`: the async
 * iterator calls `read()`, which joins every chunk buffered meanwhile into a new Buffer
 * (`Buffer.concat`), a copy of most of the file when the consumer is the slower side, and twice the
 * garbage (the profile showed the collector as the largest cost of the copy). Backpressure: the
 * body is paused while `maxQueuedBytes` wait here, and resumed once they are taken.
 */
export class BodyChunks {
  private readonly queue: unknown[] = [];
  private queuedBytes = 0;
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly body: Readable,
    private readonly maxQueuedBytes: number,
  ) {
    body.on('data', (chunk: unknown) => {
      this.queue.push(chunk);
      this.queuedBytes += byteLength(chunk);
      if (this.queuedBytes >= maxQueuedBytes) body.pause();
      this.notify();
    });
    // An error, or a close before the end (a reset connection), as the async iterator reports them.
    finished(body, (error) => {
      if (error) this.failure ??= { error };
      this.ended = true;
      this.notify();
    });
  }

  /** The next chunk, or null at the body's end; throws the body's error once the chunks before it are taken. */
  async next(): Promise<unknown> {
    for (;;) {
      if (this.queue.length > 0) {
        const chunk = this.queue.shift();
        this.queuedBytes -= byteLength(chunk);
        if (this.queuedBytes < this.maxQueuedBytes && this.body.isPaused() && !this.ended) this.body.resume();
        return chunk;
      }
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function byteLength(chunk: unknown): number {
  return chunk instanceof Uint8Array ? chunk.byteLength : typeof chunk === 'string' ? chunk.length : 0;
}
