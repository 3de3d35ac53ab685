import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createSHA256, type IHasher } from 'hash-wasm';
import { z } from 'zod';
import { BackupError, ErrorName, toStorageError } from '../base/index.js';
import type { StoredFileSchema } from '../state/index.js';
import { crc32 as crc32Of, crc32ToBase64 } from '../transfer/index.js';

/**
 * The check of a backup's dump files in S3 before a restore, in as many calls as it takes: each
 * file's size and FULL_OBJECT CRC-32 from S3's own record (HeadObject), then its bytes read back:
 * size and CRC-32 again, and their SHA-256 kept for the database's own digest of the file on the
 * server. A call reads until `shouldStop()` says its time is spent (after `minBytesPerCall` at
 * least, so every call moves forward) and returns where it stopped; the next call goes on from
 * there with a ranged GET of the same object version (`VersionId`, else `If-Match` on the ETag the
 * first HeadObject saw), so a file replaced meanwhile fails the check instead of mixing two objects.
 *
 * Hand-written state, library hash: the SHA-256 must cross invocations (a 100 GB file outlasts a
 * 15-minute Lambda invocation), and Node's native hash cannot save its state. hash-wasm's SHA-256
 * can (`save()` / `load()`, a few hundred bytes), at ≈ 170 MiB/s on one core here: faster than one
 * S3 stream into Lambda, so the check stays bound by S3.
 */

/** A dump file of the backup, checked in S3. */
export const SourceFileSchema = z.object({
  name: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  bytes: z.number().int().min(0),
  /** Hex SHA-256 of the bytes read from S3 (which matched the manifest's CRC-32). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SourceFile = z.output<typeof SourceFileSchema>;

/** How far the check got, carried by the state between calls (`checking`). */
export const SourceCheckSchema = z.object({
  /** The manifest's ETag when the check began: a manifest replaced meanwhile fails the check. */
  manifestEtag: z.string().min(1),
  /** The dump files checked so far, in the manifest's order. */
  files: z.array(SourceFileSchema),
  /** The file being read, where the last call stopped. */
  current: z
    .object({
      offset: z.number().int().min(0),
      crc32: z.number().int().min(0).max(0xffffffff),
      /** hash-wasm's saved SHA-256 state, base64. */
      sha256State: z.string().min(1),
      /** The ETag HeadObject showed: the ranged reads that follow must get the same object. */
      etag: z.string().min(1),
    })
    .optional(),
  /** For the console: bytes checked of all dump files so far, and in all. */
  checkedBytes: z.number().int().min(0),
  totalBytes: z.number().int().min(0),
});
export type SourceCheck = z.output<typeof SourceCheckSchema>;

/** A manifest's dump file entry, as the check reads it. */
export type DumpEntry = Pick<
  z.output<typeof StoredFileSchema>,
  'name' | 'key' | 'versionId' | 'bytes' | 'checksum' | 'sha256'
>;

/** When a call hands on. */
export interface CheckBudget {
  /** True when the invocation's time is nearly spent. @default never */
  readonly shouldStop?: () => boolean;
  /** Bytes a call reads at least before it honours `shouldStop`. @default DEFAULT_CHECK_MIN_BYTES */
  readonly minBytesPerCall?: number;
  readonly onProgress?: (line: string) => void;
}

/** 64 MiB: well under a second of S3 inside a region, and few calls for the console. */
export const DEFAULT_CHECK_MIN_BYTES = 64 * 1024 * 1024;

const failed = (message: string) => new BackupError(ErrorName.RestoreFailed, message);

/**
 * Checks the dump files from where `progress` stopped (all of them without it); `done: false` with
 * the progress when the budget ran out first. Throws `RestoreFailedError` naming the first problem.
 */
export async function checkDumpFiles(
  s3: Pick<S3Client, 'send'>,
  where: { readonly bucket: string; readonly manifestEtag: string },
  dumps: readonly DumpEntry[],
  progress: SourceCheck | undefined,
  budget: CheckBudget = {},
): Promise<
  | { readonly done: true; readonly files: SourceFile[] }
  | { readonly done: false; readonly progress: SourceCheck }
> {
  const files = [...(progress?.files ?? [])];
  assertSameFiles(where.bucket, dumps, files);
  const totalBytes = dumps.reduce((sum, file) => sum + file.bytes, 0);
  const stop = budget.shouldStop ?? (() => false);
  const minBytes = budget.minBytesPerCall ?? DEFAULT_CHECK_MIN_BYTES;
  let current = progress?.current;
  let moved = 0;
  const pause = (): { done: false; progress: SourceCheck } => {
    if (!where.manifestEtag) {
      throw failed(
        `S3 answered the manifest in s3://${where.bucket} without an ETag: its check cannot span calls`,
      );
    }
    return {
      done: false,
      progress: {
        manifestEtag: where.manifestEtag,
        files,
        ...(current ? { current } : {}),
        checkedBytes: files.reduce((sum, file) => sum + file.bytes, 0) + (current?.offset ?? 0),
        totalBytes,
      },
    };
  };
  for (const file of dumps.slice(files.length)) {
    if (current === undefined) {
      if (moved >= minBytes && stop()) return pause();
      current = await firstLook(s3, where.bucket, file);
      budget.onProgress?.(`Checking s3://${where.bucket}/${file.key} (${file.bytes} bytes)`);
    }
    const hasher = await hasherAt(current, budget.onProgress);
    if (hasher.restarted) current = { ...current, offset: 0, crc32: 0 };
    const before = current.offset;
    current = await readOn(
      s3,
      where.bucket,
      file,
      current,
      hasher.hasher,
      (bytesRead) => moved + bytesRead >= minBytes && stop(),
    );
    moved += current.offset - before;
    if (current.offset < file.bytes) return pause();
    files.push(finished(where.bucket, file, current, hasher.hasher));
    current = undefined;
  }
  return { done: true, files };
}

/** The files already checked must be the manifest's first dump files, or the progress is not its own. */
function assertSameFiles(bucket: string, dumps: readonly DumpEntry[], files: readonly SourceFile[]) {
  files.forEach((file, index) => {
    const dump = dumps[index];
    if (dump?.key !== file.key || dump.bytes !== file.bytes) {
      throw failed(
        `The check's progress names s3://${bucket}/${file.key} (${file.bytes} bytes) as dump file ${index + 1}, ` +
          `but the manifest lists ${dump ? `${dump.key} (${dump.bytes} bytes)` : 'fewer files'}: start the restore again`,
      );
    }
  });
}

/** HeadObject against the manifest: size and CRC-32 as S3 recorded them; the ETag pins the object. */
async function firstLook(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  file: DumpEntry,
): Promise<NonNullable<SourceCheck['current']>> {
  const where = `s3://${bucket}/${file.key}`;
  let head: { ContentLength?: number; ChecksumCRC32?: string; ETag?: string };
  try {
    head = await s3.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: file.key,
        ChecksumMode: 'ENABLED',
        ...(file.versionId === undefined ? {} : { VersionId: file.versionId }),
      }),
    );
  } catch (error) {
    throw toStorageError(error, bucket, file.key);
  }
  if (head.ContentLength !== file.bytes) {
    throw failed(`${where}: S3 holds ${head.ContentLength} bytes, the manifest ${file.bytes}`);
  }
  if (head.ChecksumCRC32 !== file.checksum.value) {
    throw failed(
      `${where}: S3 shows CRC32 ${head.ChecksumCRC32 ?? 'none'}, the manifest ${file.checksum.value}`,
    );
  }
  if (!head.ETag) throw failed(`${where}: S3 answered HeadObject without an ETag`);
  const hasher = await createSHA256();
  hasher.init();
  return { offset: 0, crc32: 0, sha256State: Buffer.from(hasher.save()).toString('base64'), etag: head.ETag };
}

