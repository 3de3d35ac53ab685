import { Worker } from 'node:worker_threads';
import { SHA256_WASM_BASE64 } from './sha256-wasm.js';

/**
 * A SHA-256 that runs in a worker thread and whose state can be saved and loaded, so one file's hash
 * goes on across Lambda invocations. The WebAssembly SHA-256 (≈ 160 MiB/s here, no SHA extensions in
 * WebAssembly) is the slowest step of a copy: in its own thread it overlaps with the download, the
 * CRC-32 and the uploads, which the main thread does, instead of adding to them.
 *
 * Calls are answered in order. `update(data)` shares `data` with the worker when a SharedArrayBuffer
 * backs it (else it sends a copy): such data must not change until the returned promise resolves.
 * The saved state is hash-wasm's format (`sha256-wasm.ts`).
 */
export class Sha256Worker {
  readonly #worker: Worker;
  readonly #pending: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  #failure: Error | undefined;

  private constructor() {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { wasmBase64: SHA256_WASM_BASE64 },
      // Plain CommonJS needs no option of the parent's (`--input-type=module` would even break it).
      execArgv: [],
    });
    // Held only while a call waits: an idle worker left open must not keep the process alive, a
    // busy one must (its answer may be all the event loop waits for).
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const next = this.#pending.shift();
      if (this.#pending.length === 0) this.#worker.unref();
      if (reply.op === 'error') next?.reject(new Error(reply.message));
      else next?.resolve(reply);
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) =>
      this.#fail(new Error(`the SHA-256 worker stopped (exit code ${code})`)),
    );
  }

  /**
   * Starts a worker with a new hash, or with a state from `save()`. Fails when `state` is not a
   * saved state of this SHA-256.
   */
  static async start(state?: Uint8Array): Promise<Sha256Worker> {
    const hasher = new Sha256Worker();
    if (state !== undefined) {
      try {
        await hasher.#call({ op: 'load', state: new Uint8Array(state) });
      } catch (error) {
        await hasher.close();
        throw error;
      }
    }
    return hasher;
  }

  /** Adds `data` to the hash; resolves once the worker no longer reads it. */
  async update(data: Uint8Array): Promise<void> {
    if (data.buffer instanceof SharedArrayBuffer) {
      await this.#call({ op: 'update', data });
    } else {
      const copy = new Uint8Array(data);
      await this.#call({ op: 'update', data: copy }, [copy.buffer]);
    }
  }

  /** The state after every `update` called so far. */
  async save(): Promise<Uint8Array> {
    const reply = await this.#call({ op: 'save' });
    return (reply as Extract<Reply, { op: 'save' }>).state;
  }

  /** The hex digest of every `update` called so far. The hash cannot be updated afterwards. */
  async digest(): Promise<string> {
    const reply = await this.#call({ op: 'digest' });
    return (reply as Extract<Reply, { op: 'digest' }>).hex;
  }

  /** Stops the worker; calls still waiting fail. */
  async close(): Promise<void> {
    this.#fail(new Error('the SHA-256 worker was closed'));
    await this.#worker.terminate();
  }

  #call(request: Request, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) this.#worker.ref();
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage(request, transfer);
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#worker.unref();
    for (const pending of this.#pending.splice(0)) pending.reject(this.#failure);
  }
}

type Request =
  | { readonly op: 'update'; readonly data: Uint8Array }
  | { readonly op: 'load'; readonly state: Uint8Array }
  | { readonly op: 'save' }
  | { readonly op: 'digest' };

type Reply =
  | { readonly op: 'update' | 'load' }
  | { readonly op: 'save'; readonly state: Uint8Array }
  | { readonly op: 'digest'; readonly hex: string }
  | { readonly op: 'error'; readonly message: string };

/**
 * The worker, as source text: a bundled handler is a single file, so the worker cannot be a module
 * of its own. It drives hash-wasm's module as hash-wasm does: input through the module's 16 KiB
 * buffer, the state as 4 bytes of the module's SHA-1 followed by its `STATE_SIZE` state bytes.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const binary = Buffer.from(workerData.wasmBase64, 'base64');
const wasm = new WebAssembly.Instance(new WebAssembly.Module(binary), {}).exports;
const CHUNK_BYTES = 16 * 1024;
const PREFIX = createHash('sha1').update(binary).digest().subarray(0, 4);
const bufferAt = wasm.Hash_GetBuffer();
const stateAt = wasm.Hash_GetState();
const stateBytes = new DataView(wasm.memory.buffer).getUint32(wasm.STATE_SIZE.value, true);
const memory = () => new Uint8Array(wasm.memory.buffer);
wasm.Hash_Init(256);
parentPort.on('message', (request) => {
  try {
    switch (request.op) {
      case 'update': {
        const { data } = request;
        const heap = memory();
        for (let at = 0; at < data.length; at += CHUNK_BYTES) {
          const chunk = data.subarray(at, at + CHUNK_BYTES);
          heap.set(chunk, bufferAt);
          wasm.Hash_Update(chunk.length);
        }
        parentPort.postMessage({ op: 'update' });
        break;
      }
      case 'save': {
        const state = new Uint8Array(PREFIX.length + stateBytes);
        state.set(PREFIX);
        state.set(memory().subarray(stateAt, stateAt + stateBytes), PREFIX.length);
        parentPort.postMessage({ op: 'save', state }, [state.buffer]);
        break;
      }
      case 'load': {
        const { state } = request;
        if (state.length !== PREFIX.length + stateBytes) {
          throw new Error('a saved SHA-256 state holds ' + (PREFIX.length + stateBytes) + ' bytes, got ' + state.length);
        }
        if (!PREFIX.equals(state.subarray(0, PREFIX.length))) {
          throw new Error('the state was saved by another SHA-256 implementation');
        }
        memory().set(state.subarray(PREFIX.length), stateAt);
        parentPort.postMessage({ op: 'load' });
        break;
      }
      case 'digest': {
        wasm.Hash_Final(0);
        parentPort.postMessage({ op: 'digest', hex: Buffer.from(memory().subarray(bufferAt, bufferAt + 32)).toString('hex') });
        break;
      }
      default:
        throw new Error('unknown request ' + String(request.op));
    }
  } catch (error) {
    parentPort.postMessage({ op: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
`;
