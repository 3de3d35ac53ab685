import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import { crc32Combine, crc32ToBase64 } from '../functions/core/transfer/index.js';

/**
 * Sinks that receive uploads as fast as loopback allows and store nothing, so the benchmark measures
 * the copying side, not a storage server.
 */

/** A sink listening on loopback. */
export interface DiscardSink {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** What the sink received and checked so far. */
  stats(): SinkStats;
  /** Closes the server and every connection. */
  stop(): Promise<void>;
}

/** What a sink received. */
export interface SinkStats {
  /** Request bodies read (bytes). */
  readonly bodyBytes: number;
  /** Parts whose size and `x-amz-checksum-crc32` matched their bytes. */
  readonly partsVerified: number;
  /** Requests refused (bad checksum, bad size, unknown upload, bad completion...). */
  readonly refused: number;
  /** Multipart uploads completed. */
  readonly completed: number;
}

/** The smallest part S3 accepts, the last part excepted. */
const S3_MIN_PART_BYTES = 5 * 1024 * 1024;

interface PartRecord {
  readonly size: number;
  readonly crc32: string;
  readonly etag: string;
}

interface UploadRecord {
  readonly key: string;
  readonly parts: Map<number, PartRecord>;
  /** `x-amz-checksum-type` of CreateMultipartUpload. */
  readonly checksumType: string;
}

interface ObjectRecord {
  readonly size: number;
  readonly etag: string;
  /** The FULL_OBJECT CRC-32 S3 would keep, if any. */
  readonly crc32?: string;
  tags: Array<{ key: string; value: string }>;
}

/**
 * A minimal S3 endpoint that keeps no data: CreateMultipartUpload, UploadPart, ListParts,
 * CompleteMultipartUpload, AbortMultipartUpload, PutObject, HeadObject, Get/PutObjectTagging.
 * Each part is streamed through CRC-32 and must match its `x-amz-checksum-crc32` and Content-Length
 * (a part without a checksum is refused, as an Object Lock bucket does); completions are checked for
 * order, ETags, checksums, the 5 MiB minimum, `x-amz-mp-object-size` and a FULL_OBJECT CRC-32
 * (BadDigest), shown on HEAD with checksum mode. It keeps part sizes and checksums only. Signatures
 * are not checked (the local S3 checks them).
 */
