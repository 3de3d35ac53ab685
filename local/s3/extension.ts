import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { exists, fail, type Middleware, readBody, replaceBody, splitPath } from './koa.js';
import { checkCompletion, listParts, uploadPart } from './multipart.js';
import {
  addRetentionHeaders,
  handleRetention,
  lockNewVersion,
  type ObjectLockDefault,
  refuseUncheckedWrite,
  requestedLock,
} from './object-lock.js';
import {
  addChecksumHeaders,
  type ObjectStore,
  putObject,
  refuseConditionalWrite,
  saveChecksum,
} from './objects.js';
import { sigV4Problem } from './sigv4.js';
import { saveWriteTags, uploadTagging } from './tagging.js';
import { currentVersion, recordVersion, serveVersion } from './versions.js';

/** s3rver's parts the extension reaches into. */
export interface S3rverStore extends ObjectStore {
  deleteSubresource(bucket: string, key: string, resourceType: string): Promise<void>;
}

export interface ExtensionOptions {
  readonly store: S3rverStore;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly minPartBytes: number;
  /** Keep every write as a version (./versions.ts). @default false */
  readonly versioned?: boolean;
  /** Object Lock with this default retention (./object-lock.ts); needs `versioned`. @default none */
  readonly objectLock?: ObjectLockDefault;
}

/**
 * Runs before s3rver's own middleware and makes it answer as S3 does where this project depends on
 * it: SigV4 signatures and signed payload hashes checked, aws-chunked bodies refused (s3rver would store the framing), the
 * multipart checks of ./multipart.ts, object checksums and conditional writes (PutObject and
 * CompleteMultipartUpload) of ./objects.ts, and
 * tags dropped when an object is replaced or deleted (s3rver keeps them), and tags sent with a write kept.
 */
