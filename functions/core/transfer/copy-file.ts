import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  BackupError,
  type ErrorNameValue,
  InvalidInputError,
  RETRYABLE_ERRORS,
  StorageRejectedError,
  TransferIncompleteError,
} from '../errors.js';
import type { FileDownload, Logger, OrdsApi } from '../ords/ords-api.js';
import type { CopyFilePayload, CopyProgress } from '../payloads.js';
import { toStorageError } from '../storage-errors.js';
import {
  MIB,
  type PartPlan,
  partOffsetBytes,
  partSizeBytes,
  planParts,
  S3_MAX_OBJECT_BYTES,
  S3_MAX_PARTS,
} from './part-size.js';
import { Sha256Worker } from './sha256-worker.js';
import { markerTags, readMarker } from './stored-marker.js';

/** What `copyFile` needs: small interfaces and settings, no environment. */
export interface CopyFileDeps {
  readonly ords: OrdsApi;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  /** Milliseconds left before the invocation is killed (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  /** Time kept for completing the upload and returning: no new part starts inside it. */
  readonly safetyMarginMs: number;
  /**
   * Parts uploaded (and hashed, in a worker thread) at the same time while the next one is read.
   * Memory ≈ part size × (this + 1).
   */
  readonly partsInFlight: number;
  /** Smallest part size; raised to `partSizeFloorBytes` when smaller. */
  readonly minPartSizeBytes: number;
  /** Largest file accepted; a larger one fails before anything is uploaded (or as soon as it is seen). */
  readonly maxFileBytes: number;
  /** Clock for durations and progress logs. @default Date.now */
  readonly now?: () => number;
  /** Lower bound of the part size. Only tests lower it (s3rver accepts small parts). @default 8 MiB */
  readonly partSizeFloorBytes?: number;
}

type Continuation = Extract<CopyProgress, { done: false }>;
type Done = Extract<CopyProgress, { done: true }>;

/** Time between two progress logs. */
const PROGRESS_LOG_INTERVAL_MS = 10_000;

/**
 * Copies one Data Pump file from ORDS into S3, as far as this invocation's time allows.
 *
 * Returns `{ done: true, file }` once the object is complete, its size checked and its marker tags
 * written; otherwise a continuation covering only fully uploaded parts, to be passed back as
 * `payload.progress`. Throws `TransferIncompleteError` when the download broke before any part
 * was stored in this invocation, `StorageUnavailableError` / `StorageRejectedError` for S3.
 */
export async function copyFile(deps: CopyFileDeps, payload: CopyFilePayload): Promise<CopyProgress> {
  checkDeps(deps);
  const { progress } = payload;
  if (progress?.done) return progress;
  const invocations = (progress?.invocations ?? 0) + 1;
  if (progress === undefined) {
    const stored = await findStoredCopy(deps, payload);
    if (stored !== null) return stored;
  }
  try {
    return await new FileCopy(deps, payload, invocations, progress).run();
  } catch (error) {
    if (!(error instanceof UploadGone)) throw error;
    // An invocation killed after completing the upload leaves a stored copy and a stale continuation.
    const stored = await findStoredCopy(deps, payload);
    if (stored !== null) return stored;
    deps.logger.warn('The multipart upload no longer exists: copying the file again from its start', {
      file: payload.file.name,
      key: payload.file.key,
      uploadId: progress?.uploadId,
    });
    return await new FileCopy(deps, payload, invocations, undefined).run();
  }
}

