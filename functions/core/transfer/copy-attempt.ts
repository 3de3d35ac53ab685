import { randomUUID } from 'node:crypto';
import {
  BackupError,
  type ErrorNameValue,
  RETRYABLE_ERRORS,
  StorageRejectedError,
  TransferIncompleteError,
} from '../base/index.js';
import type { FileDownload } from '../ords/index.js';
import type { CopyFilePayload, CopyProgress } from '../state/index.js';
import type { CopyFileDeps } from './copy-deps.js';
import { CopyMeter, processCpuMicros, transferFigures } from './copy-meter.js';
import { crc32Combine, crc32ToBase64 } from './crc32.js';
import { checkDownload, confirmEnd, FileChanged, type Rules } from './download-checks.js';
import { MultipartUpload, type S3Target, UploadGone } from './multipart-upload.js';
import { type Part, PartReader } from './part-reader.js';
import { MIB, partSizeBytes } from './part-size.js';
import { Sha256Worker } from './sha256-worker.js';
import { checkStored, putSmallObject, writeMarker } from './stored-object.js';

type Continuation = Extract<CopyProgress, { done: false }>;
type Done = Extract<CopyProgress, { done: true }>;

/** Time between two progress logs. */
const PROGRESS_LOG_INTERVAL_MS = 10_000;

/** One attempt at copying the file within this invocation: from the continuation, or from byte 0. */
export class CopyAttempt {
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly rules: Rules;
  private upload: MultipartUpload | undefined;
  /** Part 1 of a new copy, held until the body shows whether more follows (else one PutObject). */
  private held: Part | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  /** Set when the upload must go whatever the error (S3 holds other parts than this copy sent). */
  private mustAbort = false;
  private nextPartNumber: number;
  private offset: number;
  private crc: number;
  /**
   * SHA-256 (on a worker thread) of a copy that started at byte 0 in this invocation, when the
   * database records it; dropped when the copy continues in another invocation.
   */
  private hash: Sha256Worker | undefined;
  private readonly meter: CopyMeter;
  /** The file's size when known, for the SHA-256 decision. */
  private fileEnd: number | null = null;
  private partsStored = 0;
  private lastPartMs: number | undefined;
  private nextLogAt: number;
  /** The new upload's token (`write-once.ts`); a resumed one keeps its continuation's, if any. */
  private readonly copyToken: string | undefined;

  constructor(
    private readonly deps: CopyFileDeps,
    private readonly payload: CopyFilePayload,
    private readonly target: S3Target,
    private readonly invocations: number,
    private readonly resumed: Continuation | undefined,
  ) {
    this.now = deps.now ?? Date.now;
    this.startedAt = this.now();
    this.nextLogAt = this.startedAt + PROGRESS_LOG_INTERVAL_MS;
    this.nextPartNumber = resumed?.nextPartNumber ?? 1;
    this.offset = resumed?.offset ?? 0;
    this.crc = resumed?.crc32 ?? 0;
    this.hash = resumed === undefined && deps.recordSha256 ? Sha256Worker.start() : undefined;
    this.meter = new CopyMeter(
      this.now,
      deps.cpuMicros ?? processCpuMicros,
      this.offset,
      resumed?.copyMs ?? 0,
    );
    this.rules = {
      file: payload.file,
      offset: this.offset,
      resumed,
      minPartSizeBytes: deps.minPartSizeBytes,
      maxFileBytes: deps.maxFileBytes,
      partSizeFloorBytes: deps.partSizeFloorBytes,
      budget: { now: this.now, leftMs: () => deps.remainingTimeMs() - deps.safetyMarginMs },
    };
    if (resumed !== undefined) this.upload = MultipartUpload.resume(target, resumed.uploadId);
    this.copyToken = resumed === undefined ? randomUUID() : resumed.copyToken;
  }

  async run(): Promise<CopyProgress> {
    const { job, file } = this.payload;
    let download: FileDownload | undefined;
    try {
      const validator = this.resumed?.validator;
      download = await this.deps.ords.downloadFile(job.owner, job.jobName, file.name, {
        offset: this.offset,
        ...(validator ? { ifRange: validator } : {}),
      });
      const checked = checkDownload(this.rules, download, this.deps.logger);
      this.fileEnd = checked.fileEnd;
      const reader = new PartReader({
        body: download.body,
        fileName: file.name,
        start: download.start,
        offset: this.offset,
        firstPartNumber: this.nextPartNumber,
        partSize: (n) => partSizeBytes(checked.plan, n),
        expectedEnd: checked.bodyEnd,
        limitBytes: checked.limitBytes,
        onSkip: checked.onSkip,
        onChunk: (position) => this.logProgress(position, checked.fileEnd),
        shared: this.hash !== undefined,
      });
      const outcome = await this.pump(reader, checked.fileEnd);
      download.body.destroy();
      await this.drain();
      if (outcome === 'end') {
        const end = reader.bytesRead;
        const { ords, serverFileSize, logger } = this.deps;
        const validator = download.validator;
        const confirmedBy = await confirmEnd(
          this.rules,
          ords,
          job,
          end,
          checked,
          validator,
          serverFileSize,
          logger,
        );
        return await this.finish(end, checked.plan.basePartSizeBytes, confirmedBy);
      }
      if (outcome !== 'stop') {
        if (this.partsStored === 0) throw outcome;
        this.deps.logger.warn(`${outcome.message}: continuing from the last stored part next invocation`, {
          file: file.name,
        });
      }
      await this.hash?.close();
      return this.continuation(checked.plan, download.validator ?? this.resumed?.validator ?? null);
    } catch (error) {
      download?.body.destroy();
      await Promise.all(this.inFlight);
      await this.hash?.close();
      const mapped = this.mapGone(error);
      if (this.upload !== undefined && this.shouldAbort(mapped)) {
        await this.upload.abort(this.deps.logger, { file: file.name, error: describe(mapped) });
      }
      throw mapped;
    }
  }