export function s3Extension({
  store,
  credentials,
  minPartBytes,
  versioned,
  objectLock,
}: ExtensionOptions): Middleware {
  return async (ctx, next) => {
    const unsigned = await sigV4Problem(ctx, credentials);
    if (unsigned !== undefined) {
      await readBody(ctx.req);
      return fail(ctx, 403, 'SignatureDoesNotMatch', `Refused: ${unsigned}`);
    }
    // A signed payload hash must be the body's (S3: XAmzContentSHA256Mismatch); UNSIGNED-PAYLOAD is not hashed.
    const payloadHash = ctx.get('x-amz-content-sha256');
    if (/^[0-9a-f]{64}$/.test(payloadHash) && (ctx.method === 'PUT' || ctx.method === 'POST')) {
      const body = await readBody(ctx.req);
      const actual = createHash('sha256').update(body).digest('hex');
      if (actual !== payloadHash) {
        return fail(
          ctx,
          400,
          'XAmzContentSHA256Mismatch',
          `The provided x-amz-content-sha256 header does not match what was computed (${actual}).`,
        );
      }
      replaceBody(ctx, body);
    }
    const [bucket, key] = splitPath(ctx.path);
    if (bucket === undefined || key === undefined) return next();
    if (
      ctx.get('content-encoding').includes('aws-chunked') ||
      ctx.get('x-amz-content-sha256').startsWith('STREAMING-')
    ) {
      await readBody(ctx.req);
      return fail(
        ctx,
        501,
        'NotImplemented',
        'aws-chunked bodies are not supported here (s3rver stores the framing)',
      );
    }
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    if (uploadId === undefined) {
      if (objectLock && (await handleRetention(ctx, store, bucket, key))) return;
      const subresource = 'tagging' in ctx.query || 'acl' in ctx.query || 'uploads' in ctx.query;
      if (ctx.method === 'PUT' && !subresource && !ctx.get('x-amz-copy-source')) {
        if (objectLock && (await refuseUncheckedWrite(ctx))) return;
        // One write of a key at a time: S3 grants a condition to exactly one of two writers, so the
        // check and the write must not interleave with another request's.
        const release = await writeSlots.take(`${bucket}/${key}`);
        try {
          if (await refuseConditionalWrite(ctx, store, bucket, key)) return;
          await putObject(ctx, next, store, bucket, key);
          if (ctx.status < 300) {
            await store.deleteSubresource(bucket, key, 'tagging');
            await saveWriteTags(store, bucket, key, ctx.get('x-amz-tagging'));
            if (versioned) await recordVersion(ctx, store, bucket, key);
            if (objectLock) await lockNewVersion(ctx, store, bucket, key, objectLock, requestedLock(ctx));
          }
        } finally {
          release();
        }
        return;
      }
      if (ctx.method === 'DELETE' && !subresource && ctx.get('if-match') !== '') {
        // DeleteObject with If-Match (S3 general purpose buckets): 412 when the ETag changed, 404 when gone.
        const release = await writeSlots.take(`${bucket}/${key}`);
        try {
          if (await refuseConditionalWrite(ctx, store, bucket, key)) return;
          await next();
          if (ctx.status < 300) {
            await store.deleteSubresource(bucket, key, 'tagging');
            await saveChecksum(store, bucket, key, null);
          }
        } finally {
          release();
        }
        return;
      }
      const versionId = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
      const read = (ctx.method === 'GET' || ctx.method === 'HEAD') && !subresource;
      if (versioned && read && versionId !== undefined) {
        await serveVersion(ctx, store, bucket, key, versionId);
        if (objectLock && ctx.status === 200) await addRetentionHeaders(ctx, store, bucket, key, versionId);
        return;
      }
      await next();
      if (versioned && read && ctx.status === 200) {
        const current = await currentVersion(store, bucket, key);
        if (current !== undefined) ctx.set('x-amz-version-id', current);
        if (objectLock) await addRetentionHeaders(ctx, store, bucket, key, current);
      }
      if (ctx.method === 'DELETE' && !subresource && ctx.status < 300) {
        await store.deleteSubresource(bucket, key, 'tagging');
        await saveChecksum(store, bucket, key, null);
      }
      if ((ctx.method === 'GET' || ctx.method === 'HEAD') && !subresource) {
        await addChecksumHeaders(ctx, store, bucket, key);
      }
      return;
    }
    const uploadDir = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    if (!(await exists(path.join(uploadDir, 'key')))) {
      // Read the body first: answering early would reset the connection under a large part.
      await readBody(ctx.req);
      return fail(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    }
    switch (ctx.method) {
      case 'GET':
        return listParts(ctx, uploadDir, bucket, key, uploadId);
      case 'DELETE':
        await rm(uploadDir, { recursive: true, force: true });
        ctx.status = 204;
        ctx.body = null;
        return;
      case 'PUT':
        if (objectLock && (await refuseUncheckedWrite(ctx))) return;
        return uploadPart(ctx, next, uploadDir);
      case 'POST': {
        // CompleteMultipartUpload takes If-None-Match/If-Match as PutObject does; the upload stays on 412.
        const release = await writeSlots.take(`${bucket}/${key}`);
        try {
          if (await refuseConditionalWrite(ctx, store, bucket, key)) return;
          const checked = await checkCompletion(ctx, uploadDir, minPartBytes);
          if (checked === null) return;
          const tagging = await uploadTagging(uploadDir);
          await next();
          if (ctx.status < 300) {
            await store.deleteSubresource(bucket, key, 'tagging');
            await saveWriteTags(store, bucket, key, tagging);
            await saveChecksum(store, bucket, key, checked.checksum);
            if (versioned) await recordVersion(ctx, store, bucket, key);
            if (objectLock)
              await lockNewVersion(ctx, store, bucket, key, objectLock, { mode: '', until: '' });
          }
        } finally {
          release();
        }
        return;
      }
      default:
        return next();
    }
  };
}

/** Per-key write slots: a write waits until the previous write of the same key has finished. */
const writeSlots = {
  busy: new Map<string, Promise<void>>(),
  async take(key: string): Promise<() => void> {
    for (let held = this.busy.get(key); held; held = this.busy.get(key)) await held;
    let release!: () => void;
    this.busy.set(
      key,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return () => {
      this.busy.delete(key);
      release();
    };
  },
};
