import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { TextDecoder } from 'node:util';
import { Agent, type Dispatcher, request } from 'undici';
import { OrdsAuthError, OrdsResponseError, OrdsUnavailableError, UnsafeLinkError } from '../errors.js';
import type { ExportRequestBody } from '../export-spec.js';
import type { DataPumpJob, FileDownload, JobListItem, Logger, OrdsApi, OrdsSecret } from './ords-api.js';
import { type AccessToken, OrdsAuth, parseTokenResponse } from './ords-auth.js';
import {
  describeErrorBody,
  isAbort,
  networkError,
  OrdsHttpRequestError,
  OrdsHttpUnavailableError,
  refusedExportField,
  sanitizeSnippet,
} from './ords-errors.js';
import { type LinkWarning, parseJob, parseJobList } from './ords-parse.js';
import {
  exportUrl,
  isUnderBase,
  jobFileUrl,
  jobsUrl,
  jobUrl,
  parseOrdsUrl,
  sqlUrl,
  tokenUrl,
} from './ords-url.js';
import { parseSqlResponse, type RestSqlApi, type SqlStatementResult, sqlScript } from './rest-sql.js';

/** Timeouts of ORDS requests, in milliseconds. */
export interface OrdsTimeouts {
  /** To open the TCP/TLS connection. @default 10_000 */
  readonly connectMs?: number;
  /** From sending the request to the end of the response headers. @default 60_000 */
  readonly headersMs?: number;
  /** Longest pause between two chunks of a response body (downloads included). @default 120_000 */
  readonly bodyMs?: number;
}

/** Options of `OrdsClient`. */
export interface OrdsClientOptions {
  /** The configured ORDS URL, `https://host[:port]/ords/[db/]schema-alias/` (checked by `parseOrdsUrl`). */
  readonly baseUrl: string;
  /** Credentials and optional CA bundle (see `parseOrdsSecret`). */
  readonly secret: OrdsSecret;
  /** The secret's id, named in 401/403 messages. @default - messages say "the ORDS secret" */
  readonly secretId?: string;
  /** @default - no logging */
  readonly logger?: Logger;
  /**
   * Replaces the client's own undici `Agent` (tests pass a `MockAgent`). The secret's `caBundle` and
   * the connect timeout are then the dispatcher's business.
   * @default - an `Agent` trusting Node's root certificates plus `secret.caBundle`
   */
  readonly dispatcher?: Dispatcher;
  /** @default - see `OrdsTimeouts` */
  readonly timeouts?: OrdsTimeouts;
  /** @default 'ords-datapump-backup' */
  readonly userAgent?: string;
  /** Clock in milliseconds, for the OAuth token's expiry. @default Date.now */
  readonly now?: () => number;
  /** Most pages `listJobs` reads before giving up. @default 100 */
  readonly maxListPages?: number;
}

/**
 * Time kept free at the end of an invocation (at most; half of a shorter one): a request whose
 * answer would come later is cut short and reported as ORDS unavailable (retried), instead of the
 * function being killed mid-request.
 */
export const DEADLINE_MARGIN_MS = 5_000;

/** Largest JSON answer read into memory. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** Largest part of an error body read for the message (the rest is discarded). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Default `maxBytes` of `readLog`. */
const DEFAULT_LOG_MAX_BYTES = 16 * 1024 * 1024;

const DEFAULT_TIMEOUTS: Required<OrdsTimeouts> = { connectMs: 10_000, headersMs: 60_000, bodyMs: 120_000 };

/**
 * The undici `Agent` of an ORDS client: TLS verification always on, trusting Node's root
 * certificates plus the secret's `caBundle` when there is one.
 */
export function createOrdsAgent(secret: OrdsSecret, timeouts: OrdsTimeouts = {}): Agent {
  const { connectMs, headersMs, bodyMs } = { ...DEFAULT_TIMEOUTS, ...timeouts };
  return new Agent({
    connect: {
      timeout: connectMs,
      rejectUnauthorized: true,
      ...(secret.caBundle ? { ca: [...rootCertificates, secret.caBundle] } : {}),
    },
    headersTimeout: headersMs,
    bodyTimeout: bodyMs,
  });
}

/** One HTTP exchange with ORDS. */
interface Exchange {
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

type Response = Dispatcher.ResponseData;

/**
 * The ORDS Database API's Data Pump routes over HTTP(S) with undici. Never follows redirects and
 * only requests URLs built from the configured ORDS URL (links give file names only), so the
 * credentials never reach another origin. On a 401 to a cached OAuth token it fetches one new token
 * and retries that request once; a Basic 401 is never retried (the database account would lock).
 */
export class OrdsClient implements OrdsApi, RestSqlApi {
  readonly baseUrl: string;
  readonly jobOwner: string | null;
  readonly #base: URL;
  readonly #auth: OrdsAuth;
  readonly #secretId: string | undefined;
  readonly #logger: Logger | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownAgent: Agent | null;
  readonly #timeouts: Required<OrdsTimeouts>;
  readonly #userAgent: string;
  readonly #maxListPages: number;
  #remainingTimeMs: (() => number) | undefined;

