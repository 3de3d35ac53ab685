import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { type S3rverStore, s3Extension } from './extension.js';
import type { Middleware } from './koa.js';
import { S3_MIN_PART_BYTES } from './multipart.js';
import type { ObjectLockDefault } from './object-lock.js';
import { type LocalReplication, type LocalReplicationOptions, localReplication } from './replication.js';
import { storeWritesWhole, type WritableStore } from './store-writes.js';

/**
 * A local S3 for `npm start`, the bench and the tests: s3rver 3.7.1 on loopback with an extension
 * (./extension.ts) that makes it check what real S3 checks, so code that works here works on S3:
 * SigV4 signatures, part and whole-object CRC-32s (FULL_OBJECT, BadDigest), 5 MiB parts, ListParts
 * and AbortMultipartUpload, NoSuchUpload, conditional writes (412), checksums on HEAD/GET.
 */

/** What `startLocalS3` returns. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly bucket: string;
  /** Where s3rver keeps buckets and objects. */
  readonly directory: string;
  /** A client for this server: path-style, the local credentials, checksums only when required. */
  readonly client: S3Client;
  /** The replication's switches, when started with `replication` (./replication.ts). */
  readonly replication?: LocalReplication;
  /** Stops the server, destroys `client`, removes the directory unless it was given. */
  stop(): Promise<void>;
}

export interface LocalS3Options {
  /** Keep the data here (kept on stop). @default a new temporary directory, removed on stop */
  readonly directory?: string;
  /** @default 'local-bucket' */
  readonly bucket?: string;
  /**
   * Smallest part but the last that CompleteMultipartUpload accepts. Unit tests lower it to copy
   * small files in several parts; everything else keeps S3's. @default 5 MiB
   */
  readonly minPartBytes?: number;
  /** Replicate `bucket` into a second bucket, as S3 Replication does (./replication.ts). @default none */
  readonly replication?: LocalReplicationOptions;
  /**
   * A versioned bucket: every write keeps a version, and HEAD/GET with `versionId` read it
   * (./versions.ts). @default false
   */
  readonly versioned?: boolean;
  /**
   * S3 Object Lock with this default retention on every new version (./object-lock.ts): writes
   * need Content-MD5 or a checksum header, retentions may only grow. Implies `versioned`, as on S3.
   * @default none
   */
  readonly objectLock?: ObjectLockDefault;
}

/** The local S3's credentials (s3rver's fixed account). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

interface S3rverInstance {
  middleware: Middleware[];
  httpServer?: Server;
  store: S3rverStore & WritableStore;
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** Starts the local S3 on 127.0.0.1 (a free port) with one bucket. */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const bucket = options.bucket ?? 'local-bucket';
  if (options.objectLock && options.versioned === false) {
    throw new Error('startLocalS3: objectLock needs a versioned bucket (versioned: false was given)');
  }
  const directory = options.directory ?? (await mkdtemp(path.join(tmpdir(), 'local-s3-')));
  // s3rver ships no types: load it untyped and describe the little used here.
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [
      { name: bucket },
      ...(options.replication ? [{ name: options.replication.destinationBucket }] : []),
    ],
  });
  // A write is answered once its object file is whole, as S3 answers once it is stored.
  storeWritesWhole(server.store);
  // Koa composes its middleware when the server starts: the extension runs before s3rver's own.
  server.middleware.unshift(
    s3Extension({
      store: server.store,
      credentials: LOCAL_S3_CREDENTIALS,
      minPartBytes: options.minPartBytes ?? S3_MIN_PART_BYTES,
      versioned: options.versioned ?? options.objectLock !== undefined,
      ...(options.objectLock ? { objectLock: options.objectLock } : {}),
    }),
  );
  const replicated = options.replication && localReplication(server.store, bucket, options.replication);
  if (replicated) server.middleware.unshift(replicated.middleware);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localS3Client(endpoint);
  return {
    endpoint,
    bucket,
    directory,
    client,
    ...(replicated ? { replication: replicated.replication } : {}),
    async stop() {
      replicated?.replication.release();
      await replicated?.replication.settle();
      client.destroy();
      const closed = server.close();
      server.httpServer?.closeAllConnections();
      await closed;
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A client for a local S3 endpoint: path-style, the local credentials, checksums only when required
 * (streamed uploads with SDK-computed checksums are sent aws-chunked, which s3rver cannot store).
 * `settings` override these (the bench passes the copy's `copyS3ClientSettings`). The caller destroys it.
 */
export function localS3Client(endpoint: string, settings: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...settings,
  });
}
