import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { KoaContext } from './koa.js';

/**
 * Checks an AWS Signature Version 4 `Authorization` header by signing the same canonical request
 * again with the local credentials (s3rver parses V4 headers but never checks them). The payload
 * hash is taken from `x-amz-content-sha256` as signed (UNSIGNED-PAYLOAD included, as S3 allows);
 * returns a message when the request is not correctly signed, else undefined.
 */
export async function sigV4Problem(
  ctx: KoaContext,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
): Promise<string | undefined> {
  const authorization = ctx.get('authorization');
  if (authorization === '') {
    // A presigned URL carries its signature in the query string instead (GET only here).
    return typeof ctx.query['X-Amz-Signature'] === 'string'
      ? presignedProblem(ctx, credentials)
      : 'the request is not signed (no Authorization header)';
  }
  const parsed =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!parsed) return 'the Authorization header is not AWS4-HMAC-SHA256';
  const [, accessKeyId, , region = '', service = '', signedHeaders = '', signature] = parsed;
  if (accessKeyId !== credentials.accessKeyId) return `unknown access key ${accessKeyId}`;
  const amzDate = ctx.get('x-amz-date');
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date) return `x-amz-date "${amzDate}" is not an ISO 8601 basic time`;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = ctx.get(name);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(ctx.querystring)) {
    const previous = query[name];
    query[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: NodeSha256,
    // S3 signs the path as sent, without normalising or encoding it twice.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const [, year, month, day, hour, minute, second] = date;
  const signed = await signer.sign(
    {
      method: ctx.method,
      protocol: 'http:',
      hostname: (headers.host ?? '').split(':')[0] ?? '',
      path: ctx.req.url?.split('?')[0] ?? ctx.path,
      query,
      headers,
    },
    { signingDate: new Date(Date.UTC(+year!, +month! - 1, +day!, +hour!, +minute!, +second!)) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1];
  return expected === signature ? undefined : 'the request signature does not match (SignatureDoesNotMatch)';
}

/**
 * Checks a presigned URL (query-string SigV4, as `@aws-sdk/s3-request-presigner` writes it): a GET,
 * not expired, signed with the local credentials over the same query and host.
 */
async function presignedProblem(
  ctx: KoaContext,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
): Promise<string | undefined> {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD')
    return `a presigned URL is not accepted for ${ctx.method}`;
  const params = new URLSearchParams(ctx.querystring);
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(
    params.get('X-Amz-Credential') ?? '',
  );
  if (!credential || params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256')
    return 'the presigned URL is not AWS4-HMAC-SHA256';
  const [, accessKeyId, , region = '', service = ''] = credential;
  if (accessKeyId !== credentials.accessKeyId) return `unknown access key ${accessKeyId}`;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(params.get('X-Amz-Date') ?? '');
  const expires = Number(params.get('X-Amz-Expires'));
  if (!date || !Number.isInteger(expires) || expires < 1 || expires > 604_800)
    return 'the presigned URL has no valid date and expiry';
  const [, year, month, day, hour, minute, second] = date;
  const signingDate = new Date(Date.UTC(+year!, +month! - 1, +day!, +hour!, +minute!, +second!));
  if (Date.now() > signingDate.getTime() + expires * 1000)
    return 'the presigned URL has expired (AccessDenied: Request has expired)';
  const query: Record<string, string> = {};
  // The signer puts back the X-Amz-* parameters it signs; the payload hash travels as a header to it.
  for (const [name, value] of params) if (!/^X-Amz-/i.test(name)) query[name] = value;
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const headers: Record<string, string> = {};
  for (const name of (params.get('X-Amz-SignedHeaders') ?? 'host').split(';')) headers[name] = ctx.get(name);
  const signed = await signer.presign(
    {
      method: ctx.method,
      protocol: 'http:',
      hostname: (headers.host ?? '').split(':')[0] ?? '',
      path: ctx.req.url?.split('?')[0] ?? ctx.path,
      query,
      headers: {
        ...headers,
        'X-Amz-Content-Sha256': params.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
      },
    },
    { signingDate, expiresIn: expires },
  );
  return signed.query?.['X-Amz-Signature'] === params.get('X-Amz-Signature')
    ? undefined
    : 'the presigned URL signature does not match (SignatureDoesNotMatch)';
}

/** SHA-256 and HMAC-SHA-256 in the shape the signer takes (node:crypto, as the SDK uses in Node). */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
