import { Readable } from 'node:stream';
import type { DataPumpJob, FileDownload, JobListItem, OrdsApi } from '../../functions/core/ords/ords-api.js';

/**
 * An in-memory `OrdsApi` whose downloads serve given bytes, for transfer tests without HTTP.
 * Switches reproduce what real servers do (../../shared/ords-datapump-api.md, Files): Range
 * honoured or not, Content-Length or a chunked body, a connection reset after N bytes, a body that
 * ends before its announced length. Only `downloadFile` is implemented.
 */

/** How one download behaves. */
export interface FakeDownloadBehaviour {
  /** Answer a request from an offset with 206 (true) or with the whole file, 200 (false). @default true */
  readonly range?: boolean;
  /** Announce the body's length (true) or send it chunked (false). @default true */
  readonly contentLength?: boolean;
  /** Announce the whole file's size (200 Content-Length, 206 Content-Range total). @default contentLength */
  readonly totalBytes?: boolean;
  /** Break the body with ECONNRESET after this many body bytes. */
  readonly resetAfterBytes?: number;
  /** End the body this many bytes early while announcing the full length. */
  readonly shortByBytes?: number;
  /** Size of the body's chunks. @default 64 KiB */
  readonly chunkBytes?: number;
  /** Reject the request itself with this error. */
  readonly reject?: Error;
  /** Called before each chunk is handed out (e.g. to advance a fake clock). */
  readonly onChunk?: (bytes: number) => void;
  /** `Content-Type` of the answer. @default 'application/octet-stream' */
  readonly contentType?: string;
  /** `ETag` of the file; an `If-Range` with another value gets the whole file (200). @default none */
  readonly validator?: string;
  /**
   * Answer a Range request with a legal `206 bytes <offset>-<at − 1>/*` that ends at file offset `at`
   * (a proxy that cuts a body short and hides the total).
   */
  readonly endRangeAt?: number;
}

/** One download as the fake served it. */
export interface FakeDownloadRecord {
  readonly fileName: string;
  /** Offset asked for. */
  readonly offset: number;
  /** Offset the body started at (0 when Range was ignored). */
  readonly start: number;
  /** `If-Range` sent, if any. */
  readonly ifRange?: string;
  /** Body bytes handed to the stream so far (it reads up to 64 KiB ahead of the caller). */
  bytesServed: number;
  /** The body handed out (`body.destroyed` says whether the caller let go of it). */
  body?: Readable;
}

export class FakeOrds implements OrdsApi {
  readonly baseUrl = 'https://ords.example.com/ords/pdb1/dbapi_user/';
  readonly jobOwner: string | null = 'DBAPI_USER';
  readonly files = new Map<string, Buffer>();
  readonly downloads: FakeDownloadRecord[] = [];
  /** Behaviour of downloads with nothing queued by `next`. */
  behaviour: FakeDownloadBehaviour;
  private readonly queued: FakeDownloadBehaviour[] = [];

  constructor(files: Record<string, Buffer> = {}, behaviour: FakeDownloadBehaviour = {}) {
    for (const [name, content] of Object.entries(files)) this.files.set(name, content);
    this.behaviour = behaviour;
  }

  /** Queues behaviours for the next downloads, in order (each merged over `behaviour`). */
  next(...behaviours: FakeDownloadBehaviour[]): this {
    this.queued.push(...behaviours);
    return this;
  }

  async downloadFile(
    _owner: string,
    _jobName: string,
    fileName: string,
    options: { readonly offset?: number; readonly ifRange?: string; readonly signal?: AbortSignal } = {},
  ): Promise<FileDownload> {
    const behaviour = { ...this.behaviour, ...this.queued.shift() };
    if (behaviour.reject) throw behaviour.reject;
    const content = this.files.get(fileName);
    if (content === undefined) throw new Error(`FakeOrds has no file ${fileName}`);
    const offset = options.offset ?? 0;
    const validator = behaviour.validator ?? null;
    const sameFile = options.ifRange === undefined || options.ifRange === validator;
    const ranged = (behaviour.range ?? true) && offset > 0 && sameFile;
    const about = { contentType: behaviour.contentType ?? 'application/octet-stream', validator };
    const record: FakeDownloadRecord = {
      fileName,
      offset,
      start: ranged ? offset : 0,
      ...(options.ifRange === undefined ? {} : { ifRange: options.ifRange }),
      bytesServed: 0,
    };
    this.downloads.push(record);
    if (ranged && offset >= content.length) {
      // 416 Range Not Satisfiable, Content-Range: bytes */<size>.
      return {
        start: offset,
        totalBytes: content.length,
        contentLength: 0,
        ...about,
        body: Readable.from([]),
      };
    }
    const start = ranged ? offset : 0;
    const cutRange = ranged && behaviour.endRangeAt !== undefined && behaviour.endRangeAt < content.length;
    const withLength = behaviour.contentLength ?? true;
    const withTotal = (behaviour.totalBytes ?? withLength) && !cutRange;
    const end = cutRange ? (behaviour.endRangeAt as number) : content.length - (behaviour.shortByBytes ?? 0);
    const body = Readable.from(serve(content, start, end, behaviour, record), {
      objectMode: false,
      highWaterMark: 64 * 1024,
    });
    record.body = body;
    options.signal?.addEventListener('abort', () => body.destroy(), { once: true });
    return {
      start,
      totalBytes: withTotal ? content.length : null,
      contentLength: cutRange ? end - start : withLength ? content.length - start : null,
      ...about,
      body,
    };
  }

  async startExport(): Promise<DataPumpJob> {
    throw new Error('FakeOrds serves downloads only');
  }

  async listJobs(): Promise<JobListItem[]> {
    throw new Error('FakeOrds serves downloads only');
  }

  async getJob(): Promise<DataPumpJob | null> {
    throw new Error('FakeOrds serves downloads only');
  }

  async readLog(): Promise<string> {
    throw new Error('FakeOrds serves downloads only');
  }
}

function* serve(
  content: Buffer,
  start: number,
  end: number,
  behaviour: FakeDownloadBehaviour,
  record: FakeDownloadRecord,
): Generator<Buffer> {
  const { resetAfterBytes, onChunk } = behaviour;
  const chunkBytes = behaviour.chunkBytes ?? 64 * 1024;
  const stopAt = resetAfterBytes === undefined ? end : Math.min(end, start + resetAfterBytes);
  for (let at = start; at < stopAt; at += chunkBytes) {
    const chunk = content.subarray(at, Math.min(at + chunkBytes, stopAt));
    record.bytesServed += chunk.length;
    onChunk?.(chunk.length);
    yield chunk;
  }
  if (resetAfterBytes !== undefined && start + resetAfterBytes < end) {
    throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  }
}

/** Deterministic pseudo-random bytes (xorshift32): the same `size` and `seed` give the same file. */
export function fileBytes(size: number, seed = 1): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let state = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i += 1) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    words[i] = state;
  }
  return Buffer.from(words.buffer, 0, size);
}
