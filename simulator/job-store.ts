import { BUSY_SCHEMA_NOTES, breaksForeignKey } from './busy-schema.js';
import { asLocalClock } from './database-clock.js';
import type { DatabaseUsers } from './database-users.js';
import { dumpFileNames, jobTimestamp, logFileName, templatePattern } from './file-names.js';
import { type ImportedSchema, planImport } from './import-plan.js';
import { parseJobRequest, type Refusal, refuse } from './job-request.js';
import { jobView, type SimulatedJobView } from './job-view.js';
import { finalLogLine, type LogSubject, logText, withoutDumpFileSet } from './log-text.js';
import type { SqlError } from './rest-sql.js';
import type { DumpFile, JobPhase, SimulatedJob } from './simulated-job.js';
import type { SimulatorOptions } from './simulator-options.js';
import type { JobOutcome } from './switch-types.js';
import { UploadedFiles } from './uploaded-files.js';

/**
 * Data Pump jobs and the files they write, without HTTP: creation with Oracle's validation, state
 * progression by polls or by the clock, file sizes, and the view tests read.
 */

/** Result of a POST: the new job, or the 400 message ORDS would send. */
export type CreateJobResult = { readonly ok: true; readonly job: SimulatedJob } | Refusal;

/** The jobs of one simulator and the files in its directories. */
export class JobStore {
  private readonly live = new Map<string, SimulatedJob>();
  private readonly all: SimulatedJob[] = [];
  /** Dump files on the database server's disk, per directory object: they outlive dropped jobs. */
  private readonly disk = new Map<string, Set<string>>();
  /** Files removed through REST-enabled SQL, as `DIRECTORY/name`: their downloads answer 404. */
  private readonly removed = new Set<string>();
  /** Files a restore put into a directory through REST-enabled SQL (./uploaded-files.ts). */
  readonly uploads = new UploadedFiles();

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
    if (this.uploads.remove(directory, fileName)) return null;
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

  /**
   * `DBMS_DATAPUMP.STOP_JOB(h, 1, 0)` as `owner`: the job ends now and its control table goes (it
   * answers 404 and leaves the list); its files stay on disk. False when the owner has no such job.
   */
  stopNow(owner: string, jobName: string): boolean {
    const job = this.live.get(`${owner},${jobName}`);
    if (!job) return false;
    job.finishedAt ??= this.options().now();
    job.stoppedByClient = true;
    job.dropped = true;
    this.live.delete(`${owner},${jobName}`);
    return true;
  }

