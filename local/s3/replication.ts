import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Middleware, splitPath } from './koa.js';
import type { ObjectStore } from './objects.js';

/**
 * S3 Replication played by the local S3: every object written to the source bucket (PutObject, a
 * completed multipart upload, a tag change) is marked `x-amz-replication-status: PENDING`, then copied
 * after `delayMs` into the destination bucket (the "other account") with its bytes, tags and stored
 * checksum, and marked COMPLETED; replicas answer `REPLICA`. A key under one of the failing prefixes
 * is marked FAILED and not copied, as S3 does when the destination refuses. Deletes are not replicated.
 */

/** The replication statuses S3 answers on HEAD and GET. */
export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

/** How the local S3 replicates. */
export interface LocalReplicationOptions {
  /** The destination bucket (created with the server). */
  readonly destinationBucket: string;
  /** Time between a write and its copy. @default 50 ms */
  readonly delayMs?: number;
  /** Keys starting with one of these fail to replicate (see also `LocalReplication.failPrefix`). @default none */
  readonly failPrefixes?: readonly string[];
}

/** The switches of a running local replication. */
export interface LocalReplication {
  readonly destinationBucket: string;
  /** From now on, writes of keys under `prefix` fail to replicate (FAILED). */
  failPrefix(prefix: string): void;
  /** Writes under `prefix` replicate again. */
  healPrefix(prefix: string): void;
  /** Holds every copy (their objects stay PENDING) until `release`. */
  hold(): void;
  /** Lets held copies go on. */
  release(): void;
  /** Resolves once every copy scheduled so far has ended (COMPLETED or FAILED); `release` first if held. */
  settle(): Promise<void>;
}

/** What S3 keeps beside an object, copied to the replica (the ones present). */
const REPLICATED_RESOURCES = ['object', 'metadata.json', 'object.md5', 'tagging.xml', 'checksum.json'];
const STATUS_RESOURCE = 'replication.json';

/** The replication middleware and its switches; the middleware runs outside the S3 extension. */
export function localReplication(
  store: ObjectStore,
  sourceBucket: string,
  options: LocalReplicationOptions,
): { middleware: Middleware; replication: LocalReplication } {
  const { destinationBucket } = options;
  if (destinationBucket === sourceBucket) {
    throw new Error(`The replication destination "${destinationBucket}" is the source bucket itself`);
  }
  const delayMs = options.delayMs ?? 50;
  const failing = new Set(options.failPrefixes ?? []);
  const inFlight = new Set<Promise<void>>();
  let gate: { opened: Promise<void>; open: () => void } | undefined;

  const saveStatus = (key: string, status: ReplicationStatus, bucket = sourceBucket) =>
    writeFile(store.getResourcePath(bucket, key, STATUS_RESOURCE), JSON.stringify({ status }));

  async function replicate(key: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    while (gate !== undefined) await gate.opened;
    if ([...failing].some((prefix) => key.startsWith(prefix))) {
      await saveStatus(key, 'FAILED');
      return;
    }
    const target = store.getResourcePath(destinationBucket, key, 'object');
    await mkdir(path.dirname(target), { recursive: true });
    for (const resource of REPLICATED_RESOURCES) {
      try {
        await copyFile(
          store.getResourcePath(sourceBucket, key, resource),
          store.getResourcePath(destinationBucket, key, resource),
        );
      } catch (error) {
        // An object deleted before its copy is not replicated (S3 drops the pending copy too).
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        if (resource === 'object') return;
      }
    }
    await saveStatus(key, 'REPLICA', destinationBucket);
    await saveStatus(key, 'COMPLETED');
  }

  function schedule(key: string): void {
    const copy = replicate(key)
      .catch((error: unknown) => {
        console.error(`local S3: replication of ${key} failed: ${String(error)}`);
      })
      .finally(() => inFlight.delete(copy));
    inFlight.add(copy);
  }

  const middleware: Middleware = async (ctx, next) => {
    await next();
    const [bucket, key] = splitPath(ctx.path);
    if (bucket === undefined || key === undefined || ctx.status >= 300) return;
    const other = 'acl' in ctx.query || 'uploads' in ctx.query || 'retention' in ctx.query;
    const tagging = 'tagging' in ctx.query;
    const uploadId = typeof ctx.query.uploadId === 'string';
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && !other && !tagging && !uploadId) {
      const status = await readStatus(store, bucket, key);
      if (status !== undefined) ctx.set('x-amz-replication-status', status);
      return;
    }
    if (ctx.method === 'DELETE' && !other && !tagging && !uploadId) {
      await rm(store.getResourcePath(bucket, key, STATUS_RESOURCE), { force: true });
      return;
    }
    if (bucket !== sourceBucket || other) return;
    const written =
      (ctx.method === 'PUT' && !uploadId) || // PutObject, CopyObject, PutObjectTagging
      (ctx.method === 'POST' && uploadId) || // CompleteMultipartUpload
      (ctx.method === 'DELETE' && tagging); // DeleteObjectTagging
    if (!written) return;
    await saveStatus(key, 'PENDING');
    schedule(key);
  };

  const replication: LocalReplication = {
    destinationBucket,
    failPrefix: (prefix) => void failing.add(prefix),
    healPrefix: (prefix) => void failing.delete(prefix),
    hold() {
      if (gate !== undefined) return;
      let open!: () => void;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { opened, open };
    },
    release() {
      const held = gate;
      gate = undefined;
      held?.open();
    },
    async settle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
  return { middleware, replication };
}

async function readStatus(store: ObjectStore, bucket: string, key: string): Promise<string | undefined> {
  try {
    const saved = JSON.parse(await readFile(store.getResourcePath(bucket, key, STATUS_RESOURCE), 'utf8')) as {
      status?: unknown;
    };
    return typeof saved.status === 'string' ? saved.status : undefined;
  } catch {
    return undefined;
  }
}
