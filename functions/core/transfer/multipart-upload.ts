import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { TransferIncompleteError, toStorageError } from '../base/index.js';
import type { Logger } from '../ords/index.js';
import { type ObjectTag, taggingHeader } from '../retention/index.js';
import { crc32ToBase64 } from './crc32.js';
import { COPY_TOKEN_METADATA, foreignObjectError, isPreconditionFailed } from './write-once.js';

/**
 * One S3 multipart upload with a FULL_OBJECT CRC-32: S3 combines the parts' CRC-32s itself and, at
 * CompleteMultipartUpload, answers BadDigest unless the whole-object value sent matches.
 * S3 failures become project errors (`toStorageError`); NoSuchUpload becomes `UploadGone`.
 */

/** Where the object goes. */
export interface S3Target {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** Tags the object is written with (its retention tier, `retention/`). @default - none */
  readonly tags?: readonly ObjectTag[];
}

/** Thrown when S3 no longer knows the upload (aborted, expired, or completed meanwhile). */
export class UploadGone extends Error {
  constructor(
    readonly uploadId: string,
    operation: string,
    options?: ErrorOptions,
  ) {
    super(`S3 answered NoSuchUpload to ${operation} for upload ${uploadId}`, options);
    this.name = 'UploadGone';
  }
}

export class MultipartUpload {
  private constructor(
    private readonly target: S3Target,
    readonly uploadId: string,
  ) {}

  /**
   * Starts a new upload that declares `ChecksumType: FULL_OBJECT` with CRC-32, its object carrying
   * `copyToken` as metadata: how a retry recognises the object its own upload completed.
   */
  static async create(target: S3Target, contentType: string, copyToken: string): Promise<MultipartUpload> {
    const { s3, bucket, key } = target;
    let uploadId: string | undefined;
    try {
      const created = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ChecksumAlgorithm: 'CRC32',
          ChecksumType: 'FULL_OBJECT',
          ContentType: contentType,
          Metadata: { [COPY_TOKEN_METADATA]: copyToken },
          ...(target.tags ? { Tagging: taggingHeader(target.tags) } : {}),
        }),
      );
      uploadId = created.UploadId;
    } catch (error) {
      throw toStorageError(error, bucket, key);
    }
    if (!uploadId) throw toStorageError(new Error('S3 returned no UploadId'), bucket, key);
    return new MultipartUpload(target, uploadId);
  }

  /** An upload a continuation names. */
  static resume(target: S3Target, uploadId: string): MultipartUpload {
    return new MultipartUpload(target, uploadId);
  }

  /**
   * Uploads one part with its CRC-32. The body is a Buffer with a precomputed checksum header: a
   * stream with an SDK-computed checksum is sent aws-chunked, which s3rver stores framing and all.
   */
  async uploadPart(partNumber: number, data: Buffer, crc: number): Promise<void> {
    const command = new UploadPartCommand({
      Bucket: this.target.bucket,
      Key: this.target.key,
      UploadId: this.uploadId,
      PartNumber: partNumber,
      Body: data,
      ContentLength: data.length,
      ChecksumCRC32: crc32ToBase64(crc),
    });
    command.middlewareStack.add(
      (next) => async (args) => {
        const { headers } = args.request as { headers?: Record<string, string> };
        if (headers !== undefined) headers['x-amz-content-sha256'] = UNSIGNED_PAYLOAD;
        return next(args);
      },
      { step: 'build', name: 'unsignedPartPayload' },
    );
    await this.call('UploadPart', () => this.target.s3.send(command));
  }

  /**
   * Parts 1…lastPart as S3 lists them, checked contiguous and holding `bytes` in all (higher
   * numbers, left by a killed invocation, are ignored). Throws TransferIncompleteError otherwise.
   */
  async listParts(lastPart: number, bytes: number): Promise<CompletedPart[]> {
    const { s3, bucket, key } = this.target;
    const parts: CompletedPart[] = [];
    let storedBytes = 0;
    let marker: string | undefined;
    do {
      const page = await this.call('ListParts', () =>
        s3.send(
          new ListPartsCommand({
            Bucket: bucket,
            Key: key,
            UploadId: this.uploadId,
            PartNumberMarker: marker,
          }),
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
      throw new TransferIncompleteError(
        `the multipart upload of s3://${bucket}/${key} holds ${parts.length} of ${lastPart} parts and ` +
          `${storedBytes} of ${bytes} bytes: copying the file again`,
      );
    }
    return parts;
  }

  /**
   * Completes the upload with the whole-object CRC-32 and size, only if the key holds nothing
   * (`If-None-Match: *`; a foreign object there fails the copy and is kept); returns the version id.
   */
  async complete(parts: CompletedPart[], crc: number, bytes: number): Promise<string | undefined> {
    const { s3, bucket, key } = this.target;
    const completed = await this.call('CompleteMultipartUpload', () =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: parts },
          ChecksumCRC32: crc32ToBase64(crc),
          ChecksumType: 'FULL_OBJECT',
          MpuObjectSize: bytes,
          IfNoneMatch: '*',
        }),
      ),
    );
    return completed.VersionId;
  }

  /** Aborts the upload; an upload already gone is fine, any other failure is logged (lifecycle rule cleans up). */
  async abort(logger: Logger, context: Record<string, unknown>): Promise<void> {
    const { s3, bucket, key } = this.target;
    const where = { key, uploadId: this.uploadId, ...context };
    try {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId }));
      logger.warn('Aborted the multipart upload', where);
    } catch (error) {
      if (isNoSuchUpload(error)) return;
      logger.error("Could not abort the multipart upload: the bucket's lifecycle rule removes it", {
        ...where,
        abortError: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isNoSuchUpload(error)) throw new UploadGone(this.uploadId, operation, { cause: error });
      if (isPreconditionFailed(error)) throw await foreignObjectError(this.target, error);
      throw toStorageError(error, this.target.bucket, this.target.key);
    }
  }
}

/** True when S3 says the multipart upload does not exist (aborted, or completed meanwhile). */
export function isNoSuchUpload(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'NoSuchUpload';
}

/**
 * Sends a part as `x-amz-content-sha256: UNSIGNED-PAYLOAD` instead of signing a SHA-256 of its bytes
 * (a second SHA-256 of every byte, ≈ 0.6 CPU-s/GiB). The part stays protected: its signed
 * `x-amz-checksum-crc32` header makes S3 reject other bytes (BadDigest), the whole object is checked
 * again at Complete (FULL_OBJECT), and the connection is TLS. Object Lock buckets accept it: a
 * checksum header is present.
 */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
