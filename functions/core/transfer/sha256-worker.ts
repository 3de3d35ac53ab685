import { Worker } from 'node:worker_threads';

/**
 * A SHA-256 computed on a worker thread, fed the part buffers the upload sends, so the hash runs
 * beside the copy instead of on its critical path (native SHA-256: ≈ 0.6 CPU-s/GiB).
 *
 * Parts backed by a SharedArrayBuffer are hashed in place (no copy); others are copied by
 * `postMessage`. The worker's source is inline (`eval`), so the bundled function needs no second
 * file. A worker that fails does not fail the copy, which S3 verifies by its CRC-32: the SHA-256 is
 * dropped, `failed` says why, and `digest()` answers null.
 */
export class Sha256Worker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (digest: string | null) => void>();
  private nextId = 0;
  private stopped = false;
  /** Why the hash was lost, when the worker failed. */
  failed: Error | undefined;

  private constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on('message', (message: { id: number; digest?: string }) => {
      const settle = this.pending.get(message.id);
      this.pending.delete(message.id);
      settle?.(message.digest ?? null);
    });
    this.worker.on('error', (error) => {
      this.failed ??= error;
      this.stop();
    });
    this.worker.on('exit', () => this.stop());
  }

  /** Starts a worker with an empty SHA-256. */
  static start(): Sha256Worker {
    return new Sha256Worker();
  }

  /**
   * Adds bytes, in call order. Resolves once the worker has hashed them (the buffer may then be
   * reused), or at once when the worker is gone. Never rejects.
   */
  update(data: Uint8Array): Promise<void> {
    return this.send({ data }).then(() => undefined);
  }

  /** The hex digest of everything added; null when the worker failed or was closed. Ends the worker. */
  async digest(): Promise<string | null> {
    const digest = await this.send({ digest: true });
    await this.close();
    return this.failed === undefined ? digest : null;
  }

  /** Ends the worker; pending updates resolve. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stop();
    await this.worker.terminate();
  }

  private send(message: { data?: Uint8Array; digest?: true }): Promise<string | null> {
    if (this.stopped) return Promise.resolve(null);
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ id, ...message });
    });
  }

  private stop(): void {
    this.stopped = true;
    for (const settle of this.pending.values()) settle(null);
    this.pending.clear();
  }
}

/** The worker: one SHA-256, updated in message order, digested on request. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hash = createHash('sha256');
parentPort.on('message', (message) => {
  if (message.digest) {
    parentPort.postMessage({ id: message.id, digest: hash.digest('hex') });
    return;
  }
  hash.update(message.data);
  parentPort.postMessage({ id: message.id });
});
`;
