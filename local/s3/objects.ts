import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { crc32, crc32Base64, fail, type KoaContext, readBody, replaceBody } from './koa.js';

/**
 * Whole objects on the local S3: the checksum S3 keeps with each object (verified on PutObject,
 * served on HEAD/GET with `x-amz-checksum-mode: ENABLED`), and conditional writes
 * (`If-None-Match: *`, `If-Match: <etag>`) answered 412 PreconditionFailed as S3 does.
 */

/** What S3 stores beside an object about its checksum. */
export interface StoredChecksum {
  readonly algorithm: 'crc32' | 'sha256';
  readonly value: string;
  readonly type: 'FULL_OBJECT';
}

/** The s3rver store operations used here. */
export interface ObjectStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  existsObject(bucket: string, key: string): Promise<boolean>;
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
}

function checksumPath(store: ObjectStore, bucket: string, key: string): string {
  return store.getResourcePath(bucket, key, 'checksum.json');
}

export async function saveChecksum(
  store: ObjectStore,
  bucket: string,
  key: string,
  checksum: StoredChecksum | null,
): Promise<void> {
  const file = checksumPath(store, bucket, key);
  if (checksum === null) await rm(file, { force: true });
  else await writeFile(file, JSON.stringify(checksum));
}

async function loadChecksum(store: ObjectStore, bucket: string, key: string): Promise<StoredChecksum | null> {
  try {
    return JSON.parse(await readFile(checksumPath(store, bucket, key), 'utf8')) as StoredChecksum;
  } catch {
    return null;
  }
}

/**
 * Answers 412 (or 404 for `If-Match` on a missing key) when a conditional write's condition fails;
 * returns true when it did. The body is read first: answering early resets the connection.
 */
export async function refuseConditionalWrite(
  ctx: KoaContext,
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<boolean> {
  const ifNoneMatch = ctx.get('if-none-match').trim();
  const ifMatch = ctx.get('if-match').trim();
  if (ifNoneMatch === '' && ifMatch === '') return false;
  const present = await store.existsObject(bucket, key);
  let refusal: [number, string, string] | undefined;
  if (ifNoneMatch !== '') {
    if (ifNoneMatch !== '*') refusal = [501, 'NotImplemented', 'If-None-Match takes only * on a write'];
    else if (present)
      refusal = [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'];
  } else if (!present) {
    refusal = [404, 'NoSuchKey', 'The specified key does not exist.'];
  } else {
    const etag = (await store.getMetadata(bucket, key)).etag ?? '';
    if (unquote(etag) !== unquote(ifMatch)) {
      refusal = [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'];
    }
  }
  if (refusal === undefined) return false;
  await readBody(ctx.req);
  fail(ctx, ...refusal);
  return true;
}

/**
 * PutObject with `x-amz-checksum-crc32` or `-sha256`: the body's checksum must match (BadDigest) and is
 * kept as the object's FULL_OBJECT checksum. Other checksum algorithms are refused rather than ignored.
 */
export async function putObject(
  ctx: KoaContext,
  next: () => Promise<void>,
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<void> {
  const other = ['crc32c', 'crc64nvme', 'sha1'].find((name) => ctx.get(`x-amz-checksum-${name}`));
  if (other !== undefined) {
    await readBody(ctx.req);
    return fail(ctx, 501, 'NotImplemented', `x-amz-checksum-${other} is not supported by the local S3`);
  }
  const algorithm = ctx.get('x-amz-checksum-crc32')
    ? 'crc32'
    : ctx.get('x-amz-checksum-sha256')
      ? 'sha256'
      : null;
  let checksum: StoredChecksum | null = null;
  if (algorithm !== null) {
    const expected = ctx.get(`x-amz-checksum-${algorithm}`);
    const body = await readBody(ctx.req);
    const actual =
      algorithm === 'crc32' ? crc32Base64(crc32(body)) : createHash('sha256').update(body).digest('base64');
    if (actual !== expected) {
      return fail(
        ctx,
        400,
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified (${expected}) did not match the calculated checksum (${actual}).`,
      );
    }
    replaceBody(ctx, body);
    checksum = { algorithm, value: actual, type: 'FULL_OBJECT' };
  }
  await next();
  if (ctx.status < 300) await saveChecksum(store, bucket, key, checksum);
}

/** Adds the stored checksum to a whole-object HEAD or GET that asks for it. */
export async function addChecksumHeaders(
  ctx: KoaContext,
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<void> {
  if (ctx.status !== 200 || ctx.get('x-amz-checksum-mode').toUpperCase() !== 'ENABLED') return;
  const checksum = await loadChecksum(store, bucket, key);
  if (checksum === null) return;
  ctx.set(`x-amz-checksum-${checksum.algorithm}`, checksum.value);
  ctx.set('x-amz-checksum-type', checksum.type);
}

/** CRC-32 of files read in order, streamed: what S3 computes over a completed upload's parts. */
export async function crc32OfFiles(files: readonly string[]): Promise<number> {
  let crc = 0;
  for (const file of files) {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      crc = crc32(chunk as Buffer, crc);
    }
  }
  return crc;
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '');
}
