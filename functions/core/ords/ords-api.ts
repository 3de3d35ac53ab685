import type { Readable } from 'node:stream';

/**
 * The ORDS Database API's Data Pump routes as the rest of the core uses them. `OrdsClient`
 * implements it over HTTP; unit tests pass small fakes.
 */

/** A file of a Data Pump job, picked from the job's links by its extension (`.DMP`, `.LOG`). */
export interface JobFile {
  /** File name: the last path segment of the job's link, e.g. `ORDERS-20261123T020000Z-1A2B-01.DMP`. */
  readonly name: string;
  readonly kind: 'dump' | 'log';
  /** Its download URL, built from the configured ORDS URL (never the link's own host or path). */
  readonly url: string;
}

/**
 * A Data Pump job as ORDS describes it: every string trimmed; operation, jobMode, state and jobState
 * also upper-cased (owner and jobName keep their case: they go back into URLs).
 */
export interface DataPumpJob {
  readonly owner: string;
  readonly jobName: string;
  /** `EXPORT` or `IMPORT`. */
  readonly operation: string;
  readonly jobMode: string;
  /** `state` from DBA_DATAPUMP_JOBS: EXECUTING, COMPLETING, NOT RUNNING, … */
  readonly state: string;
  /** `job_state` when ORDS sends it (COMPLETED, STOPPED, …). */
  readonly jobState?: string;
  /** Dump and log files the job links, in link order. */
  readonly files: readonly JobFile[];
}

/** One entry of the job list (no links there). */
export interface JobListItem {
  readonly owner: string;
  readonly jobName: string;
  readonly operation: string;
  readonly jobMode: string;
  readonly state: string;
}

/** An open download of a job file. The caller consumes or destroys `body`. */
export interface FileDownload {
  /** Offset in the file of the body's first byte: the requested offset on 206, 0 on 200. */
  readonly start: number;
  /** Whole-file size when known (`Content-Length` of a 200, total of a 206 `Content-Range`). */
  readonly totalBytes: number | null;
  /** Length of this body when announced (`Content-Length`), else null (chunked). */
  readonly contentLength: number | null;
  /** `Content-Type` as sent, else null. */
  readonly contentType: string | null;
  /**
   * What identifies this version of the file, for `If-Range` on a resume: the strong `ETag`, else
   * `Last-Modified`; null when the server sends neither.
   */
  readonly validator: string | null;
  readonly body: Readable;
}

/** Data Pump operations on one ORDS URL with one set of credentials. */
export interface OrdsApi {
  /** The configured ORDS URL (normalized, ends with `/`), for messages. */
  readonly baseUrl: string;
  /**
   * The owner of the jobs this client creates: the Basic user, upper-cased (ORDS runs Data Pump as that
   * database user); null with OAuth2, whose client maps to a database user this side does not know.
   */
  readonly jobOwner: string | null;
  /** `POST …/database/datapump/export`: creates and starts the job (201). */
  startExport(body: ExportRequestBody): Promise<DataPumpJob>;
  /** `GET …/database/datapump/jobs/`, every page (paged by offset), without `BIN$…` rows. */
  listJobs(): Promise<JobListItem[]>;
  /**
   * True once this ORDS answered an offset page with a page seen before (offset paging is
   * undocumented) and the list was read in one page instead. @default - false (fakes leave it out)
   */
  readonly offsetIgnored?: boolean;
  /** `GET …/database/datapump/jobs/{owner},{job}/`; null when ORDS answers 404. */
  getJob(owner: string, jobName: string): Promise<DataPumpJob | null>;
  /**
   * `GET …/database/datapump/jobs/{owner},{job}/{file}`, from `offset` (sent as `Range: bytes=offset-`
   * when offset > 0, with `If-Range: ifRange` when given). The server may answer 200 (whole file:
   * `start` 0) or 206. A 416 with `Content-Range: bytes *\/<size>` (the offset is at or past the end)
   * is an empty download from `offset` whose `totalBytes` is that size: how the copy confirms an end.
   */
  downloadFile(
    owner: string,
    jobName: string,
    fileName: string,
    options?: { readonly offset?: number; readonly ifRange?: string; readonly signal?: AbortSignal },
  ): Promise<FileDownload>;
  /** Downloads a log file as text (at most `maxBytes`, keeping the end, where the verdict is). */
  readLog(owner: string, jobName: string, fileName: string, maxBytes?: number): Promise<string>;
}

/** Structured logger (Powertools Logger fits). Never pass secrets. */
export interface Logger {
  debug(message: string, ...extra: Array<Record<string, unknown>>): void;
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

/** What the job lifecycle steps (start, poll, read the log) need: ORDS, a logger and a clock. */
export interface JobTaskDeps {
  readonly ords: OrdsApi;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** Credentials from the database's secret. */
export type OrdsCredentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'oauth2'; readonly clientId: string; readonly clientSecret: string };

/** What a secret holds: credentials and, optionally, a PEM CA bundle for a private CA. */
export interface OrdsSecret {
  readonly credentials: OrdsCredentials;
  readonly caBundle?: string;
}

/** Body of `POST …/database/datapump/export` (snake_case, as ORDS expects). */
export interface ExportRequestBody {
  readonly job_mode: string;
  readonly datapump_dir: string;
  readonly file_name: string;
  readonly filter?: string;
  readonly name_expressions?: ReadonlyArray<{ readonly expression: string }>;
  readonly schema_expressions?: ReadonlyArray<{ readonly expression: string }>;
  readonly tablespace_expressions?: ReadonlyArray<{ readonly expression: string }>;
  readonly threads?: number;
  /**
   * 1: keep the job's control table after success. With 0 a finished job answers 404 and its files
   * go with it, before this project could copy them. Older ORDS versions ignore the key; left out
   * only on the one retry after a 400 that names it (a strict gateway), recorded as a fallback.
   */
  readonly keep_master?: 1;
}

/** Body of `POST …/database/datapump/import` (snake_case, as ORDS expects). */
export interface ImportRequestBody {
  readonly job_mode: 'SCHEMA';
  readonly datapump_dir: string;
  /** The export's dump file template (`%U`): exactly this run's dump files. */
  readonly file_name: string;
  /**
   * The one schema the drill imports, as `[{"expression": "IN ('HR')"}]`. Oracle documents `filter`
   * for exports only; imports take `schema_expressions` (19c dbrst to 26.3 orrst import POST).
   */
  readonly schema_expressions: ReadonlyArray<{ readonly expression: string }>;
  readonly remap_schemas: ReadonlyArray<{ readonly source: string; readonly target: string }>;
  /** 1: keep the import's control table, so its log can be read after it ends. */
  readonly keep_master: 1;
}

/** Starts import jobs. `OrdsClient` implements it; tests pass fakes. */
export interface ImportApi {
  /** `POST …/database/datapump/import`: creates and starts the job (201). */
  startImport(body: ImportRequestBody): Promise<DataPumpJob>;
}
