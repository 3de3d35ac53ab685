import type { DatabaseUsers } from './database-users.js';
import { type ImportedSchema, planImport } from './import-plan.js';
import { finalLogLine, type LogSubject, logText } from './log-text.js';
import type { SqlError } from './rest-sql.js';
import type { JobOutcome, LogLanguage, SimulatorOptions } from './simulator-options.js';

/**
 * Data Pump jobs and the files they write, without HTTP: creation with Oracle's validation, state
 * progression by polls or by the clock, file names and sizes, and the view tests read.
 */

/** Data Pump job modes the export route accepts. */
export const JOB_MODES = ['FULL', 'SCHEMA', 'TABLE', 'TABLESPACE'] as const;

/** Characters Data Pump file names may use here; older ORDS put `file_name` into SQL unescaped. */
const FILE_NAME = /^[A-Za-z0-9_.%-]+$/;
const U_MARK = /%U/i;

/** Where a job is in its life, as one observation sees it. */
export type JobPhase = 'flicker' | 'first' | 'second' | 'finished';

/** A file of a simulated job. */
export interface SimulatedFileView {
  readonly name: string;
  readonly kind: 'dump' | 'log';
  /** Size a download serves now: dump files are half written while the job runs, logs grow. */
  readonly bytes: number;
}

/** What tests see of a simulated job (`OrdsSimulator.jobs()`). */
export interface SimulatedJobView {
  readonly owner: string;
  readonly jobName: string;
  readonly operation: 'EXPORT' | 'IMPORT';
  readonly jobMode: string;
  /** `state` as the job list shows it now (unpadded, no flicker, no `unknownState`). */
  readonly state: string;
  /** `job_state` as it would be sent now. */
  readonly jobState: string;
  readonly outcome: JobOutcome;
  readonly directory: string;
  /** `file_name` as sent, or the default template. */
  readonly fileNameTemplate: string;
  /** Dump files, then the log (unless the outcome is 'no-log'), with their sizes now. */
  readonly files: readonly SimulatedFileView[];
  /** The log's text now (complete once finished), null for 'no-log'. */
  readonly logText: string | null;
  /** `keep_master` was 1 (the default). */
  readonly keepMaster: boolean;
  /** Finished with keep_master 0: its GET answers 404 and its files cannot be downloaded. */
  readonly dropped: boolean;
  /** Single-job GETs answered so far. */
  readonly polls: number;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
  /** The JSON body the POST carried, as parsed. */
  readonly requestBody: Readonly<Record<string, unknown>>;
}

interface DumpFile {
  readonly name: string;
  readonly bytes: number;
}

/** A job inside the simulator. */
export interface SimulatedJob {
  readonly owner: string;
  readonly jobName: string;
  readonly operation: 'EXPORT' | 'IMPORT';
  readonly jobMode: string;
  readonly directory: string;
  readonly template: string;
  readonly degree: number;
  readonly keepMaster: boolean;
  readonly outcome: JobOutcome;
  readonly flickerAtStart: boolean;
  readonly dumpFiles: readonly DumpFile[];
  readonly logFileName: string | null;
  readonly createdAt: Date;
  /** Before this time (simulator clock) the job is not visible (`jobAppearsAfterMs`). */
  readonly appearsAt: Date;
  readonly language: LogLanguage;
  /** Show COMPLETED / STOPPED in `state` once finished (`endStateInState`). */
  readonly endStateInState: boolean | 'transient';
  /** Single-job GETs answered since the job finished. */
  pollsFinished: number;
  readonly requestBody: Readonly<Record<string, unknown>>;
  /** An import's schemas (source → target) and the ORA- lines its log carries. */
  readonly imports?: readonly ImportedSchema[];
  readonly notes?: readonly string[];
  polls: number;
  finishedAt: Date | null;
  dropped: boolean;
  finalLog: string | null;
}

/** Result of a POST: the new job, or the 400 message ORDS would send. */
export type CreateJobResult =
  | { readonly ok: true; readonly job: SimulatedJob }
  | { readonly ok: false; readonly message: string };

