import { z } from 'zod';
import { FileToCopySchema, JobRefSchema, TaskTargetShape } from './payloads.js';

/** The copy's part of the state machine's data contract: stored files, copy progress, "Copy file". */

/** A base64 `ChecksumCRC32` value: the big-endian CRC-32 of the bytes. */
const CRC32_BASE64 = /^[A-Za-z0-9+/]{6}==$/;

/** The whole-object checksum S3 computed, verified and stores with the object. */
export const ObjectChecksumSchema = z.object({
  algorithm: z.literal('CRC32'),
  type: z.literal('FULL_OBJECT'),
  /** Base64 of the big-endian CRC-32, as S3 shows it (`x-amz-checksum-crc32`). */
  value: z.string().regex(CRC32_BASE64),
});
export type ObjectChecksum = z.output<typeof ObjectChecksumSchema>;

/** A file stored in S3, as the manifest lists it. */
export const StoredFileSchema = z.object({
  name: z.string(),
  kind: z.enum(['dump', 'log']),
  key: z.string(),
  bytes: z.number().int().min(0),
  checksum: ObjectChecksumSchema,
  /** The object's version when the bucket is versioned. */
  versionId: z.string().min(1).optional(),
  /**
   * SHA-256 (hex) of the file, recorded when the database records it (`recordSha256`) and the file
   * was copied within one invocation.
   */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  invocations: z.number().int().min(1),
  /**
   * `rest-enabled-sql` when ORDS sent the file chunked, ignored `Range`, and only the database's own
   * size of the file (REST-enabled SQL) confirmed its end: the `size-from-rest-sql` fallback.
   */
  endConfirmedBy: z.literal('rest-enabled-sql').optional(),
  /**
   * Time spent copying the file, over all its invocations (not the waits between them), in seconds;
   * absent for a file found already stored by an earlier attempt.
   */
  transferSeconds: z.number().min(0).optional(),
  /** The file's transfer rate: `bytes` over `transferSeconds`, in MiB/s. */
  transferMiBps: z.number().min(0).optional(),
});
export type StoredFile = z.output<typeof StoredFileSchema>;

/** Where a file's copy stands between two invocations of "Copy file". */
export const CopyProgressSchema = z.discriminatedUnion('done', [
  z.object({
    done: z.literal(false),
    uploadId: z.string().min(1),
    /** The next part number to upload (1-based). */
    nextPartNumber: z.number().int().min(1).max(10_000),
    /** Bytes already stored, i.e. where the next download starts. */
    offset: z.number().int().min(0),
    partSizeBytes: z.number().int().min(1),
    /** The file's size when ORDS announced it, else null. */
    totalBytes: z.number().int().min(0).nullable(),
    /**
     * CRC-32 of the bytes stored so far (parts 1 … nextPartNumber − 1, combined in order). Absent in
     * continuations written before it replaced `hashState`: such a copy restarts from byte 0.
     */
    crc32: z.number().int().min(0).max(0xffff_ffff).optional(),
    /** The file's ETag or Last-Modified at the first download, sent back as `If-Range`; null if none. */
    validator: z.string().min(1).nullable().optional(),
    /** Invocations used so far. */
    invocations: z.number().int().min(1),
    /** Milliseconds spent copying the file so far; absent in continuations written before it. */
    copyMs: z.number().int().min(0).optional(),
    /**
     * The random token the upload's object carries as metadata (`copy-token`): how a retry after an
     * invocation killed once the upload completed recognises its own object. Absent in continuations
     * written before it: such a retry trusts the marker tags, as before.
     */
    copyToken: z.string().min(1).optional(),
  }),
  z.object({ done: z.literal(true), file: StoredFileSchema }),
]);
export type CopyProgress = z.output<typeof CopyProgressSchema>;

/** Payload of "Copy file": one Map iteration's state. `progress` is absent on the first call. */
export const CopyFilePayloadSchema = z.object({
  ...TaskTargetShape,
  job: JobRefSchema,
  file: FileToCopySchema,
  progress: CopyProgressSchema.optional(),
});
export type CopyFilePayload = z.output<typeof CopyFilePayloadSchema>;