export async function startS3DiscardSink(): Promise<DiscardSink> {
  const uploads = new Map<string, UploadRecord>();
  const objects = new Map<string, ObjectRecord>();
  const counters = { bodyBytes: 0, partsVerified: 0, refused: 0, completed: 0 };

  const refuse = (res: ServerResponse, status: number, code: string, message: string) => {
    counters.refused += 1;
    sendError(res, status, code, message);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sink.invalid');
    const match = /^\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match) return refuse(res, 400, 'InvalidRequest', `Unsupported path ${url.pathname}`);
    const bucket = decodeURIComponent(match[1] ?? '');
    const key = decodeURIComponent(match[2] ?? '');
    const query = url.searchParams;
    const method = req.method ?? 'GET';
    const encoding = req.headers['content-encoding'] ?? '';
    if (encoding.includes('aws-chunked') || header(req, 'x-amz-content-sha256').startsWith('STREAMING-')) {
      await drain(req);
      return refuse(res, 501, 'NotImplemented', 'aws-chunked bodies are not accepted by this sink');
    }
    const uploadId = query.get('uploadId');

    if (method === 'POST' && query.has('uploads')) {
      await drain(req);
      const id = randomUUID();
      uploads.set(id, {
        key,
        parts: new Map(),
        checksumType: header(req, 'x-amz-checksum-type').toUpperCase() || 'COMPOSITE',
      });
      return sendXml(
        res,
        200,
        `<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xml(bucket)}</Bucket>` +
          `<Key>${xml(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      );
    }

    if (uploadId !== null) {
      const upload = uploads.get(uploadId);
      if (upload === undefined || upload.key !== key) {
        await drain(req);
        return refuse(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      }
      if (method === 'PUT') return uploadPart(req, res, upload, Number(query.get('partNumber')));
      if (method === 'GET') return listParts(res, bucket, key, uploadId, upload, query);
      if (method === 'DELETE') {
        uploads.delete(uploadId);
        res.writeHead(204).end();
        return;
      }
      if (method === 'POST') {
        const body = (await readAll(req)).toString('utf8');
        const problem = checkCompletion(upload, body, header(req, 'x-amz-mp-object-size'));
        if (typeof problem === 'string') return refuse(res, 400, 'InvalidPart', problem);
        const expected = header(req, 'x-amz-checksum-crc32');
        if (problem.crc32 !== undefined && expected !== '' && expected !== problem.crc32) {
          return refuse(
            res,
            400,
            'BadDigest',
            `The CRC32 you specified (${expected}) did not match (${problem.crc32}).`,
          );
        }
        uploads.delete(uploadId);
        const etag = `"${randomUUID().replaceAll('-', '')}-${upload.parts.size}"`;
        objects.set(key, {
          size: problem.size,
          etag,
          ...(problem.crc32 ? { crc32: problem.crc32 } : {}),
          tags: [],
        });
        counters.completed += 1;
        return sendXml(
          res,
          200,
          `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
            `<Location>http://sink.invalid/${xml(bucket)}/${xml(key)}</Location><Bucket>${xml(bucket)}</Bucket>` +
            `<Key>${xml(key)}</Key><ETag>${xml(etag)}</ETag></CompleteMultipartUploadResult>`,
        );
      }
    }

    if (query.has('tagging')) {
      const object = objects.get(key);
      if (method === 'GET') {
        await drain(req);
        if (object === undefined)
          return sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        const tags = object.tags
          .map((tag) => `<Tag><Key>${xml(tag.key)}</Key><Value>${xml(tag.value)}</Value></Tag>`)
          .join('');
        return sendXml(res, 200, `<Tagging><TagSet>${tags}</TagSet></Tagging>`);
      }
      if (method === 'PUT') {
        const body = (await readAll(req)).toString('utf8');
        if (object === undefined) return refuse(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        object.tags = [
          ...body.matchAll(/<Tag>\s*<Key>([^<]*)<\/Key>\s*<Value>([^<]*)<\/Value>\s*<\/Tag>/g),
        ].map(([, tagKey = '', value = '']) => ({ key: unxml(tagKey), value: unxml(value) }));
        res.writeHead(200).end();
        return;
      }
    }

    if (method === 'HEAD') {
      const object = objects.get(key);
      if (object === undefined) {
        res.writeHead(404).end();
        return;
      }
      const checksum =
        object.crc32 !== undefined && header(req, 'x-amz-checksum-mode').toUpperCase() === 'ENABLED'
          ? { 'x-amz-checksum-crc32': object.crc32, 'x-amz-checksum-type': 'FULL_OBJECT' }
          : {};
      res.writeHead(200, { 'content-length': object.size, etag: object.etag, ...checksum }).end();
      return;
    }

    if (method === 'PUT' && !query.has('partNumber')) {
      const { size, crc32 } = await readChecksummed(req);
      counters.bodyBytes += size;
      const expected = header(req, 'x-amz-checksum-crc32');
      if (expected !== '' && expected !== crc32) return refuse(res, 400, 'BadDigest', 'CRC32 mismatch');
      const etag = `"${crc32ToHex(crc32)}"`;
      objects.set(key, { size, etag, ...(expected === '' ? {} : { crc32 }), tags: [] });
      res.writeHead(200, { etag }).end();
      return;
    }

    await drain(req);
    refuse(
      res,
      501,
      'NotImplemented',
      `${method} ${url.pathname}${url.search} is not supported by this sink`,
    );
  };

  const uploadPart = async (
    req: IncomingMessage,
    res: ServerResponse,
    upload: UploadRecord,
    partNumber: number,
  ): Promise<void> => {
    const { size, crc32 } = await readChecksummed(req);
    counters.bodyBytes += size;
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      return refuse(res, 400, 'InvalidArgument', `Part number must be 1 to 10000, got ${partNumber}`);
    }
    const expected = header(req, 'x-amz-checksum-crc32');
    if (expected === '')
      return refuse(res, 400, 'InvalidRequest', 'Every part must carry x-amz-checksum-crc32');
    if (expected !== crc32) {
      return refuse(res, 400, 'BadDigest', `The CRC32 you specified (${expected}) did not match (${crc32}).`);
    }
    const length = Number(header(req, 'content-length'));
    if (length !== size) {
      return refuse(res, 400, 'IncompleteBody', `Content-Length ${length}, received ${size} bytes`);
    }
    const etag = `"${crc32ToHex(crc32)}${size.toString(16).padStart(8, '0')}"`;
    upload.parts.set(partNumber, { size, crc32, etag });
    counters.partsVerified += 1;
    res.writeHead(200, { etag, 'x-amz-checksum-crc32': crc32 }).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'InternalError', String(error));
    });
  });
  return listen(server, () => ({ ...counters }));
}

