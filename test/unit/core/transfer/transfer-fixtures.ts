import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from '../../../../functions/core/ords/ords-api.js';
import {
  type CopyFilePayload,
  type CopyProgress,
  CopyProgressSchema,
  type StoredFile,
} from '../../../../functions/core/state/index.js';
import { type CopyFileDeps, copyFile } from '../../../../functions/core/transfer/index.js';
import type { LocalS3 } from '../../../../local/s3/local-s3.js';
import type { FakeOrds } from '../../../helpers/fake-ords.js';

/** Shared setup of the transfer tests: payloads, deps on a local S3, reading objects back. */

export const MiB = 1024 * 1024;

type LogLine = { level: string; message: string; extra?: Record<string, unknown> };

/** A logger that keeps every line. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    lines.push({ level, message, extra });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The "Copy file" payload of one file. */
export function copyPayload(
  name: string,
  key: string,
  kind: 'dump' | 'log' = 'dump',
  progress?: CopyProgress,
): CopyFilePayload {
  return {
    executionName: 'exec-1',
    database: 'orders',
    job: {
      owner: 'DBAPI_USER',
      jobName: 'DATAPUMP_REST_EXPORT_20261123020000',
      runId: 'r1',
      fileName: 'ORDERS-%U.DMP',
      jobMode: 'SCHEMA',
      startedAt: '2026-11-23T02:00:00Z',
      adopted: false,
    } as CopyFilePayload['job'],
    file: { name, kind, key },
    ...(progress === undefined ? {} : { progress }),
  };
}

/** Deps with 1 MiB parts (s3rver accepts parts under 5 MiB) and a generous time budget. */
export function copyDeps(
  ords: FakeOrds,
  s3: LocalS3 | { client: S3Client; bucket: string },
  overrides: Partial<CopyFileDeps> = {},
): CopyFileDeps & { logger: ReturnType<typeof recordingLogger> } {
  return {
    ords,
    s3: s3.client,
    bucket: s3.bucket,
    logger: recordingLogger(),
    remainingTimeMs: () => 600_000,
    safetyMarginMs: 0,
    partsInFlight: 2,
    minPartSizeBytes: MiB,
    maxFileBytes: 1024 * MiB,
    partSizeFloorBytes: MiB,
    ...overrides,
  } as CopyFileDeps & { logger: ReturnType<typeof recordingLogger> };
}

/**
 * Calls `copyFile` as the state machine does until it is done, passing each continuation through
 * JSON and the payload schema. Returns the stored file and the continuations seen.
 */
export async function copyUntilDone(
  deps: CopyFileDeps,
  payload: CopyFilePayload,
  maxInvocations = 100,
): Promise<{ file: StoredFile; continuations: Array<Extract<CopyProgress, { done: false }>> }> {
  const continuations: Array<Extract<CopyProgress, { done: false }>> = [];
  let progress = payload.progress;
  for (let call = 0; call < maxInvocations; call += 1) {
    const result = CopyProgressSchema.parse(
      JSON.parse(JSON.stringify(await copyFile(deps, { ...payload, ...(progress ? { progress } : {}) }))),
    );
    if (result.done) return { file: result.file, continuations };
    continuations.push(result);
    progress = result;
  }
  throw new Error(`not done after ${maxInvocations} invocations`);
}

export async function readObject(s3: { client: S3Client; bucket: string }, key: string): Promise<Buffer> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(
    await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

export async function objectExists(s3: { client: S3Client; bucket: string }, key: string): Promise<boolean> {
  try {
    await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

export async function objectTags(
  s3: { client: S3Client; bucket: string },
  key: string,
): Promise<Record<string, string>> {
  const { TagSet = [] } = await s3.client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: key }));
  return Object.fromEntries(TagSet.map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

/** Ids of the uploads of `key` that s3rver still holds (neither completed nor aborted). */
export async function pendingUploads(s3: LocalS3, key: string): Promise<string[]> {
  const root = path.join(s3.directory, s3.bucket, '._S3rver_uploads');
  const ids = await readdir(root).catch(() => []);
  const keys = await Promise.all(
    ids.map((id) => readFile(path.join(root, id, 'key'), 'utf8').catch(() => '')),
  );
  return ids.filter((_, index) => keys[index] === key);
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The manifest's checksum of bytes, computed here with zlib alone (not with the code under test). */
export function fullObjectCrc32(data: Uint8Array) {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(zlib.crc32(data));
  return { algorithm: 'CRC32', type: 'FULL_OBJECT', value: bytes.toString('base64') } as const;
}

/** What S3 shows of an object with `ChecksumMode: ENABLED`. */
export async function objectChecksum(s3: { client: S3Client; bucket: string }, key: string) {
  const head = await s3.client.send(
    new HeadObjectCommand({ Bucket: s3.bucket, Key: key, ChecksumMode: 'ENABLED' }),
  );
  return { bytes: head.ContentLength, value: head.ChecksumCRC32, type: head.ChecksumType };
}