  constructor(options: OrdsClientOptions) {
    this.#base = parseOrdsUrl(options.baseUrl);
    this.baseUrl = this.#base.href;
    const { credentials } = options.secret;
    this.jobOwner = credentials.kind === 'basic' ? credentials.username.toUpperCase() : null;
    this.#secretId = options.secretId;
    this.#logger = options.logger;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#userAgent = options.userAgent ?? 'ords-datapump-backup';
    this.#maxListPages = options.maxListPages ?? 100;
    this.#ownAgent = options.dispatcher ? null : createOrdsAgent(options.secret, this.#timeouts);
    this.#dispatcher = options.dispatcher ?? (this.#ownAgent as Agent);
    this.#auth = new OrdsAuth(options.secret.credentials, () => this.#fetchToken(), options.now ?? Date.now);
  }

  /**
   * Bounds every later request by the time the current invocation has left (Lambda's
   * `getRemainingTimeInMillis`); a client outlives invocations, so each one sets its own.
   */
  setRemainingTime(remainingTimeMs: () => number): void {
    this.#remainingTimeMs = remainingTimeMs;
  }

  async startExport(body: ExportRequestBody): Promise<DataPumpJob> {
    const url = exportUrl(this.#base);
    // ORDS documents 201; a 200 with the same job object is accepted rather than losing a started job.
    const response = await this.#send({
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      expect: [201, 200],
    }).catch((error: unknown) => {
      if (!(error instanceof OrdsHttpRequestError) || error.status !== 400) throw error;
      const refused = refusedExportField(error.said);
      if (refused === null) throw error;
      throw new OrdsHttpRequestError(`${refused.advice}. ${error.message}`, 400, error.said, {
        cause: error,
      });
    });
    return parseJob(await this.#readJson(response, 'POST', url), this.#base, this.#linkWarning);
  }

  async listJobs(): Promise<JobListItem[]> {
    const items = new Map<string, JobListItem>();
    let offset = 0;
    let limit: number | null = null;
    for (let page = 1; ; page++) {
      if (page > this.#maxListPages) {
        throw new OrdsResponseError(
          `The Data Pump job list at ${jobsUrl(this.#base).href} has more than ${this.#maxListPages} pages ` +
            `(${items.size} jobs read): stopping. Old jobs kept with keep_master=1 pile up; drop their ` +
            'control tables on the database.',
        );
      }
      // Paged by offset on the configured URL: a `next` link's path may not be ours to follow.
      const url = jobsUrl(this.#base);
      if (offset > 0) url.searchParams.set('offset', String(offset));
      if (limit !== null) url.searchParams.set('limit', String(limit));
      const list = parseJobList(await this.#getJson(url));
      // A job started while paging can shift a page: keep each job once.
      for (const item of list.items) items.set(`${item.owner},${item.jobName}`, item);
      if (!list.hasMore) return [...items.values()];
      if (list.pageCount === 0) {
        throw new OrdsResponseError(
          `ORDS says the job list at ${url.href} has more pages but sent an empty page at offset ${offset}`,
        );
      }
      offset = (list.offset ?? offset) + list.pageCount;
      limit = list.limit;
    }
  }

  async getJob(owner: string, jobName: string): Promise<DataPumpJob | null> {
    const url = jobUrl(this.#base, owner, jobName);
    const response = await this.#send({
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      expect: [200, 404],
    });
    if (response.statusCode === 404) {
      await discard(response);
      return null;
    }
    return parseJob(await this.#readJson(response, 'GET', url), this.#base, this.#linkWarning);
  }

  async downloadFile(
    owner: string,
    jobName: string,
    fileName: string,
    options: { readonly offset?: number; readonly ifRange?: string; readonly signal?: AbortSignal } = {},
  ): Promise<FileDownload> {
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`download offset must be a non-negative integer, got ${offset}`);
    }
    const url = jobFileUrl(this.#base, owner, jobName, fileName);
    const response = await this.#send({
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
    });
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