function listParts(
  res: ServerResponse,
  bucket: string,
  key: string,
  uploadId: string,
  upload: UploadRecord,
  query: URLSearchParams,
): void {
  const marker = Number(query.get('part-number-marker') ?? 0) || 0;
  const maxParts = Math.min(Number(query.get('max-parts') ?? 1000) || 1000, 1000);
  const after = [...upload.parts.entries()].filter(([number]) => number > marker).sort(([a], [b]) => a - b);
  const page = after.slice(0, maxParts);
  const parts = page
    .map(
      ([number, part]) =>
        `<Part><PartNumber>${number}</PartNumber><ETag>${xml(part.etag)}</ETag><Size>${part.size}</Size>` +
        `<ChecksumCRC32>${part.crc32}</ChecksumCRC32></Part>`,
    )
    .join('');
  sendXml(
    res,
    200,
    `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xml(bucket)}</Bucket>` +
      `<Key>${xml(key)}</Key><UploadId>${uploadId}</UploadId><PartNumberMarker>${marker}</PartNumberMarker>` +
      `<NextPartNumberMarker>${page.at(-1)?.[0] ?? marker}</NextPartNumberMarker><MaxParts>${maxParts}</MaxParts>` +
      `<IsTruncated>${after.length > page.length}</IsTruncated><ChecksumAlgorithm>CRC32</ChecksumAlgorithm>` +
      `${parts}</ListPartsResult>`,
  );
}

/**
 * The object's size (and its FULL_OBJECT CRC-32, combined from the parts' as S3 does: the sink keeps
 * no bytes), or why S3 would refuse this CompleteMultipartUpload.
 */
function checkCompletion(
  upload: UploadRecord,
  body: string,
  objectSize: string,
): { size: number; crc32?: string } | string {
  const requested = [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, inner = '']) => ({
    number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(inner)?.[1]),
    etag: unxml(/<ETag>([^<]*)<\/ETag>/.exec(inner)?.[1] ?? ''),
    crc32: /<ChecksumCRC32>([^<]*)<\/ChecksumCRC32>/.exec(inner)?.[1],
  }));
  if (requested.length === 0) return 'no parts in the request';
  let previous = 0;
  let size = 0;
  let crc = 0;
  for (const [index, part] of requested.entries()) {
    if (!(part.number > previous)) return `part ${part.number} is out of order`;
    previous = part.number;
    const stored = upload.parts.get(part.number);
    if (stored === undefined || stored.etag !== part.etag)
      return `part ${part.number} is unknown or its ETag differs`;
    if (part.crc32 !== undefined && part.crc32 !== stored.crc32)
      return `part ${part.number}'s CRC-32 differs`;
    if (index < requested.length - 1 && stored.size < S3_MIN_PART_BYTES) {
      return `part ${part.number} holds ${stored.size} bytes, less than 5 MiB`;
    }
    size += stored.size;
    crc = crc32Combine(crc, Buffer.from(stored.crc32, 'base64').readUInt32BE(0), stored.size);
  }
  if (objectSize !== '' && Number(objectSize) !== size) {
    return `x-amz-mp-object-size is ${objectSize}, the parts hold ${size} bytes`;
  }
  return upload.checksumType === 'FULL_OBJECT' ? { size, crc32: crc32ToBase64(crc) } : { size };
}

async function listen(server: ReturnType<typeof createServer>, stats: () => SinkStats): Promise<DiscardSink> {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Streams a body through CRC-32: its size and base64 big-endian checksum, nothing kept. */
/**
 * Size and CRC-32 of a body, read through `'data'` events: each chunk as the socket delivered it.
 * (The async iterator would `read()`, which joins the chunks buffered meanwhile into new Buffers, a
 * promise per chunk besides: ≈ 0.2 CPU s/GiB of this stand-in for S3 in every scenario, on the same
 * two cores as the copy.)
 */
async function readChecksummed(req: IncomingMessage): Promise<{ size: number; crc32: string }> {
  let crc = 0;
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    crc = zlib.crc32(chunk, crc);
    size += chunk.length;
  });
  await finished(req);
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(crc);
  return { size, crc32: bytes.toString('base64') };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // Read and drop: answering before the body is read resets the connection under a large body.
  }
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendXml(
    res,
    status,
    `<Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>sink</RequestId></Error>`,
  );
}

function crc32ToHex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function unxml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
