import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { MANIFEST_VERSION } from '../../functions/core/manifest/index.js';
import { TIERS } from '../../functions/core/retention/index.js';
import { type StoredFile, StoredFileSchema } from '../../functions/core/state/index.js';
import { crc32 } from '../../functions/core/transfer/index.js';
import {
  type ConsistencyClaim,
  checkLogScn,
  type LogScnCheck,
  readConsistencyClaim,
} from './verify-consistency.js';

/**
 * Checks a backup against S3: every file its manifest lists must be in the bucket with the size and
 * the FULL_OBJECT CRC-32 recorded; with `download`, each object is also read whole and its CRC-32
 * (and SHA-256, when recorded) computed again from the bytes received.
 */

export interface VerifyOptions {
  readonly s3: S3Client;
  /** `s3://bucket/key` of a manifest.json. */
  readonly manifestUri: string;
  readonly download: boolean;
  /**
   * Check the replicas in the off-site bucket (`offsiteCopy`) instead of the objects themselves: the
   * manifest is read from its own bucket, each file from this one, by the same key (replication
   * keeps keys, version ids and checksums). @default - the manifest's bucket
   */
  readonly offsite?: { readonly s3: S3Client; readonly bucket: string };
}

/** The outcome for one listed file: `problems` empty when it matches. */
export interface FileVerdict {
  readonly key: string;
  readonly bytes: number;
  readonly problems: readonly string[];
}

export interface VerifyResult {
  /** The bucket the files were checked in: the manifest's, or the off-site one. */
  readonly bucket: string;
  /** The backup's retention tier and first possible deletion, when the manifest records them. */
  readonly retention?: { readonly tier: string; readonly deletableFrom: string };
  readonly files: readonly FileVerdict[];
  /** What the manifest claims about consistency (a manifest without it: per-table, not recorded). */
  readonly consistency: ConsistencyClaim;
  /** The stored log's SCN line against the claim; `checked` only with `download` (the log is read then). */
  readonly logScn: LogScnCheck;
  readonly ok: boolean;
}

/** Bytes of a log verify keeps to check its SCN line: the marker is written before the job's first object. */
const MAX_LOG_TEXT_BYTES = 16 * 1024 * 1024;

/** What a manifest records about retention (written with retention tiers). */
const RetentionSchema = z.object({ tier: z.enum(TIERS), deletableFrom: z.string().datetime() });

