import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';

/**
 * A local S3 for tests and `npm start`: s3rver 3.7.1 on loopback, plus the multipart operations it
 * lacks and the checks real S3 makes, so code that works here works on S3:
 *
 * - ListParts and AbortMultipartUpload (s3rver answers 405 to both);
 * - NoSuchUpload for parts and completions of an unknown or finished upload (s3rver accepts them);
 * - `x-amz-checksum-crc32` of a part verified (BadDigest), stored and listed; completions checked
 *   for part order, ETags, checksums and `x-amz-mp-object-size`;
 * - aws-chunked bodies refused (501): s3rver would store the chunk framing inside the object;
 * - tags dropped when an object is replaced or deleted, as on S3 (s3rver keeps them);
 * - conditional writes: PutObject with `If-None-Match: *` or `If-Match: <etag>` answers 412
 *   PreconditionFailed when the condition fails, one writer at a time per key, as on S3.
 */

/** What `startLocalS3` returns. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly bucket: string;
  /** Where s3rver keeps buckets and objects. */
  readonly directory: string;
  /** A client for this server: path-style, s3rver's fixed credentials, checksums only when required. */
  readonly client: S3Client;
  /** Stops the server, destroys `client`, removes the directory unless it was given. */
  stop(): Promise<void>;
}

export interface LocalS3Options {
  /** Keep the data here (kept on stop). @default a new temporary directory, removed on stop */
  readonly directory?: string;
  /** @default 'local-bucket' */
  readonly bucket?: string;
}

