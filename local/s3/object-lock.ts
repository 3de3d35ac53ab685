import { readFile, writeFile } from 'node:fs/promises';
import { fail, type KoaContext, readBody } from './koa.js';
import type { ObjectStore } from './objects.js';
import { currentVersion } from './versions.js';

/**
 * S3 Object Lock, as much of it as a run meets on a bucket with a default retention
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html):
 *
 * - every PutObject and UploadPart must carry `Content-MD5` or an `x-amz-checksum-*` header, else
 *   400 InvalidRequest (S3's message, quoted);
 * - each new version gets the bucket's default retention (or the write's own lock headers), shown
 *   by HEAD and GET as `x-amz-object-lock-mode` and `x-amz-object-lock-retain-until-date`;
 * - PutObjectRetention (`PUT ?retention`) may lengthen a retention; shortening it, or turning
 *   COMPLIANCE into GOVERNANCE, is refused (403), GOVERNANCE only with
 *   `x-amz-bypass-governance-retention: true`; GetObjectRetention reads it;
 * - DELETE of a locked version (`versionId`) is refused (403); without `versionId` a versioned
 *   bucket only hides the object, as S3's delete marker does.
 */

/** The bucket's Object Lock default retention. */
export interface ObjectLockDefault {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

interface Retention {
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  readonly until: string;
}

const INTEGRITY_REQUIRED =
  'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters';

/** Refuses (400) an object or part write without Content-MD5 or a checksum header; true when refused. */
export async function refuseUncheckedWrite(ctx: KoaContext): Promise<boolean> {
  const headers = Object.keys(ctx.req.headers);
  const checked = headers.some(
    (name) =>
      name === 'content-md5' || (name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-type'),
  );
  if (checked) return false;
  await readBody(ctx.req);
  fail(ctx, 400, 'InvalidRequest', INTEGRITY_REQUIRED);
  return true;
}

/** After a successful write of `key` (a new current version): its retention, default or its own. */
export async function lockNewVersion(
  ctx: KoaContext,
  store: ObjectStore,
  bucket: string,
  key: string,
  lock: ObjectLockDefault,
  requested: { readonly mode: string; readonly until: string },
): Promise<void> {
  const versionId = await currentVersion(store, bucket, key);
  if (versionId === undefined) return;
  const retention: Retention =
    (requested.mode === 'GOVERNANCE' || requested.mode === 'COMPLIANCE') && requested.until !== ''
      ? { mode: requested.mode, until: new Date(requested.until).toISOString() }
      : { mode: lock.mode, until: new Date(Date.now() + lock.days * 86_400_000).toISOString() };
  await saveRetention(store, bucket, key, versionId, retention);
  setRetentionHeaders(ctx, retention);
}

/** The lock headers a write asked for (PutObject, CreateMultipartUpload). */
export function requestedLock(ctx: KoaContext): { mode: string; until: string } {
  return { mode: ctx.get('x-amz-object-lock-mode'), until: ctx.get('x-amz-object-lock-retain-until-date') };
}

/** Adds the lock headers of the version a HEAD or GET answered. */
export async function addRetentionHeaders(
  ctx: KoaContext,
  store: ObjectStore,
  bucket: string,
  key: string,
  versionId: string | undefined,
): Promise<void> {
  const version = versionId ?? (await currentVersion(store, bucket, key));
  const retention = version === undefined ? undefined : (await retentions(store, bucket, key))[version];
  if (retention) setRetentionHeaders(ctx, retention);
}

/** Answers `?retention` (GET, PUT) and refuses DELETE of a locked version; true when it answered. */
export async function handleRetention(
  ctx: KoaContext,
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<boolean> {
  const queried = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
  const isRetention = 'retention' in ctx.query;
  if (!isRetention && !(ctx.method === 'DELETE' && queried !== undefined)) return false;
  const versionId = queried ?? (await currentVersion(store, bucket, key));
  const all = await retentions(store, bucket, key);
  const current = versionId === undefined ? undefined : all[versionId];
  const locked = current !== undefined && new Date(current.until).getTime() > Date.now();
  const bypass = ctx.get('x-amz-bypass-governance-retention').toLowerCase() === 'true';
  if (!isRetention) {
    if (!locked || (current.mode === 'GOVERNANCE' && bypass)) return false;
    fail(ctx, 403, 'AccessDenied', `Access Denied because object protected by object lock (${current.mode})`);
    return true;
  }
  if (versionId === undefined) {
    fail(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
    return true;
  }
  if (ctx.method === 'GET') {
    if (current === undefined) {
      fail(
        ctx,
        404,
        'NoSuchObjectLockConfiguration',
        'The specified object does not have a ObjectLock configuration',
      );
      return true;
    }
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Retention><Mode>${current.mode}</Mode><RetainUntilDate>${current.until}</RetainUntilDate></Retention>`;
    return true;
  }
  if (ctx.method !== 'PUT') return false;
  if (
    !ctx.get('content-md5') &&
    !Object.keys(ctx.req.headers).some((name) => name.startsWith('x-amz-checksum-'))
  ) {
    await readBody(ctx.req);
    fail(
      ctx,
      400,
      'InvalidRequest',
      'Content-MD5 OR x-amz-checksum- HTTP header is required for this request',
    );
    return true;
  }
  const body = (await readBody(ctx.req)).toString('utf8');
  const mode = /<Mode>([^<]*)<\/Mode>/.exec(body)?.[1];
  const until = /<RetainUntilDate>([^<]*)<\/RetainUntilDate>/.exec(body)?.[1];
  if (
    (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') ||
    until === undefined ||
    Number.isNaN(Date.parse(until))
  ) {
    fail(ctx, 400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate');
    return true;
  }
  const next: Retention = { mode, until: new Date(until).toISOString() };
  const shorter =
    locked && (Date.parse(next.until) < Date.parse(current.until) || next.mode !== current.mode);
  if (shorter && !(current.mode === 'GOVERNANCE' && bypass)) {
    fail(
      ctx,
      403,
      'AccessDenied',
      `Access Denied: the ${current.mode} retention cannot be shortened or weakened`,
    );
    return true;
  }
  await saveRetention(store, bucket, key, versionId, next);
  ctx.status = 200;
  ctx.body = '';
  return true;
}

function setRetentionHeaders(ctx: KoaContext, retention: Retention): void {
  ctx.set('x-amz-object-lock-mode', retention.mode);
  ctx.set('x-amz-object-lock-retain-until-date', retention.until);
}

/** Each version's retention, kept beside the object (s3rver keeps versions' files there too). */
async function retentions(
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<Record<string, Retention>> {
  const text = await readFile(store.getResourcePath(bucket, key, 'retention.json'), 'utf8').catch(() => '{}');
  return JSON.parse(text) as Record<string, Retention>;
}

async function saveRetention(
  store: ObjectStore,
  bucket: string,
  key: string,
  versionId: string,
  retention: Retention,
): Promise<void> {
  const all = await retentions(store, bucket, key);
  all[versionId] = retention;
  await writeFile(store.getResourcePath(bucket, key, 'retention.json'), JSON.stringify(all));
}
