import fs from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';

/**
 * S3 stores nothing for a PutObject whose body never arrived whole: a client that dies mid-body
 * (socket destroyed) leaves the key as it was, absent or at its previous version. s3rver streams an
 * unsigned body (UNSIGNED-PAYLOAD, no checksum header: the local S3 does not buffer it) straight into
 * the object's file, so a later HEAD or GET saw a short object.
 */

const KiB = 1024;
const BODY_BYTES = 1024 * KiB;

/** The parts of the SDK's signed HTTP request that a raw request replays. */
interface SignedRequest {
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers: Record<string, string>;
}
let servers: LocalS3[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.map((server) => server.stop()));
  servers = [];
});

async function localS3(options: Parameters<typeof startLocalS3>[0] = {}): Promise<LocalS3> {
  const server = await startLocalS3(options);
  servers.push(server);
  return server;
}

/** The headers the SDK signs for a streamed PutObject of `bytes` (UNSIGNED-PAYLOAD), without sending it. */
async function signedPutHeaders(s3: LocalS3, key: string, bytes: number): Promise<SignedRequest> {
  let captured: SignedRequest | undefined;
  const signer = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: SignedRequest) => {
        captured = request;
        throw new Error('captured, not sent');
      },
    },
  });
  await signer
    .send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: Readable.from([Buffer.alloc(bytes)]),
        ContentLength: bytes,
      }),
    )
    .catch(() => undefined);
  signer.destroy();
  if (captured === undefined) throw new Error('the SDK sent no request to capture');
  expect(captured.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
  return captured;
}

/** Resolves once the local S3 (in this process) writes a chunk of a body to a file. */
function firstBodyWrite(): Promise<void> {
  const { write, writev } = fs;
  return new Promise((resolve) => {
    const seen = (bytes: number) => {
      if (bytes >= KiB) resolve();
    };
    vi.spyOn(fs, 'write').mockImplementation(((...args: unknown[]) => {
      seen((args[1] as { byteLength?: number }).byteLength ?? 0);
      return Reflect.apply(write, fs, args);
    }) as typeof fs.write);
    vi.spyOn(fs, 'writev').mockImplementation(((...args: unknown[]) => {
      seen((args[1] as NodeJS.ArrayBufferView[]).reduce((sum, buffer) => sum + buffer.byteLength, 0));
      return Reflect.apply(writev, fs, args);
    }) as typeof fs.writev);
  });
}

/**
 * Sends a signed PutObject of `BODY_BYTES` (Content-Length included), writes half the body, waits
 * until the local S3 has written some of it to disk, then destroys the socket.
 */
async function abortedPut(s3: LocalS3, key: string): Promise<void> {
  const signed = await signedPutHeaders(s3, key, BODY_BYTES);
  const written = firstBodyWrite();
  const { hostname, port } = new URL(s3.endpoint);
  const request = http.request({
    hostname,
    port,
    method: 'PUT',
    // The query (`x-id=PutObject`) is signed too.
    path: `${signed.path}?${new URLSearchParams(signed.query ?? {})}`,
    headers: signed.headers,
  });
  const closed = new Promise<void>((resolve) => request.on('close', resolve));
  request.on('error', () => undefined);
  request.write(Buffer.alloc(BODY_BYTES / 2, 0x61));
  await written;
  request.destroy();
  await closed;
  vi.restoreAllMocks();
  // Waits for the aborted write to be done with: a DeleteObject with If-Match takes the same per-key
  // write slot, and with an ETag no object has it changes nothing (404 absent, 412 present).
  await s3.client
    .send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key, IfMatch: '"0123456789abcdef"' }))
    .catch((error: { $metadata?: { httpStatusCode?: number } }) => {
      expect([404, 412]).toContain(error.$metadata?.httpStatusCode);
    });
}

const statusOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
  );

async function text(s3: LocalS3, key: string, versionId?: string): Promise<string> {
  const object = await s3.client.send(
    new GetObjectCommand({ Bucket: s3.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  return (await object.Body?.transformToString('utf8')) ?? '';
}

describe('the local S3 after a PutObject whose client aborts mid-body', () => {
  it('stores nothing under a new key: HEAD and GET answer 404, a listing does not show it', async () => {
    const s3 = await localS3();

    await abortedPut(s3, 'aborted/new.dmp');

    const head = s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'aborted/new.dmp' }));
    expect(await statusOf(head)).toBe(404);
    const get = s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'aborted/new.dmp' }));
    expect(await statusOf(get)).toBe(404);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'aborted/' }));
    expect(listed.Contents ?? []).toEqual([]);
    // Nor does the half body stay on the local disk.
    const files = fs.readdirSync(s3.directory, { recursive: true, withFileTypes: true });
    expect(files.filter((entry) => entry.isFile() && entry.name.includes('new.dmp'))).toEqual([]);
  });

  it('keeps the object it would have replaced, whole', async () => {
    const s3 = await localS3();
    const put = await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'aborted/kept.dmp', Body: 'the previous object' }),
    );

    await abortedPut(s3, 'aborted/kept.dmp');

    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'aborted/kept.dmp' }));
    expect({ bytes: head.ContentLength, etag: head.ETag }).toEqual({ bytes: 19, etag: put.ETag });
    expect(await text(s3, 'aborted/kept.dmp')).toBe('the previous object');
  });

  it('keeps the previous version current and intact on a versioned bucket', async () => {
    const s3 = await localS3({ versioned: true });
    const put = await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'aborted/versioned.dmp', Body: 'version one' }),
    );

    await abortedPut(s3, 'aborted/versioned.dmp');

    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: 'aborted/versioned.dmp' }),
    );
    expect({ bytes: head.ContentLength, etag: head.ETag, version: head.VersionId }).toEqual({
      bytes: 11,
      etag: put.ETag,
      version: put.VersionId,
    });
    expect(await text(s3, 'aborted/versioned.dmp')).toBe('version one');
    expect(await text(s3, 'aborted/versioned.dmp', put.VersionId)).toBe('version one');
  });
});