/** s3rver's fixed credentials. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The parts of a Koa context the extension uses. */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  req: IncomingMessage;
  status: number;
  body: unknown;
  type: string;
  get(field: string): string;
  set(field: string, value: string): void;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface S3rverInstance {
  middleware: Middleware[];
  httpServer?: Server;
  store: {
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    deleteSubresource(bucket: string, key: string, resourceType: string): Promise<void>;
    getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
  };
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** Starts s3rver on 127.0.0.1 (a free port) with one bucket. */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const bucket = options.bucket ?? 'local-bucket';
  const directory = options.directory ?? (await mkdtemp(path.join(tmpdir(), 'local-s3-')));
  // s3rver ships no types: load it untyped and describe the little used here.
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  // Koa composes its middleware when the server starts: the extension runs before s3rver's own.
  server.middleware.unshift(multipartExtension(server));
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localS3Client(endpoint);
  return {
    endpoint,
    bucket,
    directory,
    client,
    async stop() {
      client.destroy();
      const closed = server.close();
      server.httpServer?.closeAllConnections();
      await closed;
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A client for a local S3 endpoint: path-style, s3rver's credentials, checksums only when required
 * (streamed uploads with SDK-computed checksums are what s3rver corrupts). The caller destroys it.
 */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function multipartExtension(server: S3rverInstance): Middleware {
  return async (ctx, next) => {
    const [bucket, key] = splitPath(ctx.path);
    if (bucket === undefined || key === undefined) return next();
    const encoding = ctx.get('content-encoding');
    if (encoding.includes('aws-chunked') || ctx.get('x-amz-content-sha256').startsWith('STREAMING-')) {
      return fail(
        ctx,
        501,
        'NotImplemented',
        'aws-chunked bodies are not supported here (s3rver stores the framing)',
      );
    }
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    if (uploadId === undefined) {
      const replaced =
        ctx.method === 'PUT' &&
        !('tagging' in ctx.query) &&
        !('acl' in ctx.query) &&
        !ctx.get('x-amz-copy-source');
      const conditional = replaced && (ctx.get('if-none-match') !== '' || ctx.get('if-match') !== '');
      if (conditional) {
        const release = await writeSlots.take(`${bucket}/${key}`);
        try {
          const problem = await checkWriteCondition(server, bucket, key, ctx);
          if (problem) {
            await readBody(ctx.req);
            return fail(ctx, problem.status, problem.code, problem.message);
          }
          await next();
        } finally {
          release();
        }
      } else {
        await next();
      }
      if ((replaced || ctx.method === 'DELETE') && ctx.status < 300) {
        await server.store.deleteSubresource(bucket, key, 'tagging');
      }
      return;
    }
    const uploadDir = path.join(server.store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
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
        return uploadPart(ctx, next, uploadDir);
      case 'POST': {
        const body = await readBody(ctx.req);
        const problem = await checkCompletion(
          uploadDir,
          body.toString('utf8'),
          ctx.get('x-amz-mp-object-size'),
        );
        if (problem) return fail(ctx, 400, problem.code, problem.message);
        // s3rver reads the body again from the request stream.
        ctx.req = Object.assign(Readable.from([body]), {
          headers: ctx.req.headers,
        }) as unknown as IncomingMessage;
        await next();
        if (ctx.status < 300) await server.store.deleteSubresource(bucket, key, 'tagging');
        return;
      }
      default:
        return next();
    }
  };
}

/** One conditional write per key at a time: S3 grants a condition to exactly one of two writers. */
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

/** S3's answer to a PutObject whose `If-None-Match: *` or `If-Match` does not hold, else null. */
async function checkWriteCondition(
  server: S3rverInstance,
  bucket: string,
  key: string,
  ctx: KoaContext,
): Promise<{ status: number; code: string; message: string } | null> {
  const etag = await server.store.getMetadata(bucket, key).then(
    (metadata) => metadata.etag,
    () => null,
  );
  const noneMatch = ctx.get('if-none-match');
  if (noneMatch !== '' && noneMatch !== '*') {
    return { status: 501, code: 'NotImplemented', message: 'If-None-Match on PutObject takes only *' };
  }
  if (noneMatch === '*' && etag !== null) {
    return {
      status: 412,
      code: 'PreconditionFailed',
      message: 'At least one of the pre-conditions you specified did not hold',
    };
  }
  const match = ctx.get('if-match');
  if (match !== '' && etag === null) {
    return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
  }
  if (match !== '' && match !== etag) {
    return {
      status: 412,
      code: 'PreconditionFailed',
      message: 'At least one of the pre-conditions you specified did not hold',
    };
  }
  return null;
}

async function uploadPart(ctx: KoaContext, next: () => Promise<void>, uploadDir: string): Promise<void> {
  const partNumber = Number(ctx.query.partNumber);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    return fail(ctx, 400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  }
  // The checksum is computed from the request body itself: s3rver answers once the body has passed
  // through, before its part file is complete on disk, so reading the file back races with the write.
  const body = await readBody(ctx.req);
  const expected = ctx.get('x-amz-checksum-crc32');
  const actual = crc32Base64(body);
  if (expected !== '' && expected !== actual) {
    return fail(
      ctx,
      400,
      'BadDigest',
      `The CRC32 you specified (${expected}) did not match the calculated checksum.`,
    );
  }
  ctx.req = Object.assign(Readable.from([body]), { headers: ctx.req.headers }) as unknown as IncomingMessage;
  await next();
  if (ctx.status >= 300) return;
  const partPath = path.join(uploadDir, String(partNumber));
  await writeFile(`${partPath}.crc32`, actual);
  ctx.set('x-amz-checksum-crc32', actual);
}

interface StoredPart {
  readonly number: number;
  readonly etag: string;
  readonly size: number;
  readonly crc32: string;
  readonly modified: Date;
}

async function storedParts(uploadDir: string): Promise<StoredPart[]> {
  const numbers = (await readdir(uploadDir))
    .filter((name) => /^[1-9][0-9]*$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  return Promise.all(
    numbers.map(async (number) => {
      const file = path.join(uploadDir, String(number));
      const [stats, md5, crc32] = await Promise.all([
        stat(file),
        readFile(`${file}.md5`, 'utf8'),
        readFile(`${file}.crc32`, 'utf8').catch(() => ''),
      ]);
      return { number, etag: md5, size: stats.size, crc32, modified: stats.mtime };
    }),
  );
}

async function listParts(
  ctx: KoaContext,
  uploadDir: string,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  const marker = Number(ctx.query['part-number-marker'] ?? 0) || 0;
  const maxParts = Math.min(Number(ctx.query['max-parts'] ?? 1000) || 1000, 1000);
  const after = (await storedParts(uploadDir)).filter((part) => part.number > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const parts = page
    .map(
      (part) =>
        `<Part><PartNumber>${part.number}</PartNumber><LastModified>${part.modified.toISOString()}</LastModified>` +
        `<ETag>"${part.etag}"</ETag><Size>${part.size}</Size>` +
        (part.crc32 ? `<ChecksumCRC32>${part.crc32}</ChecksumCRC32>` : '') +
        '</Part>',
    )
    .join('');
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId>` +
    `<PartNumberMarker>${marker}</PartNumberMarker>` +
    `<NextPartNumberMarker>${page.at(-1)?.number ?? marker}</NextPartNumberMarker>` +
    `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>` +
    `<ChecksumAlgorithm>CRC32</ChecksumAlgorithm>${parts}</ListPartsResult>`;
}

/** What S3 would refuse in a CompleteMultipartUpload request, or undefined. */
async function checkCompletion(
  uploadDir: string,
  xml: string,
  objectSize: string,
): Promise<{ code: string; message: string } | undefined> {
  const stored = new Map((await storedParts(uploadDir)).map((part) => [part.number, part]));
  const requested = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, inner = '']) => ({
    number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(inner)?.[1]),
    etag: /<ETag>([^<]*)<\/ETag>/.exec(inner)?.[1]?.replace(/&quot;|"/g, ''),
    crc32: /<ChecksumCRC32>([^<]*)<\/ChecksumCRC32>/.exec(inner)?.[1],
  }));
  if (requested.length === 0) return { code: 'MalformedXML', message: 'No parts in the request' };
  let previous = 0;
  let size = 0;
  for (const part of requested) {
    if (!(part.number > previous))
      return { code: 'InvalidPartOrder', message: 'Parts must be in ascending order' };
    previous = part.number;
    const found = stored.get(part.number);
    if (found === undefined || found.etag !== part.etag) {
      return { code: 'InvalidPart', message: `Part ${part.number} was not found or its ETag does not match` };
    }
    if (part.crc32 !== undefined && part.crc32 !== found.crc32) {
      return {
        code: 'InvalidPart',
        message: `Part ${part.number}'s ChecksumCRC32 does not match the stored part`,
      };
    }
    size += found.size;
  }
  if (objectSize !== '' && Number(objectSize) !== size) {
    return {
      code: 'InvalidRequest',
      message: `x-amz-mp-object-size is ${objectSize}, the parts hold ${size} bytes`,
    };
  }
  return undefined;
}

function fail(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>local</RequestId></Error>`;
}

/** `/bucket/key/with/slashes` → [bucket, key]; key undefined for bucket-level requests. */
function splitPath(urlPath: string): [string | undefined, string | undefined] {
  const match = /^\/([^/]+)\/(.+)$/.exec(urlPath);
  if (!match) return [undefined, undefined];
  return [decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? '')];
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function crc32Base64(data: Uint8Array): string {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(zlib.crc32(data));
  return bytes.toString('base64');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