function checkDeps(deps: CopyFileDeps): void {
  const positive = { partsInFlight: deps.partsInFlight, minPartSizeBytes: deps.minPartSizeBytes };
  for (const [name, value] of Object.entries(positive)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (!(deps.maxFileBytes > 0)) {
    throw new RangeError(`maxFileBytes must be positive, got ${deps.maxFileBytes}`);
  }
  if (!(deps.safetyMarginMs >= 0)) {
    throw new RangeError(`safetyMarginMs must be at least 0, got ${deps.safetyMarginMs}`);
  }
}

/** The marker tags of a complete earlier copy of this file, as a finished result; else null. */
async function findStoredCopy(deps: CopyFileDeps, payload: CopyFilePayload): Promise<Done | null> {
  const { bucket, s3 } = deps;
  const { file } = payload;
  let tags: Awaited<ReturnType<typeof readTags>>;
  try {
    tags = await readTags(s3, bucket, file.key);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw toStorageError(error, bucket, file.key);
  }
  const marker = readMarker(tags);
  if (marker === null) return null;
  deps.logger.info('The file is already stored: nothing to copy', {
    file: file.name,
    key: file.key,
    ...marker,
  });
  return { done: true, file: { name: file.name, kind: file.kind, key: file.key, ...marker } };
}

async function readTags(s3: S3Client, bucket: string, key: string) {
  return (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet;
}

/** Thrown inside one attempt when S3 no longer knows the continuation's upload: the copy restarts. */
class UploadGone extends Error {}

/** How reading the body ended. */
type ReadOutcome =
  | { readonly kind: 'end'; readonly bytes: number }
  | { readonly kind: 'stop' }
  | { readonly kind: 'broken'; readonly reason: string; readonly cause?: unknown };

/** One attempt at copying the file within this invocation: from the continuation, or from the start. */
class FileCopy {
  private readonly now: () => number;
  private readonly target: { readonly Bucket: string; readonly Key: string };
  private readonly startedAt: number;
  private readonly limitBytes: number;

  private plan: PartPlan = { basePartSizeBytes: 1, totalBytes: null };
  private hasher: Sha256Worker | undefined;
  private uploadId: string | undefined;
  private nextPartNumber: number;
  /** File offset up to which bytes were handed to S3 as parts (all stored once none is in flight). */
  private submittedOffset: number;
  private readonly firstOffset: number;
  private body: Readable | undefined;

  private readonly inFlight = new Set<Promise<void>>();
  /** The first failed part upload, already mapped to a project error. */
  private failure: Error | undefined;
  /** Set when the upload is known to be unusable: abort it whatever the error. */
  private forceAbort = false;
  private readonly freeBuffers: Buffer[] = [];

  private part: Buffer | undefined;
  private partLimit = 0;
  /** CRC-32 of the part's bytes so far, computed chunk by chunk while each is still in the CPU cache. */
  private partCrc = 0;
  private fill = 0;
  private partStartedAt = 0;
  private partsStarted = 0;
  private partsStored = 0;
  private firstPartStartedAt = 0;
  private lastPartMs: number | undefined;
  private nextLogAt: number;

  constructor(
    private readonly deps: CopyFileDeps,
    private readonly payload: CopyFilePayload,
    private readonly invocations: number,
    private readonly resumed: Continuation | undefined,
  ) {
    this.now = deps.now ?? Date.now;
    this.target = { Bucket: deps.bucket, Key: payload.file.key };
    this.startedAt = this.now();
    this.nextLogAt = this.startedAt + PROGRESS_LOG_INTERVAL_MS;
    this.limitBytes = Math.min(deps.maxFileBytes, S3_MAX_OBJECT_BYTES);
    this.nextPartNumber = resumed?.nextPartNumber ?? 1;
    this.submittedOffset = resumed?.offset ?? 0;
    this.firstOffset = this.submittedOffset;
    this.uploadId = resumed?.uploadId;
  }

  async run(): Promise<CopyProgress> {
    const { job, file } = this.payload;
    let download: FileDownload | undefined;
    try {
      this.hasher = await this.restoreHasher();
      download = await this.deps.ords.downloadFile(job.owner, job.jobName, file.name, {
        offset: this.submittedOffset,
      });
      this.body = download.body;
      const expectedEnd = this.checkDownload(download);
      const outcome = await this.read(download, expectedEnd);
      if (outcome.kind === 'end') return await this.finish(outcome.bytes);
      download.body.destroy();
      await this.drain();
      if (outcome.kind === 'stop') {
        return await this.continuation('The time budget is spent: continuing in the next invocation');
      }
      if (this.partsStored > 0) {
        this.deps.logger.warn(
          `${outcome.reason}: continuing from the last stored part in the next invocation`,
          {
            file: file.name,
            error: describe(outcome.cause),
          },
        );
        return await this.continuation('Copy interrupted');
      }
      throw new TransferIncompleteError(
        `${outcome.reason} before a part of ${file.name} could be stored (${this.submittedOffset} bytes stored so far)`,
        { cause: outcome.cause },
      );
    } catch (error) {
      download?.body.destroy();
      await this.settle();
      if (this.uploadId !== undefined && this.shouldAbort(error)) await this.abort(error);
      throw error;
    } finally {
      await this.hasher?.close();
    }
  }

  private async restoreHasher(): Promise<Sha256Worker> {
    if (this.resumed === undefined) return await Sha256Worker.start();
    const { partSizeBytes, totalBytes, nextPartNumber, offset, hashState } = this.resumed;
    this.plan = { basePartSizeBytes: partSizeBytes, totalBytes };
    if (partOffsetBytes(this.plan, nextPartNumber) !== offset) {
      throw new InvalidInputError(
        `progress is inconsistent: part ${nextPartNumber} of ${partSizeBytes}-byte parts starts at byte ` +
          `${partOffsetBytes(this.plan, nextPartNumber)}, not at offset ${offset}`,
      );
    }
    try {
      return await Sha256Worker.start(Buffer.from(hashState, 'base64'));
    } catch (error) {
      throw new InvalidInputError('progress.hashState is not a saved SHA-256 state', { cause: error });
    }
  }

  /** Checks what the server announced; plans the parts of a new upload. Returns the file's end offset if known. */
  private checkDownload(download: FileDownload): number | null {
    const { file } = this.payload;
    const { start, totalBytes, contentLength } = download;
    const offset = this.submittedOffset;
    if (start > offset) {
      throw new TransferIncompleteError(
        `ORDS sent ${file.name} from byte ${start} when asked from byte ${offset}`,
      );
    }
    if (totalBytes !== null && contentLength !== null && start + contentLength !== totalBytes) {
      throw new TransferIncompleteError(
        `ORDS announced ${contentLength} bytes from byte ${start} of ${file.name} but a file of ${totalBytes} bytes`,
      );
    }
    const announced = totalBytes ?? (contentLength === null ? null : start + contentLength);
    let expectedEnd = announced;
    if (this.resumed === undefined) {
      this.checkSize(announced);
      this.plan = planParts({
        totalBytes: announced,
        minPartSizeBytes: this.deps.minPartSizeBytes,
        maxFileBytes: this.limitBytes,
        floorBytes: this.deps.partSizeFloorBytes,
      });
    } else {
      const planned = this.resumed.totalBytes;
      if (planned !== null && announced !== null && planned !== announced) {
        this.forceAbort = true;
        throw new TransferIncompleteError(
          `${file.name} changed size between invocations (${planned} bytes, now ${announced}): copying it again`,
        );
      }
      expectedEnd = announced ?? planned;
      this.checkSize(expectedEnd);
    }
    if (start < offset) {
      this.deps.logger.warn('ORDS ignored the Range request: reading again the bytes already stored', {
        file: file.name,
        skipBytes: offset - start,
      });
    }
    return expectedEnd;
  }

  private checkSize(bytes: number | null): void {
    if (bytes === null || bytes <= this.limitBytes) return;
    this.forceAbort = true;
    const { file } = this.payload;
    throw new StorageRejectedError(
      `${file.name} holds ${bytes} bytes, more than the ${this.limitBytes} bytes allowed ` +
        `(maxFileBytes ${this.deps.maxFileBytes}, S3 object limit ${S3_MAX_OBJECT_BYTES})`,
    );
  }

  /** Reads the body into parts and hands each full part to S3. */
  private async read(download: FileDownload, expectedEnd: number | null): Promise<ReadOutcome> {
    const iterator = download.body[Symbol.asyncIterator]();
    let position = download.start;
    let skip = this.submittedOffset - download.start;
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (this.failure !== undefined) throw this.failure;
        return { kind: 'broken', reason: `The download of ${this.payload.file.name} failed`, cause: error };
      }
      if (this.failure !== undefined) throw this.failure;
      if (next.done) break;
      const chunk = toBuffer(next.value);
      position += chunk.length;
      if (expectedEnd !== null && position > expectedEnd) {
        return { kind: 'broken', reason: `ORDS sent more than the ${expectedEnd} bytes announced` };
      }
      this.checkSize(position);
      let at = 0;
      if (skip > 0) {
        at = Math.min(skip, chunk.length);
        skip -= at;
      }
      while (at < chunk.length) {
        if (this.part === undefined) {
          if (this.timeIsUp()) return { kind: 'stop' };
          this.startPart(expectedEnd);
        }
        const part = this.part as Buffer;
        const count = Math.min(chunk.length - at, this.partLimit - this.fill);
        chunk.copy(part, this.fill, at, at + count);
        this.partCrc = zlib.crc32(chunk.subarray(at, at + count), this.partCrc);
        this.fill += count;
        at += count;
        if (this.fill === this.partLimit) await this.submitPart();
      }
      this.logProgress(position, expectedEnd);
    }
    if (expectedEnd !== null && position !== expectedEnd) {
      return { kind: 'broken', reason: `ORDS ended the body at byte ${position} of ${expectedEnd}` };
    }
    return { kind: 'end', bytes: position };
  }

  /**
   * True when a new part should not start: no time is left, or less than a part takes. Never before
   * the first. (A part handed over within the clock's millisecond would otherwise take "0 ms".)
   */
  private timeIsUp(): boolean {
    if (this.partsStarted === 0) return false;
    const left = this.deps.remainingTimeMs() - this.deps.safetyMarginMs;
    const partMs = this.lastPartMs ?? this.now() - this.firstPartStartedAt;
    return left <= 0 || left < partMs;
  }

  private startPart(expectedEnd: number | null): void {
    const partNumber = this.nextPartNumber;
    if (partNumber > S3_MAX_PARTS) {
      this.forceAbort = true;
      throw new StorageRejectedError(
        `${this.payload.file.name} needs more than ${S3_MAX_PARTS} parts of the planned sizes (${this.submittedOffset} bytes so far)`,
      );
    }
    let size = partSizeBytes(this.plan, partNumber);
    if (expectedEnd !== null) size = Math.min(size, expectedEnd - this.submittedOffset);
    let buffer = this.freeBuffers.pop();
    // Shared memory: the hash worker reads the part where it is, while the upload sends it.
    if (buffer === undefined || buffer.length < size) buffer = Buffer.from(new SharedArrayBuffer(size));
    this.part = buffer;
    this.partLimit = size;
    this.fill = 0;
    this.partCrc = 0;
    this.partStartedAt = this.now();
    if (this.partsStarted === 0) this.firstPartStartedAt = this.partStartedAt;
    this.partsStarted += 1;
  }

  /**
   * Hands the part to the hash worker (in file order) and starts its upload once a slot is free (the
   * download waits meanwhile). Its buffer is free again once it is both hashed and stored.
   */
  private async submitPart(): Promise<void> {
    const buffer = this.part as Buffer;
    const data = buffer.subarray(0, this.fill);
    const partNumber = this.nextPartNumber;
    const startedAt = this.partStartedAt;
    const hashed = (this.hasher as Sha256Worker).update(data);
    // Its failure is met in the part's promise below, unless this attempt fails before that anyway.
    hashed.catch(() => {});
    const checksum = crc32ToBase64(this.partCrc);
    this.part = undefined;
    this.fill = 0;
    this.nextPartNumber += 1;
    this.submittedOffset += data.length;
    if (this.uploadId === undefined) this.uploadId = await this.createUpload();
    while (this.inFlight.size >= this.deps.partsInFlight) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    // Settled, not all: the part stays in flight until neither the upload nor the worker uses its buffer.
    const upload: Promise<void> = Promise.allSettled([this.uploadPart(partNumber, data, checksum), hashed])
      .then((outcomes) => {
        const failed = outcomes.find((outcome) => outcome.status === 'rejected');
        if (failed === undefined) {
          this.partsStored += 1;
          this.lastPartMs = this.now() - startedAt;
          this.freeBuffers.push(buffer);
          return;
        }
        const error: unknown = failed.reason;
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        this.body?.destroy();
      })
      .finally(() => this.inFlight.delete(upload));
    this.inFlight.add(upload);
  }

  private async createUpload(): Promise<string> {
    const { file } = this.payload;
    const created = await this.s3('CreateMultipartUpload', () =>
      this.deps.s3.send(
        new CreateMultipartUploadCommand({
          ...this.target,
          ChecksumAlgorithm: 'CRC32',
          ChecksumType: 'COMPOSITE',
          ContentType: file.kind === 'log' ? 'text/plain' : 'application/octet-stream',
        }),
      ),
    );
    if (!created.UploadId) {
      throw new StorageRejectedError(`S3 returned no UploadId for s3://${this.deps.bucket}/${file.key}`);
    }
    this.deps.logger.info('Started a multipart upload', {
      file: file.name,
      key: file.key,
      uploadId: created.UploadId,
      partSizeBytes: this.plan.basePartSizeBytes,
      totalBytes: this.plan.totalBytes,
    });
    return created.UploadId;
  }

  private async uploadPart(partNumber: number, data: Buffer, checksum: string): Promise<void> {
    const command = new UploadPartCommand({
      ...this.target,
      UploadId: this.uploadId,
      PartNumber: partNumber,
      Body: data,
      ContentLength: data.length,
      ChecksumCRC32: checksum,
    });
    command.middlewareStack.add(
      (next) => async (args) => {
        const { headers } = args.request as { headers?: Record<string, string> };
        if (headers !== undefined) headers['x-amz-content-sha256'] = UNSIGNED_PAYLOAD;
        return next(args);
      },
      { step: 'build', name: 'unsignedPartPayload' },
    );
    await this.s3('UploadPart', () => this.deps.s3.send(command));
  }

  /** Waits for the parts in flight; throws the first upload failure. */
  private async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for the parts in flight, ignoring their failures (the attempt is failing anyway). */
  private async settle(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private async continuation(message: string): Promise<Continuation> {
    const continuation: Continuation = {
      done: false,
      uploadId: this.uploadId as string,
      nextPartNumber: this.nextPartNumber,
      offset: this.submittedOffset,
      partSizeBytes: this.plan.basePartSizeBytes,
      totalBytes: this.plan.totalBytes,
      hashState: Buffer.from(await (this.hasher as Sha256Worker).save()).toString('base64'),
      invocations: this.invocations,
    };
    this.logDone(message, { nextPartNumber: continuation.nextPartNumber, partsStored: this.partsStored });
    return continuation;
  }

  /** Uploads the last part, completes the upload, checks the object and writes the marker tags. */
  private async finish(bytes: number): Promise<Done> {
    if (this.part !== undefined && this.fill > 0) await this.submitPart();
    await this.drain();
    const sha256 = await (this.hasher as Sha256Worker).digest();
    if (this.uploadId === undefined) {
      await this.s3('PutObject', () =>
        this.deps.s3.send(
          new PutObjectCommand({
            ...this.target,
            Body: Buffer.alloc(0),
            ChecksumCRC32: crc32Base64(Buffer.alloc(0)),
          }),
        ),
      );
    } else {
      const parts = await this.listParts(bytes);
      await this.s3('CompleteMultipartUpload', () =>
        this.deps.s3.send(
          new CompleteMultipartUploadCommand({
            ...this.target,
            UploadId: this.uploadId,
            MultipartUpload: { Parts: parts },
            MpuObjectSize: bytes,
          }),
        ),
      );
      const head = await this.s3('HeadObject', () => this.deps.s3.send(new HeadObjectCommand(this.target)));
      if (head.ContentLength !== bytes) {
        this.forceAbort = true;
        throw new TransferIncompleteError(
          `s3://${this.deps.bucket}/${this.payload.file.key} holds ${head.ContentLength} bytes after completing the upload, expected ${bytes}`,
        );
      }
    }
    const marker = { sha256, bytes, invocations: this.invocations };
    await this.s3('PutObjectTagging', () =>
      this.deps.s3.send(
        new PutObjectTaggingCommand({
          ...this.target,
          Tagging: { TagSet: markerTags(marker) },
        }),
      ),
    );
    const { name, kind, key } = this.payload.file;
    this.logDone('Copied the file', { sha256, totalBytes: bytes, parts: this.nextPartNumber - 1 });
    return { done: true, file: { name, kind, key, ...marker } };
  }

  /** Parts 1..last as S3 lists them (page by page; higher numbers, left by a killed invocation, ignored). */
  private async listParts(bytes: number): Promise<CompletedPart[]> {
    const lastPart = this.nextPartNumber - 1;
    const parts: CompletedPart[] = [];
    let storedBytes = 0;
    let marker: string | undefined;
    do {
      const page = await this.s3('ListParts', () =>
        this.deps.s3.send(
          new ListPartsCommand({ ...this.target, UploadId: this.uploadId, PartNumberMarker: marker }),
        ),
      );
      for (const part of page.Parts ?? []) {
        if (part.PartNumber === undefined || part.PartNumber > lastPart) continue;
        parts.push({
          PartNumber: part.PartNumber,
          ETag: part.ETag,
          ...(part.ChecksumCRC32 === undefined ? {} : { ChecksumCRC32: part.ChecksumCRC32 }),
        });
        storedBytes += part.Size ?? 0;
      }
      const last = page.Parts?.at(-1)?.PartNumber ?? 0;
      marker = page.IsTruncated && last < lastPart ? page.NextPartNumberMarker : undefined;
    } while (marker !== undefined);
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const contiguous =
      parts.length === lastPart && parts.every((part, index) => part.PartNumber === index + 1);
    if (!contiguous || storedBytes !== bytes) {
      this.forceAbort = true;
      throw new TransferIncompleteError(
        `the multipart upload of s3://${this.deps.bucket}/${this.payload.file.key} holds ${parts.length} of ` +
          `${lastPart} parts and ${storedBytes} of ${bytes} bytes: copying the file again`,
      );
    }
    return parts;
  }

  /**
   * Abort unless the error is retried and the upload belongs to the continuation the retry will
   * pass again: then it resumes ("TransferIncompleteError … retried, the copy resumes").
   */
  private shouldAbort(error: unknown): boolean {
    if (error instanceof UploadGone) return false;
    if (this.forceAbort) return true;
    const resumable = this.resumed !== undefined && this.uploadId === this.resumed.uploadId;
    return !(resumable && isRetryable(error));
  }

  private async abort(cause: unknown): Promise<void> {
    const { file } = this.payload;
    const context = { file: file.name, key: file.key, uploadId: this.uploadId, error: describe(cause) };
    try {
      await this.deps.s3.send(new AbortMultipartUploadCommand({ ...this.target, UploadId: this.uploadId }));
      this.deps.logger.warn('Aborted the multipart upload', context);
    } catch (error) {
      if (isNoSuchUpload(error)) return;
      this.deps.logger.error("Could not abort the multipart upload: the bucket's lifecycle rule removes it", {
        ...context,
        abortError: describe(error),
      });
    }
  }

  /** Runs one S3 call, mapping its failure; NoSuchUpload on the continuation's upload restarts the copy. */
  private async s3<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isNoSuchUpload(error) && this.resumed !== undefined && this.uploadId === this.resumed.uploadId) {
        throw new UploadGone(`S3 answered NoSuchUpload to ${operation} for upload ${this.uploadId}`, {
          cause: error,
        });
      }
      throw toStorageError(error, this.deps.bucket, this.payload.file.key);
    }
  }

  private logProgress(position: number, expectedEnd: number | null): void {
    const now = this.now();
    if (now < this.nextLogAt) return;
    this.nextLogAt = now + PROGRESS_LOG_INTERVAL_MS;
    const rate = this.rateMiBps(position, now);
    const left =
      expectedEnd === null || rate === 0 ? undefined : Math.round((expectedEnd - position) / MIB / rate);
    this.deps.logger.info('Copying', {
      file: this.payload.file.name,
      bytes: position,
      totalBytes: expectedEnd,
      MiBps: rate,
      ...(left === undefined ? {} : { remainingSeconds: left }),
    });
  }

  private logDone(message: string, extra: Record<string, unknown>): void {
    const { name, key } = this.payload.file;
    this.deps.logger.info(message, {
      file: name,
      key,
      bytes: this.submittedOffset,
      MiBps: this.rateMiBps(this.submittedOffset, this.now()),
      invocations: this.invocations,
      ...extra,
    });
  }

  /** MiB/s of this invocation, rounded to 0.1. */
  private rateMiBps(position: number, now: number): number {
    const seconds = (now - this.startedAt) / 1000;
    return seconds > 0 ? Math.round(((position - this.firstOffset) / MIB / seconds) * 10) / 10 : 0;
  }
}

/** True when S3 says the multipart upload does not exist (aborted, or completed meanwhile). */
function isNoSuchUpload(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'NoSuchUpload';
}

/** True when S3 says the object is not there. */
function isNotFound(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

function isRetryable(error: unknown): boolean {
  return error instanceof BackupError && RETRYABLE_ERRORS.includes(error.name as ErrorNameValue);
}

/**
 * Sends a part as `x-amz-content-sha256: UNSIGNED-PAYLOAD` instead of signing a SHA-256 of its bytes
 * (a second SHA-256 of every byte on the main thread, ≈ 10% of a copy's CPU). The part stays
 * protected: its `x-amz-checksum-crc32` header is signed and S3 rejects bytes that do not match it
 * (BadDigest), and the connection is TLS. Object Lock buckets accept it: a checksum header is present.
 */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** `ChecksumCRC32`: base64 of the big-endian CRC-32. */
export function crc32Base64(data: Uint8Array): string {
  return crc32ToBase64(zlib.crc32(data));
}

function crc32ToBase64(crc: number): string {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(crc);
  return bytes.toString('base64');
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`download bodies must deliver bytes, got ${typeof chunk}`);
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
