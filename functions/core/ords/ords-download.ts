import { Readable } from 'node:stream';
import { OrdsResponseError } from '../base/index.js';
import type { FileDownload } from './ords-api.js';
import { sanitizeSnippet } from './ords-errors.js';
import { discard, type Exchange, header, parseLength, type Response } from './ords-response.js';

/**
 * The file download route of `OrdsClient` (`GET …/jobs/<owner>,<job>/<file>`): the request for a
 * file from an offset, and the checks of the answer (200, 206 or 416) before its body is handed on.
 */

/** Options of one download: where to resume, the `If-Range` validator, and an abort signal. */
export interface DownloadOptions {
  readonly offset?: number;
  readonly ifRange?: string;
  readonly signal?: AbortSignal;
}

/** The exchange that downloads `url` from `offset` (a Range request past 0). */
export function downloadExchange(url: URL, offset: number, options: DownloadOptions): Exchange {
  return {
    method: 'GET',
    url,
    headers: {
      accept: '*/*',
      // Offsets and lengths must count the file's bytes, not a compressed form of them.
      'accept-encoding': 'identity',
      ...(offset > 0 ? { range: `bytes=${offset}-` } : {}),
      ...(offset > 0 && options.ifRange ? { 'if-range': options.ifRange } : {}),
    },
    ...(options.signal ? { signal: options.signal } : {}),
    expect: offset > 0 ? [200, 206, 416] : [200, 206],
    context: offset > 0 ? `requested Range: bytes=${offset}-` : undefined,
  };
}

/**
 * The download in an answer to `downloadExchange(url, offset)`: refuses an encoded body and a
 * `Content-Range` that is malformed, starts elsewhere than `offset` or disagrees with `Content-Length`
 * (the body is destroyed first); a 416 is the end of the file, an empty body.
 */
export async function readFileDownload(response: Response, url: URL, offset: number): Promise<FileDownload> {
  const refuse = (why: string): never => {
    response.body.destroy();
    throw new OrdsResponseError(`ORDS answered ${response.statusCode} to GET ${url.href}: ${why}`);
  };
  const encoding = header(response, 'content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    refuse(
      `the body is encoded (Content-Encoding: ${sanitizeSnippet(encoding, 50)}), expected the file's bytes`,
    );
  }
  const contentType = header(response, 'content-type') ?? null;
  const etag = header(response, 'etag');
  // If-Range takes a strong ETag only (RFC 9110 13.1.5); a weak one falls back to Last-Modified.
  const validator =
    (etag !== undefined && !etag.startsWith('W/') ? etag : header(response, 'last-modified')) ?? null;
  const about = { contentType, validator };
  const contentRange = header(response, 'content-range');
  if (response.statusCode === 416) {
    const size = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(contentRange ?? '');
    await discard(response);
    if (!size) refuse(`Content-Range "${sanitizeSnippet(contentRange ?? '', 100)}" is not bytes */<size>`);
    const totalBytes = Number(size?.[1]);
    return { start: offset, totalBytes, contentLength: 0, ...about, body: Readable.from([]) };
  }
  const contentLength = parseLength(header(response, 'content-length'));
  if (response.statusCode === 200) {
    return {
      start: 0,
      totalBytes: contentLength,
      contentLength,
      ...about,
      body: response.body as Readable,
    };
  }
  const range = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(contentRange ?? '');
  if (!range)
    return refuse(
      `Content-Range "${sanitizeSnippet(contentRange ?? '', 100)}" is not bytes <start>-<end>/<total>`,
    );
  const start = Number(range[1]);
  const end = Number(range[2]);
  const totalBytes = range[3] === '*' ? null : Number(range[3]);
  if (start !== offset)
    return refuse(`Content-Range "${contentRange}" does not start at the requested offset ${offset}`);
  if (end < start || (totalBytes !== null && end >= totalBytes))
    return refuse(`Content-Range "${contentRange}" is inconsistent`);
  if (contentLength !== null && contentLength !== end - start + 1) {
    return refuse(`Content-Length ${contentLength} does not match Content-Range "${contentRange}"`);
  }
  return { start, totalBytes, contentLength: end - start + 1, ...about, body: response.body as Readable };
}