/**
 * The SHA-256 where the last call left it. A state this build cannot load (written by another
 * hash-wasm version, during an upgrade) restarts the file from its first byte: slower, never wrong.
 */
async function hasherAt(
  current: NonNullable<SourceCheck['current']>,
  onProgress: ((line: string) => void) | undefined,
): Promise<{ hasher: IHasher; restarted: boolean }> {
  const hasher = await createSHA256();
  try {
    hasher.load(Buffer.from(current.sha256State, 'base64'));
    return { hasher, restarted: false };
  } catch {
    onProgress?.(
      `The saved SHA-256 state does not load (another hash-wasm version?): the file's check starts over`,
    );
    hasher.init();
    return { hasher, restarted: current.offset > 0 };
  }
}

/**
 * Reads the file from `state.offset` until its end or until `stop(bytes read in this call)`; returns
 * the state where it stopped.
 */
async function readOn(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  file: DumpEntry,
  state: NonNullable<SourceCheck['current']>,
  hasher: IHasher,
  stop: (bytesRead: number) => boolean,
): Promise<NonNullable<SourceCheck['current']>> {
  const where = `s3://${bucket}/${file.key}`;
  const start = state.offset;
  let { offset, crc32 } = state;
  if (offset < file.bytes) {
    try {
      const object = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: file.key,
          ...(file.versionId ? { VersionId: file.versionId } : { IfMatch: state.etag }),
          ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
        }),
      );
      if (offset > 0 && !object.ContentRange?.startsWith(`bytes ${offset}-`)) {
        throw failed(
          `${where}: S3 answered a read from byte ${offset} with ${object.ContentRange ?? 'the whole object'}`,
        );
      }
      // Leaving the loop early destroys the body: the rest of the object is not downloaded.
      for await (const chunk of object.Body as AsyncIterable<Uint8Array>) {
        crc32 = crc32Of(chunk, crc32);
        hasher.update(chunk);
        offset += chunk.length;
        if (offset > file.bytes || (offset < file.bytes && stop(offset - start))) break;
      }
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) {
        throw failed(
          `${where} was replaced while the restore was checking it (its ETag is no longer ${state.etag}): ` +
            'start the restore again',
        );
      }
      throw toStorageError(error, bucket, file.key);
    }
  }
  return { ...state, offset, crc32, sha256State: Buffer.from(hasher.save()).toString('base64') };
}

/** The file read to its end: size, CRC-32 and (when recorded) SHA-256 against the manifest. */
function finished(
  bucket: string,
  file: DumpEntry,
  state: NonNullable<SourceCheck['current']>,
  hasher: IHasher,
): SourceFile {
  const where = `s3://${bucket}/${file.key}`;
  const crc32 = crc32ToBase64(state.crc32);
  if (state.offset !== file.bytes || crc32 !== file.checksum.value) {
    throw failed(
      `${where}: the bytes read back (${state.offset}, CRC32 ${crc32}) do not match the manifest ` +
        `(${file.bytes}, CRC32 ${file.checksum.value}): the object is damaged; restore another backup`,
    );
  }
  const digest = hasher.digest('hex');
  if (file.sha256 !== undefined && digest !== file.sha256) {
    throw failed(`${where}: the bytes read back have SHA-256 ${digest}, the manifest ${file.sha256}`);
  }
  return {
    name: file.name,
    key: file.key,
    ...(file.versionId === undefined ? {} : { versionId: file.versionId }),
    bytes: state.offset,
    sha256: digest,
  };
}
