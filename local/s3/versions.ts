import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fail, type KoaContext } from './koa.js';
import type { ObjectStore } from './objects.js';

/**
 * Versioning, as much of it as the project reads back: each write of a key keeps a copy of the new
 * object as a version (its id answered in `x-amz-version-id`), and HEAD or GET with `versionId`
 * serves that version's bytes, ETag and checksum, the current one or an older one. Listing versions,
 * delete markers and ranges of old versions are not played.
 */

/** The files s3rver (and ./objects.ts) keep beside an object, copied into each version. */
const VERSIONED_FILES = ['object', 'object.md5', 'metadata.json', 'checksum.json'] as const;

function versionDir(store: ObjectStore, bucket: string, key: string, versionId: string): string {
  return path.join(store.getResourcePath(bucket, key, 'versions'), versionId);
}

/** After a successful write of `key`: keeps the object as a new version and answers its id. */
export async function recordVersion(
  ctx: KoaContext,
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<void> {
  const versionId = randomBytes(16).toString('hex');
  const dir = versionDir(store, bucket, key, versionId);
  await mkdir(dir, { recursive: true });
  for (const name of VERSIONED_FILES) {
    await copyFile(store.getResourcePath(bucket, key, name), path.join(dir, name)).catch(() => undefined);
  }
  await writeFile(store.getResourcePath(bucket, key, 'version'), versionId);
  ctx.set('x-amz-version-id', versionId);
}

/** The id of the current version of `key`, if it was written while versioning was on. */
export async function currentVersion(
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  return readFile(store.getResourcePath(bucket, key, 'version'), 'utf8').catch(() => undefined);
}

/** Answers a HEAD or GET of `versionId` from its stored copy (404 NoSuchVersion when there is none). */
export async function serveVersion(
  ctx: KoaContext,
  store: ObjectStore,
  bucket: string,
  key: string,
  versionId: string,
): Promise<void> {
  const dir = versionDir(store, bucket, key, versionId);
  if (!/^[0-9a-f]{32}$/.test(versionId))
    return fail(ctx, 400, 'InvalidArgument', 'Invalid version id specified');
  const size = await stat(path.join(dir, 'object')).then(
    (stats) => stats.size,
    () => undefined,
  );
  if (size === undefined) return fail(ctx, 404, 'NoSuchVersion', 'The specified version does not exist.');
  const md5 = await readFile(path.join(dir, 'object.md5'), 'utf8').catch(() => '');
  const metadata = JSON.parse(
    await readFile(path.join(dir, 'metadata.json'), 'utf8').catch(() => '{}'),
  ) as Record<string, string>;
  ctx.status = 200;
  ctx.set('x-amz-version-id', versionId);
  ctx.set('etag', metadata.etag ?? `"${md5}"`);
  if (metadata['content-type']) ctx.set('content-type', metadata['content-type']);
  if (ctx.get('x-amz-checksum-mode').toUpperCase() === 'ENABLED') {
    const checksum = await readFile(path.join(dir, 'checksum.json'), 'utf8').catch(() => undefined);
    if (checksum !== undefined) {
      const { algorithm, value, type } = JSON.parse(checksum) as {
        algorithm: string;
        value: string;
        type: string;
      };
      ctx.set(`x-amz-checksum-${algorithm}`, value);
      ctx.set('x-amz-checksum-type', type);
    }
  }
  // Koa sends no body for HEAD; the length is set after the body, which would otherwise drop it.
  ctx.body = ctx.method === 'HEAD' ? Readable.from([]) : createReadStream(path.join(dir, 'object'));
  ctx.set('content-length', String(size));
}