/** `YYYYMMDDHH24MISS` in UTC, the suffix of generated job names. */
export function jobTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/[-:T]/g, '');
}

/** The default `file_name` template: `EXPDAT%U-2026-11-23-02_00_00.DMP`. */
export function defaultFileTemplate(date: Date): string {
  const [day = '', time = ''] = date
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .split('T');
  return `EXPDAT%U-${day}-${time.replaceAll(':', '_')}.DMP`;
}

/**
 * The dump file names a template gives: `%U` becomes 01, 02, …; a template without `%U` names one file.
 */
export function dumpFileNames(template: string, count: number): string[] {
  if (!U_MARK.test(template)) return [template];
  return Array.from({ length: count }, (_, index) =>
    template.replace(U_MARK, String(index + 1).padStart(2, '0')),
  );
}

/**
 * The log file name of a template: `%U` is removed together with one separator (`-`, `_` or `.`) right
 * before it, and a final `.DMP` becomes `.LOG` (`.LOG` is appended when the template has no `.DMP`).
 * `ORDERS-20261123T020000Z-1A2B-%U.DMP` → `ORDERS-20261123T020000Z-1A2B.LOG`;
 * `EXPDAT%U-2026-11-23-02_00_00.DMP` → `EXPDAT-2026-11-23-02_00_00.LOG`.
 */
export function logFileName(template: string): string {
  const withoutU = template.replace(/[-_.]?%U/i, '');
  return /\.dmp$/i.test(withoutU) ? withoutU.replace(/\.dmp$/i, '.LOG') : `${withoutU}.LOG`;
}

