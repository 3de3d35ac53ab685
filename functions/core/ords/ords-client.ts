import type { OrdsTimeouts } from './ords-agent.js';
import type {
  DataPumpJob,
  ExportRequestBody,
  FileDownload,
  ImportApi,
  ImportRequestBody,
  JobListItem,
  Logger,
  OrdsApi,
} from './ords-api.js';
import { type DownloadOptions, downloadExchange, readFileDownload } from './ords-download.js';
import { OrdsHttpRequestError, refusedExportField } from './ords-errors.js';
import { OrdsJobList } from './ords-job-list.js';
import { type LinkWarning, parseJob } from './ords-parse.js';
import { discard, readJson, readLogTail } from './ords-response.js';
import { OrdsTransport, type OrdsTransportOptions } from './ords-transport.js';
import { exportUrl, importUrl, jobFileUrl, jobUrl, parseOrdsUrl, sqlUrl } from './ords-url.js';
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
export interface OrdsClientOptions extends OrdsTransportOptions {
  /** The configured ORDS URL, `https://host[:port]/ords/[db/]schema-alias/` (checked by `parseOrdsUrl`). */
  readonly baseUrl: string;
  /** Most pages `listJobs` reads before giving up. @default 100 */
  readonly maxListPages?: number;
}

/** Default `maxBytes` of `readLog`. */
const DEFAULT_LOG_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The ORDS Database API's Data Pump routes over HTTP(S) with undici. Never follows redirects and
 * only requests URLs built from the configured ORDS URL (links give file names only), so the
 * credentials never reach another origin (`OrdsTransport`). On a 401 to a cached OAuth token it
 * fetches one new token and retries that request once; a Basic 401 is never retried (the database
 * account would lock).
 */
export class OrdsClient implements OrdsApi, RestSqlApi, SqlRequestApi, ImportApi {
  readonly baseUrl: string;
  readonly jobOwner: string | null;
  readonly #base: URL;
  readonly #http: OrdsTransport;
  readonly #jobList: OrdsJobList;
  readonly #logger: Logger | undefined;

  constructor(options: OrdsClientOptions) {
    this.#base = parseOrdsUrl(options.baseUrl);
    this.baseUrl = this.#base.href;
    const { credentials } = options.secret;
    this.jobOwner = credentials.kind === 'basic' ? credentials.username.toUpperCase() : null;
    this.#logger = options.logger;
    this.#http = new OrdsTransport(this.#base, options);
    this.#jobList = new OrdsJobList({
      base: this.#base,
      getJson: (url) => this.#http.getJson(url),
      maxListPages: options.maxListPages ?? 100,
      logger: options.logger,
    });
  }

  /**
   * Bounds every later request by the time the current invocation has left (Lambda's
   * `getRemainingTimeInMillis`); a client outlives invocations, so each one sets its own.
   */
  setRemainingTime(remainingTimeMs: () => number): void {
    this.#http.setRemainingTime(remainingTimeMs);
  }

  async startExport(body: ExportRequestBody): Promise<DataPumpJob> {
    const url = exportUrl(this.#base);
    // ORDS documents 201; a 200 with the same job object is accepted rather than losing a started job.
    const response = await this.#http
      .send({
        method: 'POST',
        url,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify(body),
        expect: [201, 200],
      })
      .catch((error: unknown) => {
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
    const response = await this.#http.send({
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      expect: [201, 200],
    });
    return parseJob(await readJson(response, 'POST', url), this.#base, this.#linkWarning);
  }

  async listJobs(): Promise<JobListItem[]> {
    return this.#jobList.read();
  }

  get offsetIgnored(): boolean {
    return this.#jobList.offsetIgnored;
  }

  async getJob(owner: string, jobName: string): Promise<DataPumpJob | null> {
    const url = jobUrl(this.#base, owner, jobName);
    const response = await this.#http.send({
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
    const response = await this.#http.send(downloadExchange(url, offset, options));
    return readFileDownload(response, url, offset);
  }

  async readLog(
    owner: string,
    jobName: string,
    fileName: string,
    maxBytes: number = DEFAULT_LOG_MAX_BYTES,
  ): Promise<string> {
    const url = jobFileUrl(this.#base, owner, jobName, fileName);
    const response = await this.#http.send({
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
    const response = await this.#http.send({
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
    const response = await this.#http.send({
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: sqlRequestBody(request),
      expect: [200],
    });
    return readJson(response, 'POST', url);
  }

  readonly #linkWarning: LinkWarning = (message, detail) => this.#logger?.warn(message, detail);

  /** Closes the client's own connection pool (not a dispatcher passed in). */
  async close(): Promise<void> {
    await this.#http.close();
  }
}