  async readLog(
    owner: string,
    jobName: string,
    fileName: string,
    maxBytes: number = DEFAULT_LOG_MAX_BYTES,
  ): Promise<string> {
    const url = jobFileUrl(this.#base, owner, jobName, fileName);
    const response = await this.#send({
      method: 'GET',
      url,
      headers: { accept: 'text/plain, */*', 'accept-encoding': 'identity' },
      expect: [200],
    });
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
      throw this.#bodyError(error, 'GET', url);
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
      this.#logger?.warn('Data Pump log is larger than the limit: keeping its end', {
        fileName,
        totalBytes: total,
        keptBytes: bytes.length,
      });
    }
    return decoder.decode(bytes);
  }

  /** `POST …/_/sql` with the statements as one script; a 404 (service disabled) throws. */
  async runSql(statements: readonly string[]): Promise<SqlStatementResult[]> {
    const url = sqlUrl(this.#base);
    const response = await this.#send({
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ statementText: sqlScript(statements) }),
      expect: [200],
    });
    return parseSqlResponse(await this.#readJson(response, 'POST', url), statements);
  }

  readonly #linkWarning: LinkWarning = (message, detail) => this.#logger?.warn(message, detail);

  /** Closes the client's own connection pool (not a dispatcher passed in). */
  async close(): Promise<void> {
    await this.#ownAgent?.close();
  }

  async #getJson(url: URL): Promise<unknown> {
    const response = await this.#send({
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      expect: [200],
    });
    return this.#readJson(response, 'GET', url);
  }

  /** POST …/oauth/token with the client credentials. Never retried: a 401 here is final. */
  async #fetchToken(): Promise<AccessToken> {
    const url = tokenUrl(this.#base);
    const exchange: Exchange = {
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      expect: [200],
    };
    const response = await this.#dispatch(exchange, this.#auth.clientAuthorization());
    if (response.statusCode !== 200) return this.#fail(exchange, response);
    this.#logger?.debug('Fetched an OAuth token from ORDS', { url: url.href });
    // The answer holds the token: never quote it in a message.
    return parseTokenResponse(await this.#readJson(response, 'POST', url, false));
  }

  /** Sends an authenticated request; statuses outside `expect` throw (bodies consumed). */
  async #send(exchange: Exchange): Promise<Response> {
    let authorization = await this.#auth.authorization();
    let response = await this.#dispatch(exchange, authorization.header);
    if (response.statusCode === 401 && authorization.cached) {
      // The cached token may have been revoked or expired early: renew it once, retry once.
      await discard(response);
      this.#auth.invalidate(authorization.header);
      this.#logger?.info('ORDS refused the cached OAuth token: fetching a new one and retrying once', {
        method: exchange.method,
        url: exchange.url.href,
      });
      authorization = await this.#auth.authorization();
      response = await this.#dispatch(exchange, authorization.header);
    }
    if (exchange.expect.includes(response.statusCode)) return response;
    return this.#fail(exchange, response);
  }

  /** One HTTP request, network failures mapped to project errors. */
  async #dispatch(exchange: Exchange, authorization: string): Promise<Response> {
    const { method, url } = exchange;
    if (!isUnderBase(this.#base, url)) {
      // Unreachable through the public methods: the last guard before credentials leave.
      throw new UnsafeLinkError(`Refusing to send credentials to ${url.href}: not under ${this.#base.href}`);
    }
    const startedAt = Date.now();
    const remainingMs = this.#remainingTimeMs?.() ?? Number.POSITIVE_INFINITY;
    // Half of a short budget (local runs with seconds per invocation), else 5 s: undici's timers
    // for timeouts over a second fire up to a second late.
    const leftMs = remainingMs - Math.min(DEADLINE_MARGIN_MS, remainingMs / 2);
    if (leftMs <= 0) {
      throw new OrdsUnavailableError(
        `No time left in this invocation for ${method} ${url.href}: the step is tried again`,
      );
    }
    let response: Response;
    try {
      response = await request(url, {
        method,
        headers: { ...exchange.headers, authorization, 'user-agent': this.#userAgent },
        body: exchange.body ?? null,
        dispatcher: this.#dispatcher,
        // Never wait for an answer past the invocation's end (Lambda would kill the function).
        headersTimeout: Math.min(this.#timeouts.headersMs, leftMs),
        bodyTimeout: Math.min(this.#timeouts.bodyMs, leftMs),
        signal: exchange.signal ?? null,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      const mapped = networkError(error, method, url);
      this.#logger?.warn('ORDS request failed', { method, url: url.href, error: mapped.message });
      throw mapped;
    }
    this.#logger?.debug('ORDS answered', {
      method,
      url: url.href,
      status: response.statusCode,
      durationMs: Date.now() - startedAt,
    });
    return response;
  }

  /** Reads an unexpected answer's body (up to a limit) and throws the matching error. */
  async #fail(exchange: Exchange, response: Response): Promise<never> {
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
      const secret = this.#secretId ? `the secret "${this.#secretId}"` : 'the ORDS secret';
      const advice =
        status === 401
          ? `check ${secret}`
          : `the user is authenticated but not allowed: it needs the "SQL Administrator" role (ORDS ≥ 21.3: ` +
            `"SQL Developer") and rights on the directory — check ${secret}`;
      throw new OrdsAuthError(
        `ORDS answered ${status}${statusText} for user ${this.#auth.user} at ${method} ${url.href} — ${advice}${suffix}`,
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
  async #readJson(response: Response, method: string, url: URL, quote = true): Promise<unknown> {
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
      throw this.#bodyError(error, method, url);
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

  #bodyError(error: unknown, method: string, url: URL): unknown {
    return isAbort(error) ? error : networkError(error, method, url);
  }
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
function header(response: Response, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseLength(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : null;
}

/** Reads at most `MAX_ERROR_BODY_BYTES` of an error body, then drops the rest; never throws. */
async function readErrorBody(response: Response): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= MAX_ERROR_BODY_BYTES) {
        response.body.destroy();
        break;
      }
    }
  } catch {
    // A body that breaks off still leaves the status to report.
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
}

/** Consumes a body that is not needed, so the connection can be reused. */
async function discard(response: Response): Promise<void> {
  await response.body.dump({ limit: MAX_ERROR_BODY_BYTES }).catch(() => undefined);
}
