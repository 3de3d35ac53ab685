import { Readable } from 'node:stream';
import type {
  DataPumpJob,
  ExportRequestBody,
  FileDownload,
  JobListItem,
  Logger,
  OrdsApi,
} from '../../functions/core/ords/ords-api.js';
import { OrdsHttpRequestError } from '../../functions/core/ords/ords-errors.js';

/** A logger that keeps every line, for assertions. */
export function recordingLogger(): Logger & {
  lines: Array<{ level: string; message: string; extra?: unknown }>;
} {
  const lines: Array<{ level: string; message: string; extra?: unknown }> = [];
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    lines.push({ level, message, extra });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A job as `OrdsClient.getJob` returns it. */
export function job(
  overrides: Omit<Partial<DataPumpJob>, 'files'> & { files?: Array<{ name: string }> } = {},
): DataPumpJob {
  const jobName = overrides.jobName ?? 'DATAPUMP_REST_EXPORT_20261123020000';
  const files = (overrides.files ?? []).map((file) => ({
    name: file.name,
    kind: /\.LOG$/i.test(file.name) ? ('log' as const) : ('dump' as const),
    url: `http://127.0.0.1/ords/x/_/db-api/stable/database/datapump/jobs/DBAPI_USER,${jobName}/${file.name}`,
  }));
  const { files: _files, ...rest } = overrides;
  return {
    owner: 'DBAPI_USER',
    operation: 'EXPORT',
    jobMode: 'SCHEMA',
    state: 'EXECUTING',
    ...rest,
    jobName,
    files,
  };
}

/** An in-memory `OrdsApi` for lifecycle tests: jobs by name, logs by file name. */
export class FakeJobApi implements OrdsApi {
  readonly baseUrl = 'http://127.0.0.1/ords/x/';
  readonly jobOwner: string | null = 'DBAPI_USER';
  readonly started: ExportRequestBody[] = [];
  jobs = new Map<string, DataPumpJob>();
  logs = new Map<string, string>();
  nextJob: DataPumpJob = job();
  /** Jobs whose GET throws this error (a 403 on another owner's job, a 500). */
  failingGets = new Map<string, Error>();
  /** Job names read with GET, in order. */
  readonly gets: string[] = [];
  /** Thrown by the next POST after it created `nextJob` (the answer is lost). */
  lostAnswer: Error | undefined;
  /** Thrown by the next POST instead of creating a job. */
  refusal: Error | undefined;
  /** Job lists read before a job created by a POST shows (in the list and to GET). */
  listsBeforeVisible = 0;
  listCalls = 0;
  readonly #pending: Array<{ job: DataPumpJob; visibleAfter: number }> = [];

  async startExport(body: ExportRequestBody): Promise<DataPumpJob> {
    if (this.refusal) throw this.refusal;
    this.started.push(body);
    const created = this.nextJob;
    if (this.listsBeforeVisible > 0) {
      this.#pending.push({ job: created, visibleAfter: this.listCalls + this.listsBeforeVisible });
    } else {
      this.jobs.set(created.jobName, created);
    }
    const lost = this.lostAnswer;
    this.lostAnswer = undefined;
    if (lost) throw lost;
    return created;
  }
  async listJobs(): Promise<JobListItem[]> {
    this.listCalls += 1;
    for (const pending of this.#pending.splice(0)) {
      if (this.listCalls > pending.visibleAfter) this.jobs.set(pending.job.jobName, pending.job);
      else this.#pending.push(pending);
    }
    return [...this.jobs.values()].map(({ owner, jobName, operation, jobMode, state }) => ({
      owner,
      jobName,
      operation,
      jobMode,
      state,
    }));
  }
  async getJob(_owner: string, jobName: string): Promise<DataPumpJob | null> {
    this.gets.push(jobName);
    const failure = this.failingGets.get(jobName);
    if (failure) throw failure;
    return this.jobs.get(jobName) ?? null;
  }
  async downloadFile(_owner: string, _jobName: string, fileName: string): Promise<FileDownload> {
    if (!this.files.has(fileName)) throw new OrdsHttpRequestError(`ORDS answered 404 for ${fileName}`, 404);
    return {
      start: 0,
      totalBytes: 0,
      contentLength: 0,
      contentType: null,
      validator: null,
      body: Readable.from([]),
    };
  }
  /** Files `downloadFile` serves by name (others answer 404). */
  files = new Set<string>();
  async readLog(_owner: string, _jobName: string, fileName: string): Promise<string> {
    const text = this.logs.get(fileName);
    if (text === undefined) throw new OrdsHttpRequestError(`ORDS answered 404 for ${fileName}`, 404);
    return text;
  }
}

/** A Data Pump export log ending with the given final line. */
export function exportLog(
  owner: string,
  jobName: string,
  dumpFiles: readonly string[],
  ending: string,
): string {
  return [
    'Export: Release 19.0.0.0.0 - Production on Mon Nov 23 02:00:00 2026',
    `Starting "${owner}"."${jobName}":`,
    'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA',
    '. . exported "HR"."EMPLOYEES"                           17.08 KB     107 rows',
    '******************************************************************************',
    `Dump file set for ${owner}.${jobName} is:`,
    ...dumpFiles.map((name) => `  /u01/app/oracle/admin/ORCL/dpdump/${name}`),
    ending,
  ].join('\n');
}
