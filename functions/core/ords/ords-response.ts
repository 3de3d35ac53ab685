import { STATUS_CODES } from 'node:http';
import { TextDecoder } from 'node:util';
import type { Dispatcher } from 'undici';
import { OrdsAuthError, OrdsResponseError } from '../base/index.js';
import {
  describeErrorBody,
  isAbort,
  networkError,
  OrdsHttpRequestError,
  OrdsHttpUnavailableError,
  sanitizeSnippet,
} from './ords-errors.js';

/**
 * Reading ORDS answers: statuses to named errors, JSON and error bodies within limits, headers,
 * the log's charset. Pure functions of a response, used by `OrdsClient`.
 */

/** One HTTP exchange with ORDS. */
export interface Exchange {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** Statuses handed back to the caller; any other status throws. */
  readonly expect: readonly number[];
  /** Appended to error messages (e.g. the requested range). */
  readonly context?: string;
}

export type Response = Dispatcher.ResponseData;

/** Largest JSON answer read into memory. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** Largest part of an error body read for the message (the rest is discarded). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Who asked: named in 401/403 messages (the user and the secret, never its value). */
export interface Requester {
  readonly user: string;
  readonly secretId: string | undefined;
}

/** Reads an unexpected answer's body (up to a limit) and throws the matching error. */
export async function failWith(exchange: Exchange, response: Response, requester: Requester): Promise<never> {
  const { method, url } = exchange;
  const status = response.statusCode;
  const said = describeErrorBody(header(response, 'content-type'), await readErrorBody(response));
  const statusText = STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : '';
  const contentRange = status === 416 ? header(response, 'content-range') : undefined;
  const tail = [
    said ? `ORDS said: ${said}` : '',
    exchange.context ?? '',
    contentRange ? `Content-Range: ${sanitizeSnippet(contentRange, 60)}` : '',
  ]
    .filter((part) => part !== '')
    .join('; ');
  const suffix = tail ? ` (${tail})` : '';
  if (status === 401 || status === 403) {
    const secret = requester.secretId ? `the secret "${requester.secretId}"` : 'the ORDS secret';
    const advice =
      status === 401
        ? `check ${secret}`
        : `the user is authenticated but not allowed: it needs the "SQL Administrator" role (ORDS ≥ 21.3: ` +
          `"SQL Developer") and rights on the directory — check ${secret}`;
    throw new OrdsAuthError(
      `ORDS answered ${status}${statusText} for user ${requester.user} at ${method} ${url.href} — ${advice}${suffix}`,
    );
  }
  if (status === 429 || status >= 500) {
    const retryAfter = header(response, 'retry-after');
    const hint = retryAfter ? `, Retry-After: ${sanitizeSnippet(retryAfter, 40)}` : '';
    throw new OrdsHttpUnavailableError(
      `ORDS answered ${status}${statusText} to ${method} ${url.href}${hint}${suffix}`,
      status,
    );
  }
  if (status >= 300 && status < 400) {
    const location = header(response, 'location');
    throw new OrdsHttpRequestError(
      `ORDS answered ${status}${statusText} to ${method} ${url.href}` +
        `${location ? ` redirecting to ${sanitizeSnippet(location, 200)}` : ''}: redirects are not followed ` +
        `— configure the final https ORDS URL${suffix}`,
      status,
      said,
    );
  }
  if (status >= 400) {
    throw new OrdsHttpRequestError(
      `ORDS answered ${status}${statusText} to ${method} ${url.href}${suffix}`,
      status,
      said,
    );
  }
  throw new OrdsResponseError(
    `ORDS answered ${status}${statusText} to ${method} ${url.href}, expected ${exchange.expect.join(' or ')}${suffix}`,
  );
}