  /** The control tables (live jobs) of `owner`'s jobs of one operation: USER_OBJECTS shows them at once. */
  controlTables(owner: string, operation: 'EXPORT' | 'IMPORT'): SimulatedJob[] {
    this.refreshAll();
    return [...this.live.values()].filter((job) => job.owner === owner && job.operation === operation);
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

    const request = parseJobRequest(operation, body, now, options);
    if (!request.ok) return request;
    const { jobMode, template, directory, degree, keepMaster } = request;

    const running = [...this.live.values()].filter((job) => job.finishedAt === null).length;
    if (running >= options.maxConcurrentJobs) {
      return refuse(`ORA-39391: maximum number of Data Pump jobs (${options.maxConcurrentJobs}) exceeded`);
    }
    // ORDS names jobs by its own clock: UTC, or the database host's (`jobNameClock`).
    const named = options.jobNameClock === 'database' ? asLocalClock(now, options.databaseTimeZone) : now;
    const jobName = `DATAPUMP_REST_${operation}_${jobTimestamp(named)}`;
    if (this.live.has(`${owner},${jobName}`)) return refuse('ORA-31634: job already exists');
    if (!options.directories.includes(directory)) {
      return refuse(
        `ORA-39002: invalid operation\nORA-39070: Unable to open the log file.\nORA-39087: directory name ${directory} is invalid`,
      );
    }
    const onDisk = this.disk.get(directory) ?? new Set<string>();
    const pattern = templatePattern(template);
    const uploaded = operation === 'IMPORT' ? this.uploads.names(directory) : [];
    const existing = [...onDisk, ...uploaded].filter((name) => pattern.test(name)).sort();
    const path = (name: string) => `${options.directoryPath}${name}`;

    let outcome: JobOutcome = 'success';
    let dumpFiles: DumpFile[] = [];
    let imported: { schemas: readonly ImportedSchema[]; notes: readonly string[] } | undefined;
    if (operation === 'EXPORT') {
      const first = dumpFileNames(template, 1)[0] ?? template;
      if (existing.length > 0) {
        return refuse(
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
      return refuse(
        `ORA-39001: invalid argument value\nORA-39000: bad dump file specification\nORA-31640: unable to open dump file "${path(first)}" for read\nORA-27037: unable to obtain file status`,
      );
    } else {
      // A restore's uploaded files must be the exported bytes before an import may read them.
      const exported = this.all
        .filter((job) => job.operation === 'EXPORT')
        .flatMap((job) =>
          job.dumpFiles.map((file) => ({ jobName: job.jobName, fileName: file.name, bytes: file.bytes })),
        );
      const damaged = existing
        .map((name) => this.uploads.sourceProblem(directory, name, exported))
        .find((problem) => problem !== null);
      if (damaged) {
        return refuse(
          `ORA-39001: invalid argument value\nORA-39000: bad dump file specification\nORA-31619: invalid dump file "${path(damaged.split(' ')[0] ?? '')}" (${damaged})`,
        );
      }
      const plan = planImport(body, options.importOutcome, this.users, now);
      if (!plan.ok) return refuse(plan.message);
      outcome = plan.outcome;
      imported = { schemas: plan.schemas, notes: plan.notes };
      if (options.busySchema && breaksForeignKey(this.all, existing)) {
        outcome = outcome === 'success' ? 'errors' : outcome;
        imported = { ...imported, notes: [...imported.notes, ...BUSY_SCHEMA_NOTES] };
      }
    }

    const job: SimulatedJob = {
      owner,
      jobName,
      operation,
      jobMode,
      directory,
      template,
      degree,
      keepMaster,
      outcome,
      flickerAtStart: options.notRunningFlickerAtStart,
      dumpFiles,
      logFileName:
        outcome === 'no-log'
          ? null
          : operation === 'EXPORT'
            ? logFileName(template)
            : `IMPDAT-${jobTimestamp(named)}.LOG`,
      createdAt: now,
      appearsAt: new Date(now.getTime() + options.jobAppearsAfterMs),
      language: options.logLanguage,
      endStateInState: options.endStateInState,
      pollsFinished: 0,
      requestBody: body,
      ...(imported ? { imports: imported.schemas, notes: imported.notes } : {}),
      ...(imported && options.importMissesTable ? { missesTable: true } : {}),
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
   * Registers a job that `DBMS_DATAPUMP` made through REST-enabled SQL, with its dump files on disk:
   * ORA-31634 when the owner has a job of that name, ORA-31641 when a dump file of its template exists.
   */
  register(job: SimulatedJob): SqlError | null {
    this.refreshAll();
    if (this.live.has(`${job.owner},${job.jobName}`)) {
      return { code: 31634, message: 'ORA-31634: job already exists' };
    }
    const onDisk = this.disk.get(job.directory) ?? new Set<string>();
    const pattern = templatePattern(job.template);
    const taken = [...onDisk].find((name) => pattern.test(name));
    if (taken) {
      return {
        code: 39001,
        message: `ORA-39001: invalid argument value\nORA-39000: bad dump file specification\nORA-31641: unable to create dump file "${this.options().directoryPath}${taken}"\nORA-27038: created file already exists`,
      };
    }
    for (const file of job.dumpFiles) onDisk.add(file.name);
    this.disk.set(job.directory, onDisk);
    this.live.set(`${job.owner},${job.jobName}`, job);
    this.all.push(job);
    return null;
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
    if (job.finalLog === null) {
      const subject = this.subject(job);
      const text = logText(subject, job.finishedAt);
      const cut = this.options().logWithoutDumpFileSet && job.operation === 'EXPORT';
      job.finalLog = cut ? withoutDumpFileSet(text, subject) : text;
    }
    return job.finalLog;
  }

  /** The log's final `Job … at … elapsed …` line once the job has finished (`job_comment`), else null. */
  commentOf(job: SimulatedJob): string | null {
    return job.finishedAt === null ? null : finalLogLine(this.subject(job), job.finishedAt);
  }

  /**
   * `DBMS_LOB.GETLENGTH(BFILENAME(dir, file))`: the size of a job's dump or log file in a directory
   * now, null when there is no such file (Oracle answers NULL… or an error; null either way here).
   */
  fileSize(directory: string, fileName: string): number | null {
    const uploaded = this.uploads.size(directory, fileName);
    if (uploaded !== undefined) return uploaded;
    if (this.removed.has(`${directory}/${fileName}`)) return null;
    for (const job of this.all) {
      if (job.directory !== directory) continue;
      const dump = job.dumpFiles.find((file) => file.name === fileName);
      if (dump) return this.dumpBytesNow(job, dump);
      if (job.logFileName === fileName) return Buffer.byteLength(this.logOf(job) ?? '', 'utf8');
    }
    return null;
  }

  /** The size a download of a job's dump file serves now: half while the job runs. */
  dumpBytesNow(job: SimulatedJob, file: DumpFile): number {
    return job.finishedAt === null ? Math.floor(file.bytes / 2) : file.bytes;
  }

  /** Every job this simulator created, dropped ones included, as tests see them. */
  views(): SimulatedJobView[] {
    this.refreshAll();
    return this.all.map((job) =>
      jobView(job, this.observe(job, false), this.logOf(job), (file) => this.dumpBytesNow(job, file)),
    );
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
      ...(job.logEntry ? { logEntry: job.logEntry } : {}),
      ...(job.imports ? { imports: job.imports } : {}),
      ...(job.notes ? { notes: job.notes } : {}),
      ...(job.missesTable ? { missesTable: true } : {}),
    };
  }
}
