import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** The parts of s3rver's Koa context the local S3 extension uses, and small helpers around them. */

export interface KoaContext {
  method: string;
  path: string;
  querystring: string;
  query: Record<string, string | string[] | undefined>;
  req: IncomingMessage;
  status: number;
  body: unknown;
  type: string;
  get(field: string): string;
  set(field: string, value: string): void;
}
export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** Answers an S3 error document. */
export function fail(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>local</RequestId></Error>`;
}

/** `/bucket/key/with/slashes` → [bucket, key]; key undefined for bucket-level requests. */
export function splitPath(urlPath: string): [string | undefined, string | undefined] {
  const match = /^\/([^/]+)\/(.+)$/.exec(urlPath);
  if (!match) return [undefined, undefined];
  return [decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? '')];
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Hands s3rver a body already read, as if it still came from the socket. */
export function replaceBody(ctx: KoaContext, body: Buffer): void {
  ctx.req = Object.assign(Readable.from([body]), { headers: ctx.req.headers }) as unknown as IncomingMessage;
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export function crc32Base64(crc: number): string {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString('base64');
}

/** zlib's CRC-32 of bytes, continuing from `initial`: the local S3 never combines part CRCs itself. */
export function crc32(data: Uint8Array, initial = 0): number {
  return zlib.crc32(data, initial);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