/** Reads a JSON answer; invalid JSON throws `OrdsResponseError` quoting a snippet (unless `quote` is false). */
export async function readJson(response: Response, method: string, url: URL, quote = true): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_JSON_BYTES) {
        response.body.destroy();
        throw new OrdsResponseError(
          `ORDS sent more than ${MAX_JSON_BYTES} bytes of JSON to ${method} ${url.href}`,
        );
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof OrdsResponseError) throw error;
    throw bodyError(error, method, url);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    const type = header(response, 'content-type') ?? 'none';
    const snippet = quote ? `: ${describeErrorBody(type, text) || '(empty body)'}` : '';
    throw new OrdsResponseError(
      `ORDS answered ${response.statusCode} to ${method} ${url.href} with a body that is not JSON ` +
        `(Content-Type ${sanitizeSnippet(type, 100)})${snippet}`,
    );
  }
}

/** A broken-off body: an abort as it is, anything else as a network failure. */
export function bodyError(error: unknown, method: string, url: URL): unknown {
  return isAbort(error) ? error : networkError(error, method, url);
}

/**
 * The decoder of a log: Data Pump writes logs in the database character set, which ORDS names in
 * `Content-Type` (`text/plain; charset=Shift_JIS`). UTF-8 when no charset is given.
 */
export function logDecoder(contentType: string | undefined, url: URL): TextDecoder {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset);
  } catch {
    throw new OrdsResponseError(
      `ORDS sent the log ${url.href} in charset "${sanitizeSnippet(charset, 60)}", which Node.js cannot ` +
        'decode (supported: UTF-8, Shift_JIS, EUC-JP, ISO-8859-x, windows-125x and the other WHATWG encodings)',
    );
  }
}

/** The first value of a response header. */
export function header(response: Response, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function parseLength(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : null;
}

/** Reads at most `MAX_ERROR_BODY_BYTES` of an error body, then drops the rest; never throws. */
function readErrorBody(response: Response): Promise<string> {
  return readAtMost(response, MAX_ERROR_BODY_BYTES);
}

/**
 * Reads at most `maxBytes` of a body as UTF-8 text, then drops the rest; never throws: a body that
 * breaks off still leaves the status (and what arrived) to report.
 */
export async function readAtMost(response: Pick<Response, 'body'>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= maxBytes) {
        response.body.destroy();
        break;
      }
    }
  } catch {
    // Keep what arrived.
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** Consumes a body that is not needed, so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  await response.body.dump({ limit: MAX_ERROR_BODY_BYTES }).catch(() => undefined);
}

/**
 * Reads a log answer, keeping only its last `maxBytes` (the verdict is at the end), decoded with the
 * charset ORDS names; a cut start is moved to a character (UTF-8) or line boundary.
 */
export async function readLogTail(
  response: Response,
  url: URL,
  maxBytes: number,
): Promise<{ text: string; totalBytes: number; keptBytes: number }> {
  const chunks: Buffer[] = [];
  let held = 0;
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      chunks.push(buffer);
      held += buffer.length;
      total += buffer.length;
      // Keep only what can still be among the last maxBytes: the verdict is at the end.
      while (chunks.length > 1 && held - (chunks[0]?.length ?? 0) >= maxBytes) {
        held -= chunks.shift()?.length ?? 0;
      }
    }
  } catch (error) {
    throw bodyError(error, 'GET', url);
  }
  const decoder = logDecoder(header(response, 'content-type'), url);
  let bytes = Buffer.concat(chunks);
  if (bytes.length > maxBytes) {
    bytes = bytes.subarray(bytes.length - maxBytes);
    let skip = 0;
    if (decoder.encoding === 'utf-8') {
      // Do not start in the middle of a UTF-8 sequence.
      while (skip < 3 && skip < bytes.length && ((bytes[skip] ?? 0) & 0xc0) === 0x80) skip++;
    } else {
      // Other charsets cannot be resynchronised mid-character: start at the next line.
      skip = bytes.indexOf(0x0a) + 1;
    }
    bytes = bytes.subarray(skip);
  }
  return { text: decoder.decode(bytes), totalBytes: total, keptBytes: bytes.length };
}