/** Splits `s3://bucket/key`; throws a RangeError naming the value otherwise. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new RangeError(`expected s3://<bucket>/<key>, got "${uri}"`);
  return { bucket: match[1] as string, key: match[2] as string };
}

export async function verifyManifest(options: VerifyOptions): Promise<VerifyResult> {
  const { s3 } = options;
  const { bucket, key } = parseS3Uri(options.manifestUri);
  const text = await readText(s3, bucket, key);
  let files: StoredFile[];
  let version: unknown;
  let retention: VerifyResult['retention'];
  let consistency: ConsistencyClaim;
  let runId: string | undefined;
  try {
    const manifest = JSON.parse(text) as {
      files?: unknown;
      manifestVersion?: unknown;
      retention?: unknown;
      consistency?: unknown;
      runId?: unknown;
    };
    files = StoredFileSchema.array().parse(manifest.files);
    version = manifest.manifestVersion;
    retention = RetentionSchema.optional().parse(manifest.retention);
    consistency = readConsistencyClaim(manifest.consistency);
    runId = typeof manifest.runId === 'string' ? manifest.runId : undefined;
  } catch (error) {
    throw new Error(`s3://${bucket}/${key} is not a manifest with a files list: ${(error as Error).message}`);
  }
  // Version 2 introduced the FULL_OBJECT checksums checked here; a newer version may mean otherwise.
  if (typeof version !== 'number' || version < 2 || version > MANIFEST_VERSION) {
    throw new Error(
      `s3://${bucket}/${key} has manifestVersion ${JSON.stringify(version)}; this verify reads versions 2 to ` +
        `${MANIFEST_VERSION}. Update ords-datapump-backup to read a newer manifest.`,
    );
  }
  const target = options.offsite ?? { s3, bucket };
  const verdicts: FileVerdict[] = [];
  let log: { key: string; text: string } | undefined;
  for (const file of files) {
    const keepText = file.kind === 'log' && log === undefined;
    const verdict = await verifyFile(target.s3, target.bucket, file, options.download, keepText);
    if (verdict.text !== undefined) log = { key: file.key, text: verdict.text };
    verdicts.push({ key: verdict.key, bytes: verdict.bytes, problems: verdict.problems });
  }
  const logScn = checkLogScn(consistency, runId, log, options.download);
  return {
    bucket: target.bucket,
    ...(retention ? { retention } : {}),
    files: verdicts,
    consistency,
    logScn,
    ok: verdicts.every((verdict) => verdict.problems.length === 0) && logScn.problems.length === 0,
  };
}

async function verifyFile(
  s3: S3Client,
  bucket: string,
  file: StoredFile,
  download: boolean,
  keepText: boolean,
): Promise<FileVerdict & { readonly text?: string }> {
  const problems: string[] = [];
  const version = file.versionId === undefined ? {} : { VersionId: file.versionId };
  try {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: file.key, ChecksumMode: 'ENABLED', ...version }),
    );
    if (head.ContentLength !== file.bytes)
      problems.push(`S3 holds ${head.ContentLength} bytes, the manifest ${file.bytes}`);
    if (head.ChecksumCRC32 !== file.checksum.value) {
      problems.push(`S3 shows CRC32 ${head.ChecksumCRC32 ?? 'none'}, the manifest ${file.checksum.value}`);
    }
    if (head.ChecksumType !== file.checksum.type) {
      problems.push(
        `S3 shows checksum type ${head.ChecksumType ?? 'none'}, the manifest ${file.checksum.type}`,
      );
    }
  } catch (error) {
    problems.push(`HeadObject failed: ${(error as Error).name}: ${(error as Error).message}`);
    return { key: file.key, bytes: file.bytes, problems };
  }
  if (!download) return { key: file.key, bytes: file.bytes, problems };
  const read = await recompute(s3, bucket, file, version, keepText);
  problems.push(...read.problems);
  return {
    key: file.key,
    bytes: file.bytes,
    problems,
    ...(read.text !== undefined ? { text: read.text } : {}),
  };
}

/**
 * Streams the object and compares its size, CRC-32 and (when recorded) SHA-256 with the manifest;
 * with `keepText`, also returns its first `MAX_LOG_TEXT_BYTES` as UTF-8 (a log's).
 */
async function recompute(
  s3: S3Client,
  bucket: string,
  file: StoredFile,
  version: { VersionId?: string },
  keepText: boolean,
): Promise<{ problems: string[]; text?: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: file.key, ...version }));
  const sha256 = file.sha256 === undefined ? undefined : createHash('sha256');
  let crc = 0;
  let bytes = 0;
  const kept: Uint8Array[] = [];
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) {
    crc = crc32(chunk, crc);
    sha256?.update(chunk);
    if (keepText && bytes < MAX_LOG_TEXT_BYTES) kept.push(chunk.subarray(0, MAX_LOG_TEXT_BYTES - bytes));
    bytes += chunk.length;
  }
  const problems: string[] = [];
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc);
  if (bytes !== file.bytes) problems.push(`downloaded ${bytes} bytes, the manifest lists ${file.bytes}`);
  if (value.toString('base64') !== file.checksum.value) {
    problems.push(
      `the downloaded bytes have CRC32 ${value.toString('base64')}, the manifest ${file.checksum.value}`,
    );
  }
  const digest = sha256?.digest('hex');
  if (digest !== undefined && digest !== file.sha256) {
    problems.push(`the downloaded bytes have SHA-256 ${digest}, the manifest ${file.sha256}`);
  }
  return keepText ? { problems, text: Buffer.concat(kept).toString('utf8') } : { problems };
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}