function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/%U/i, '\\d{2}')}$`);
}

function parseKeepMaster(value: unknown): boolean | undefined {
  if (value === undefined || value === 1 || value === '1' || value === true) return true;
  if (value === 0 || value === '0' || value === false) return false;
  return undefined;
}

/** The jobs of one simulator and the files in its directories. */
export class JobStore {
  private readonly live = new Map<string, SimulatedJob>();
  private readonly all: SimulatedJob[] = [];
  /** Dump files on the database server's disk, per directory object: they outlive dropped jobs. */
  private readonly disk = new Map<string, Set<string>>();
  /** Files removed through REST-enabled SQL, as `DIRECTORY/name`: their downloads answer 404. */
  private readonly removed = new Set<string>();

  constructor(
    private readonly options: () => SimulatorOptions,
    private readonly users: DatabaseUsers,
  ) {}

  /** Whether a file of a job was removed from its directory. */
  isRemoved(job: SimulatedJob, fileName: string): boolean {
    return this.removed.has(`${job.directory}/${fileName}`);
  }

  /** `UTL_FILE.FREMOVE`: removes a job's dump or log file from its directory (ORA-29283 when missing). */
  removeFile(directory: string, fileName: string): SqlError | null {
    if (!this.options().directories.includes(directory)) {
      return { code: 29280, message: 'ORA-29280: invalid directory object' };
    }
    const exists = this.all.some(
      (job) =>
        job.directory === directory &&
        (job.dumpFiles.some((file) => file.name === fileName) || job.logFileName === fileName),
    );
    if (!exists || this.removed.has(`${directory}/${fileName}`)) {
      return {
        code: 29283,
        message:
          'ORA-29283: invalid file operation: nonexistent file or path\nORA-06512: at "SYS.UTL_FILE", line 270',
      };
    }
    this.removed.add(`${directory}/${fileName}`);
    this.disk.get(directory)?.delete(fileName);
    return null;
  }

  /** Whether a directory object is one the user may write to (`directories`). */
  hasDirectory(directory: string): boolean {
    return this.options().directories.includes(directory);
  }

  /** `DROP TABLE "OWNER"."JOB" PURGE`: drops a finished job's control table; the job then answers 404. */
  dropTable(caller: string, owner: string, table: string): SqlError | null {
    const job = this.live.get(`${owner},${table}`);
    if (!job) return { code: 942, message: 'ORA-00942: table or view does not exist' };
    if (caller !== owner) return { code: 1031, message: 'ORA-01031: insufficient privileges' };
    this.observe(job, false);
    if (job.finishedAt === null) {
      return {
        code: 54,
        message: 'ORA-00054: resource busy and acquire with NOWAIT specified or timeout expired',
      };
    }
    job.dropped = true;
    this.live.delete(`${owner},${table}`);
    return null;
  }

  /** A live (not dropped) job by owner and name, once it is visible. */
  find(owner: string, jobName: string): SimulatedJob | undefined {
    const job = this.live.get(`${owner},${jobName}`);
    return job && this.visible(job) ? job : undefined;
  }

  /** A dropped job by owner and name (the newest of that name). */
  findDropped(owner: string, jobName: string): SimulatedJob | undefined {
    return this.all.findLast((job) => job.dropped && job.owner === owner && job.jobName === jobName);
  }

  /** Live, visible jobs in creation order, each brought up to date with the clock. */
  list(): SimulatedJob[] {
    this.refreshAll();
    return [...this.live.values()].filter((job) => this.visible(job));
  }

  private visible(job: SimulatedJob): boolean {
    return this.options().now().getTime() >= job.appearsAt.getTime();
  }

  /**
   * Creates and starts a job the way `DBMS_DATAPUMP` would, or returns the ORA- text of the 400 ORDS
   * sends. `pickOutcome` is called only when the job is created.
   */
  create(
    operation: 'EXPORT' | 'IMPORT',
    owner: string,
    body: Readonly<Record<string, unknown>>,
    pickOutcome: () => JobOutcome,
  ): CreateJobResult {
    const options = this.options();
    const now = options.now();
    this.refreshAll();

    const jobModeValue = body.job_mode ?? 'SCHEMA';
    const jobMode = typeof jobModeValue === 'string' ? jobModeValue.trim().toUpperCase() : '';
    if (!(JOB_MODES as readonly string[]).includes(jobMode)) {
      return fail(
        `ORA-39001: invalid argument value\njob_mode ${JSON.stringify(jobModeValue)} is not valid: use ${JOB_MODES.join(', ')}`,
      );
    }
    const fileNameValue = body.file_name;
    if (operation === 'IMPORT' && fileNameValue === undefined) {
      return fail(
        'ORA-39001: invalid argument value\nORA-39000: bad dump file specification: file_name is required',
      );
    }
    const template = fileNameValue === undefined ? defaultFileTemplate(now) : fileNameValue;
    if (typeof template !== 'string' || !FILE_NAME.test(template)) {
      return fail(
        `ORA-39001: invalid argument value\nfile_name ${JSON.stringify(fileNameValue)} is not valid: use only A-Z a-z 0-9 _ . % -`,
      );
    }
    const directoryValue = body.datapump_dir ?? 'DATA_PUMP_DIR';
    const directory = typeof directoryValue === 'string' ? directoryValue : JSON.stringify(directoryValue);
    const threads = body.threads ?? 1;
    if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
      return fail(
        `ORA-39001: invalid argument value\nthreads ${JSON.stringify(threads)} is not a positive integer`,
      );
    }
    const requestedKeepMaster = parseKeepMaster(body.keep_master);
    // ORDS before 25.x does not know keep_master: Data Pump's default drops a successful job.
    const keepMaster = options.ignoreKeepMaster ? false : requestedKeepMaster;
    if (requestedKeepMaster === undefined || keepMaster === undefined) {
      return fail(
        `ORA-39001: invalid argument value\nkeep_master ${JSON.stringify(body.keep_master)} is not 0 or 1`,
      );
    }

    const running = [...this.live.values()].filter((job) => job.finishedAt === null).length;
    if (running >= options.maxConcurrentJobs) {
      return fail(`ORA-39391: maximum number of Data Pump jobs (${options.maxConcurrentJobs}) exceeded`);
    }
    const jobName = `DATAPUMP_REST_${operation}_${jobTimestamp(now)}`;
    if (this.live.has(`${owner},${jobName}`)) return fail('ORA-31634: job already exists');
    if (!options.directories.includes(directory)) {
      return fail(
        `ORA-39002: invalid operation\nORA-39070: Unable to open the log file.\nORA-39087: directory name ${directory} is invalid`,
      );
    }
    const onDisk = this.disk.get(directory) ?? new Set<string>();
    const pattern = templatePattern(template);
    const existing = [...onDisk].filter((name) => pattern.test(name)).sort();
    const path = (name: string) => `${options.directoryPath}${name}`;

    let outcome: JobOutcome = 'success';
    let dumpFiles: DumpFile[] = [];
    let imported: { schemas: readonly ImportedSchema[]; notes: readonly string[] } | undefined;
    if (operation === 'EXPORT') {
      const first = dumpFileNames(template, 1)[0] ?? template;
      if (existing.length > 0) {
        return fail(
          `ORA-39001: invalid argument value\nORA-39000: bad dump file specification\nORA-31641: unable to create dump file "${path(first)}"\nORA-27038: created file already exists\nAdditional information: 1`,
        );
      }
      outcome = pickOutcome();
      if (outcome !== 'fatal' && outcome !== 'no-log') {
        const sizes =
          typeof options.dumpFileBytes === 'number' ? [options.dumpFileBytes] : options.dumpFileBytes;
        dumpFiles = dumpFileNames(template, options.dumpFiles).map((name, index) => ({
          name,
          bytes: sizes[Math.min(index, sizes.length - 1)] ?? 0,
        }));
        for (const file of dumpFiles) onDisk.add(file.name);
        this.disk.set(directory, onDisk);
      }
    } else if (existing.length === 0) {
      const first = dumpFileNames(template, 1)[0] ?? template;
      return fail(
        `ORA-39001: invalid argument value\nORA-39000: bad dump file specification\nORA-31640: unable to open dump file "${path(first)}" for read\nORA-27037: unable to obtain file status`,
      );
    } else {
      const plan = planImport(body, options.importOutcome, this.users, now);
      if (!plan.ok) return fail(plan.message);
      outcome = plan.outcome;
      imported = { schemas: plan.schemas, notes: plan.notes };
    }

    const job: SimulatedJob = {
      owner,
      jobName,
      operation,
      jobMode,
      directory,
      template,
      degree: threads,
      keepMaster,
      outcome,
      flickerAtStart: options.notRunningFlickerAtStart,
      dumpFiles,
      logFileName:
        outcome === 'no-log'
          ? null
          : operation === 'EXPORT'
            ? logFileName(template)
            : `IMPDAT-${jobTimestamp(now)}.LOG`,
      createdAt: now,
      appearsAt: new Date(now.getTime() + options.jobAppearsAfterMs),
      language: options.logLanguage,
      endStateInState: options.endStateInState,
      pollsFinished: 0,
      requestBody: body,
      ...(imported ? { imports: imported.schemas, notes: imported.notes } : {}),
      polls: 0,
      finishedAt: null,
      dropped: false,
      finalLog: null,
    };
    this.live.set(`${owner},${jobName}`, job);
    this.all.push(job);
    return { ok: true, job };
  }

  /**
   * Brings a job up to date and returns its phase. A single-job GET is a `poll`: it advances
   * poll-driven jobs and shows the start-up flicker. A finished job with keep_master 0 that completed is
   * dropped.
   */
  observe(job: SimulatedJob, poll: boolean): JobPhase {
    if (job.finishedAt !== null) {
      if (poll) job.pollsFinished += 1;
      return 'finished';
    }
    const options = this.options();
    if (poll) {
      job.polls += 1;
      if (job.flickerAtStart && job.polls === 1) return 'flicker';
    }
    const runningPolls = job.polls - (job.flickerAtStart && job.polls > 0 ? 1 : 0);
    let stage: number;
    if (options.msPerState !== undefined) {
      stage = Math.floor((options.now().getTime() - job.createdAt.getTime()) / options.msPerState);
    } else if (runningPolls === 0) {
      stage = 0;
    } else {
      stage = options.pollsPerState === 0 ? 2 : Math.floor((runningPolls - 1) / options.pollsPerState);
    }
    if (stage < 2) return stage === 0 ? 'first' : 'second';
    if (poll) job.pollsFinished = 1;
    job.finishedAt =
      options.msPerState !== undefined
        ? new Date(job.createdAt.getTime() + 2 * options.msPerState)
        : options.now();
    if (!job.keepMaster && (job.outcome === 'success' || job.outcome === 'errors')) {
      job.dropped = true;
      this.live.delete(`${job.owner},${job.jobName}`);
    }
    return 'finished';
  }

  /** The log text of a job now, null when it has none. */
  logOf(job: SimulatedJob): string | null {
    if (job.logFileName === null) return null;
    if (job.finishedAt === null) return logText(this.subject(job), null);
    job.finalLog ??= logText(this.subject(job), job.finishedAt);
    return job.finalLog;
  }

  /** The log's final `Job … at … elapsed …` line once the job has finished (`job_comment`), else null. */
  commentOf(job: SimulatedJob): string | null {
    return job.finishedAt === null ? null : finalLogLine(this.subject(job), job.finishedAt);
  }

  /** The size a download of a job's dump file serves now: half while the job runs. */
  dumpBytesNow(job: SimulatedJob, file: DumpFile): number {
    return job.finishedAt === null ? Math.floor(file.bytes / 2) : file.bytes;
  }

  /** Every job this simulator created, dropped ones included, as tests see them. */
  views(): SimulatedJobView[] {
    this.refreshAll();
    return this.all.map((job) => {
      const phase = this.observe(job, false);
      const log = this.logOf(job);
      const files: SimulatedFileView[] = job.dumpFiles.map((file) => ({
        name: file.name,
        kind: 'dump',
        bytes: this.dumpBytesNow(job, file),
      }));
      if (job.logFileName !== null && log !== null) {
        files.push({ name: job.logFileName, kind: 'log', bytes: Buffer.byteLength(log) });
      }
      return {
        owner: job.owner,
        jobName: job.jobName,
        operation: job.operation,
        jobMode: job.jobMode,
        state: stateOf(job, phase),
        jobState: jobStateOf(job, phase),
        outcome: job.outcome,
        directory: job.directory,
        fileNameTemplate: job.template,
        files,
        logText: log,
        keepMaster: job.keepMaster,
        dropped: job.dropped,
        polls: job.polls,
        createdAt: job.createdAt,
        finishedAt: job.finishedAt,
        requestBody: job.requestBody,
      };
    });
  }

  private refreshAll(): void {
    for (const job of [...this.live.values()]) this.observe(job, false);
  }

  private subject(job: SimulatedJob): LogSubject {
    return {
      owner: job.owner,
      jobName: job.jobName,
      operation: job.operation,
      jobMode: job.jobMode,
      outcome: job.outcome,
      dumpFilePaths: job.dumpFiles.map((file) => `${this.options().directoryPath}${file.name}`),
      startedAt: job.createdAt,
      language: job.language,
      ...(job.imports ? { imports: job.imports } : {}),
      ...(job.notes ? { notes: job.notes } : {}),
    };
  }
}

function fail(message: string): CreateJobResult {
  return { ok: false, message };
}

/** `state` (DBA_DATAPUMP_JOBS) in a phase. */
export function stateOf(job: SimulatedJob, phase: JobPhase): string {
  // The control process's own end state shows for good, or ('transient') at the first poll after the end.
  const endState =
    job.endStateInState === true || (job.endStateInState === 'transient' && job.pollsFinished <= 1);
  if (phase === 'finished' && endState) return jobStateOf(job, phase);
  if (phase === 'flicker' || phase === 'finished') return 'NOT RUNNING';
  if (phase === 'first') return 'EXECUTING';
  if (job.outcome === 'stopped') return 'STOP PENDING';
  if (job.outcome === 'fatal' || job.outcome === 'no-log') return 'STOPPING';
  return 'COMPLETING';
}

/** `job_state` in a phase: the running state, DEFINING during the flicker, COMPLETED or STOPPED at the end. */
export function jobStateOf(job: SimulatedJob, phase: JobPhase): string {
  if (phase === 'flicker') return 'DEFINING';
  if (phase !== 'finished') return stateOf(job, phase);
  return job.outcome === 'success' || job.outcome === 'errors' ? 'COMPLETED' : 'STOPPED';
}
