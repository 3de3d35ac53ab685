import { type Agent, type Dispatcher, request } from 'undici';
import { OrdsResponseError, OrdsUnavailableError, UnsafeLinkError } from '../base/index.js';
import { createOrdsAgent, DEADLINE_MARGIN_MS, DEFAULT_TIMEOUTS, type OrdsTimeouts } from './ords-agent.js';
import type {
  DataPumpJob,
  ExportRequestBody,
  FileDownload,
  ImportApi,
  ImportRequestBody,
  JobListItem,
  Logger,
  OrdsApi,
  OrdsSecret,
} from './ords-api.js';
import { type AccessToken, OrdsAuth, parseTokenResponse } from './ords-auth.js';
import { type DownloadOptions, downloadExchange, readFileDownload } from './ords-download.js';
import {
  isAbort,
  networkError,
  OrdsHttpRequestError,
  OrdsHttpUnavailableError,
  refusedExportField,
} from './ords-errors.js';
import { type LinkWarning, parseJob, parseJobList } from './ords-parse.js';
import {
  discard,
  type Exchange,
  failWith,
  type Requester,
  type Response,
  readJson,
  readLogTail,
} from './ords-response.js';
import {
  exportUrl,
  importUrl,
  isUnderBase,
  jobFileUrl,
  jobsUrl,
  jobUrl,
  parseOrdsUrl,
  sqlUrl,
  tokenUrl,
} from './ords-url.js';
import {
  parseSqlResponse,
  type RestSqlApi,
  type SqlRequest,
  type SqlRequestApi,
  type SqlStatementResult,
  sqlRequestBody,
  sqlScript,
} from './rest-sql.js';

export type { OrdsTimeouts };

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

/** Page size of the one-page job list read when ORDS ignores `offset`. */
const ONE_PAGE_LIMIT = 10_000;

/** Default `maxBytes` of `readLog`. */
const DEFAULT_LOG_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The ORDS Database API's Data Pump routes over HTTP(S) with undici. Never follows redirects and
 * only requests URLs built from the configured ORDS URL (links give file names only), so the
 * credentials never reach another origin. On a 401 to a cached OAuth token it fetches one new token
 * and retries that request once; a Basic 401 is never retried (the database account would lock).
 */
export class OrdsClient implements OrdsApi, RestSqlApi, SqlRequestApi, ImportApi {
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
  #offsetIgnored = false;

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
    return parseJob(await readJson(response, 'POST', url), this.#base, this.#linkWarning);
  }

  /** `POST …/database/datapump/import` (201, or 200 with the same job object). */
  async startImport(body: ImportRequestBody): Promise<DataPumpJob> {
    const url = importUrl(this.#base);
    const response = await this.#send({
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      expect: [201, 200],
    });
    return parseJob(await readJson(response, 'POST', url), this.#base, this.#linkWarning);
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
      const list = parseJobList(await this.#getJson(url).catch(explainJobList500));
      const known = items.size;
      // A job started while paging can shift a page: keep each job once.
      for (const item of list.items) items.set(`${item.owner},${item.jobName}`, item);
      if (!list.hasMore) return [...items.values()];
      if (offset > 0 && items.size === known && list.pageCount > 0) {
        // Offset paging is undocumented (Oracle documents `limit` only): this ORDS sent a page seen before.
        return this.#listJobsInOnePage(items);
      }
      if (list.pageCount === 0) {
        throw new OrdsResponseError(
          `ORDS says the job list at ${url.href} has more pages but sent an empty page at offset ${offset}`,
        );
      }
      offset = (list.offset ?? offset) + list.pageCount;
      limit = list.limit;
    }
  }

  get offsetIgnored(): boolean {
    return this.#offsetIgnored;
  }

  /** The job list in one page of `ONE_PAGE_LIMIT` (the documented `limit`), for an ORDS that ignores `offset`. */
  async #listJobsInOnePage(items: Map<string, JobListItem>): Promise<JobListItem[]> {
    const url = jobsUrl(this.#base);
    url.searchParams.set('limit', String(ONE_PAGE_LIMIT));
    if (this.#offsetIgnored) return this.#readOnePage(url, items);
    this.#offsetIgnored = true;
    this.#logger?.warn(
      `ORDS ignored offset when paging the Data Pump job list: reading it in one page of ${ONE_PAGE_LIMIT}`,
      { url: url.href },
    );
    return this.#readOnePage(url, items);
  }

  async #readOnePage(url: URL, items: Map<string, JobListItem>): Promise<JobListItem[]> {
    const list = parseJobList(await this.#getJson(url).catch(explainJobList500));
    for (const item of list.items) items.set(`${item.owner},${item.jobName}`, item);
    if (list.hasMore) {
      throw new OrdsResponseError(
        `The Data Pump job list at ${jobsUrl(this.#base).href} ignores offset and holds more than ` +
          `${ONE_PAGE_LIMIT} jobs: it cannot be read whole. Old jobs kept with keep_master=1 pile up; drop ` +
          'their control tables on the database.',
      );
    }
    return [...items.values()];
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
    return parseJob(await readJson(response, 'GET', url), this.#base, this.#linkWarning);
  }

  async downloadFile(
    owner: string,
    jobName: string,
    fileName: string,
    options: DownloadOptions = {},
  ): Promise<FileDownload> {
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`download offset must be a non-negative integer, got ${offset}`);
    }
    const url = jobFileUrl(this.#base, owner, jobName, fileName);
    const response = await this.#send(downloadExchange(url, offset, options));
    return readFileDownload(response, url, offset);
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
    const { text, totalBytes, keptBytes } = await readLogTail(response, url, maxBytes);
    if (keptBytes < totalBytes) {
      this.#logger?.warn('Data Pump log is larger than the limit: keeping its end', {
        fileName,
        totalBytes,
        keptBytes,
      });
    }
    return text;
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
    return parseSqlResponse(await readJson(response, 'POST', url), statements);
  }

  async runSqlRequest(request: SqlRequest): Promise<unknown> {
    const url = sqlUrl(this.#base);
    const response = await this.#send({
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: sqlRequestBody(request),
      expect: [200],
    });
    return readJson(response, 'POST', url);
  }

  readonly #linkWarning: LinkWarning = (message, detail) => this.#logger?.warn(message, detail);

  /** The user and secret named in 401/403 messages. */
  get #requester(): Requester {
    return { user: this.#auth.user, secretId: this.#secretId };
  }

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
    return readJson(response, 'GET', url);
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
    if (response.statusCode !== 200) return failWith(exchange, response, this.#requester);
    this.#logger?.debug('Fetched an OAuth token from ORDS', { url: url.href });
    // The answer holds the token: never quote it in a message.
    return parseTokenResponse(await readJson(response, 'POST', url, false));
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
    return failWith(exchange, response, this.#requester);
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
}

/**
 * ORDS's job list queries DBA_DATAPUMP_JOBS in the user's session: a 500 is most often a missing
 * privilege on it. Says so (same error class and status: still retried as a 5xx).
 */
function explainJobList500(error: unknown): never {
  if (error instanceof OrdsHttpUnavailableError && error.status === 500) {
    throw new OrdsHttpUnavailableError(
      `${error.message}. The job list reads DBA_DATAPUMP_JOBS: a 500 here most often means the ORDS user ` +
        'may not read it (GRANT SELECT ON SYS.DBA_DATAPUMP_JOBS TO <user>); run the doctor for the exact grant',
      500,
      { cause: error },
    );
  }
  throw error;
}