  /** Reads parts and hands each to S3 until the body ends, time is up, or the download breaks. */
  private async pump(
    reader: PartReader,
    fileEnd: number | null,
  ): Promise<'end' | 'stop' | TransferIncompleteError> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      // The end of the body is read in the same invocation as the last part: no continuation at the end.
      if (this.held === undefined && !reader.atEnd && this.timeIsUp()) return 'stop';
      const readStartedAt = this.now();
      let part: Part | null;
      try {
        part = await reader.next();
      } catch (error) {
        if (this.failure !== undefined) throw this.failure;
        if (error instanceof TransferIncompleteError && this.partsStored + this.inFlight.size > 0)
          return error;
        throw error;
      }
      if (part === null) return 'end';
      const mayBeWhole = fileEnd === null || fileEnd === part.data.length;
      if (part.partNumber === 1 && mayBeWhole && this.upload === undefined && this.held === undefined) {
        this.held = part;
        continue;
      }
      if (this.held !== undefined) {
        const first = this.held;
        this.held = undefined;
        await this.submit(first, reader, readStartedAt);
      }
      await this.submit(part, reader, readStartedAt);
    }
  }

  /** True when a new part should not start: less time is left than a part takes. Never before the first. */
  private timeIsUp(): boolean {
    if (this.lastPartMs === undefined && this.partsStored + this.inFlight.size === 0) return false;
    const left = this.rules.budget.leftMs();
    return left <= 0 || left < (this.lastPartMs ?? this.now() - this.startedAt);
  }

  /** Starts the part's upload once a slot is free (the download waits meanwhile). */
  private async submit(part: Part, reader: PartReader, readStartedAt: number): Promise<void> {
    if (this.upload === undefined) {
      this.upload = await MultipartUpload.create(
        this.target,
        contentTypeOf(this.payload.file.kind),
        this.copyToken ?? randomUUID(),
      );
      this.deps.logger.info('Started a multipart upload', {
        file: this.payload.file.name,
        key: this.target.key,
        uploadId: this.upload.uploadId,
      });
    }
    this.crc = crc32Combine(this.crc, part.crc, part.data.length);
    this.nextPartNumber = part.partNumber + 1;
    this.offset = part.offset + part.data.length;
    this.dropHashUnlessItCanFinish();
    while (this.inFlight.size >= this.deps.partsInFlight) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    // The worker hashes the part's buffer in place while it uploads: the buffer is reused (and the
    // slot freed) once both are done, so a slow hash holds the download back instead of memory growing.
    const hashing = this.hash?.update(part.data);
    const uploading: Promise<void> = this.upload
      .uploadPart(part.partNumber, part.data, part.crc)
      .then(
        async () => {
          this.partsStored += 1;
          this.lastPartMs = this.now() - readStartedAt;
          await hashing;
          reader.release(part);
        },
        (error: unknown) => {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        },
      )
      .finally(() => this.inFlight.delete(uploading));
    this.inFlight.add(uploading);
  }

  /**
   * Stops the SHA-256 (≈ 0.6 CPU-s/GiB on its worker) once the rate so far shows that the file
   * cannot end in this invocation: a SHA-256 state cannot cross invocations, so it is only recorded
   * for a file copied in one.
   */
  private dropHashUnlessItCanFinish(): void {
    // Judged from the second part on: the rate of the first includes the connection's start.
    if (this.hash === undefined || this.fileEnd === null || this.nextPartNumber <= 2) return;
    const elapsedMs = this.now() - this.startedAt;
    if (elapsedMs <= 0) return;
    const needMs = (this.fileEnd - this.offset) / (this.offset / elapsedMs);
    if (needMs <= this.rules.budget.leftMs()) return;
    void this.hash.close();
    this.hash = undefined;
    this.deps.logger.info('The file will not be copied within this invocation: no SHA-256 for it', {
      file: this.payload.file.name,
      bytes: this.offset,
      totalBytes: this.fileEnd,
    });
  }

  private async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  private continuation(
    plan: { basePartSizeBytes: number; totalBytes: number | null },
    validator: string | null,
  ) {
    const continuation: Continuation = {
      done: false,
      uploadId: (this.upload as MultipartUpload).uploadId,
      nextPartNumber: this.nextPartNumber,
      offset: this.offset,
      partSizeBytes: plan.basePartSizeBytes,
      totalBytes: plan.totalBytes,
      crc32: this.crc,
      validator,
      invocations: this.invocations,
      copyMs: this.meter.totalMs(),
      ...(this.copyToken === undefined ? {} : { copyToken: this.copyToken }),
    };
    this.logDone('Continuing in the next invocation', { nextPartNumber: this.nextPartNumber });
    return continuation;
  }

  /** Stores the last part, completes the upload, checks S3's checksum and size, writes the marker. */
  private async finish(
    bytes: number,
    partSizeBytesUsed: number,
    endConfirmedBy: 'rest-enabled-sql' | null = null,
  ): Promise<Done> {
    const { name, kind, key } = this.payload.file;
    let versionId: string | undefined;
    if (this.upload === undefined) {
      const data = this.held?.data ?? Buffer.alloc(0);
      await this.hash?.update(data);
      this.crc = this.held?.crc ?? 0;
      versionId = await putSmallObject(this.target, data, this.crc, contentTypeOf(kind));
    } else {
      this.mustAbort = true;
      const parts = await this.upload.listParts(this.nextPartNumber - 1, bytes);
      versionId = await this.upload.complete(parts, this.crc, bytes);
      this.mustAbort = false;
    }
    const value = crc32ToBase64(this.crc);
    const state = await checkStored(this.target, { crc32: value, bytes });
    versionId ??= state.versionId;
    const sha256 = (await this.hash?.digest()) ?? undefined;
    if (this.hash?.failed !== undefined) {
      this.deps.logger.warn('The SHA-256 worker failed: the file is recorded with its CRC-32 alone', {
        file: name,
        error: describe(this.hash.failed),
      });
    }
    const transferMs = this.meter.totalMs();
    const transfer = transferFigures(bytes, transferMs);
    const marker = {
      crc32: value,
      bytes,
      invocations: this.invocations,
      ...(sha256 ? { sha256 } : {}),
      transferMs,
    };
    await writeMarker(this.target, marker);
    this.logDone('Copied the file', {
      crc32: value,
      sha256,
      totalBytes: bytes,
      partSizeBytes: partSizeBytesUsed,
      transferMiBps: transfer.transferMiBps,
    });
    return {
      done: true,
      file: {
        name,
        kind,
        key,
        bytes,
        checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value },
        ...(versionId === undefined ? {} : { versionId }),
        ...(sha256 === undefined ? {} : { sha256 }),
        invocations: this.invocations,
        ...(endConfirmedBy ? { endConfirmedBy } : {}),
        ...transfer,
      },
    };
  }

  /** NoSuchUpload restarts the copy only for the continuation's upload; otherwise it is a retried failure. */
  private mapGone(error: unknown): unknown {
    if (!(error instanceof UploadGone)) return error;
    if (this.resumed !== undefined && error.uploadId === this.resumed.uploadId) return error;
    return new TransferIncompleteError(error.message, { cause: error });
  }

  /** Abort unless the error is retried and the upload is the continuation's: the retry resumes it. */
  private shouldAbort(error: unknown): boolean {
    if (error instanceof UploadGone) return false;
    if (this.mustAbort || error instanceof FileChanged) return true;
    const resumable = this.resumed !== undefined && this.upload?.uploadId === this.resumed.uploadId;
    return !(resumable && isRetryable(error));
  }

  private logProgress(position: number, fileEnd: number | null): void {
    const now = this.now();
    if (now < this.nextLogAt) return;
    this.nextLogAt = now + PROGRESS_LOG_INTERVAL_MS;
    const mibps = this.meter.rateMiBps(position);
    const left = fileEnd === null || mibps === 0 ? undefined : Math.round((fileEnd - position) / MIB / mibps);
    this.deps.logger.info('Copying', {
      file: this.payload.file.name,
      bytes: position,
      totalBytes: fileEnd,
      MiBps: mibps,
      cpuSecondsPerGiB: this.meter.cpuSecondsPerGiB(position),
      ...(left === undefined ? {} : { remainingSeconds: left }),
    });
  }

  private logDone(message: string, extra: Record<string, unknown>): void {
    this.deps.logger.info(message, {
      file: this.payload.file.name,
      key: this.target.key,
      bytes: this.offset,
      MiBps: this.meter.rateMiBps(this.offset),
      cpuSecondsPerGiB: this.meter.cpuSecondsPerGiB(this.offset),
      invocations: this.invocations,
      partsStored: this.partsStored,
      ...extra,
    });
  }
}

function contentTypeOf(kind: 'dump' | 'log'): string {
  return kind === 'log' ? 'text/plain' : 'application/octet-stream';
}

function isRetryable(error: unknown): boolean {
  if (error instanceof StorageRejectedError) return false;
  return error instanceof BackupError && RETRYABLE_ERRORS.includes(error.name as ErrorNameValue);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
