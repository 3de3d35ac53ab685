import { dumpFileNames } from './file-names.js';
import type { JobStore } from './job-store.js';
import type { SqlError } from './rest-sql.js';
import { type RequestBind, readExportBlock, wrapped } from './rest-sql-datapump.js';
import { stateOf } from './simulated-job.js';
import type { SimulatorOptions } from './simulator-options.js';

/**
 * Jobs made by `DBMS_DATAPUMP` through REST-enabled SQL: the consistent export block defines and
 * starts one (owner = the REST user, the name the block binds), and `USER_DATAPUMP_JOBS` reports it.
 * Such a job runs like one ORDS made: its states advance with polls or the clock, its log holds the
 * `LOG_ENTRY` marker and `LOGTIME` timestamps, and its dump files follow the `%U` template.
 */

/** The SCN the simulated database hands out next: grows with every read. */
export class ScnClock {
  private scn = 48_213_377;
  /** The next SCN. */
  next(): number {
    this.scn += 1 + Math.floor(Math.random() * 40);
    return this.scn;
  }
}

/** Runs the consistent export block as `caller`: the SCN it read, or the ORA- error it raised. */
export function runExportBlock(
  store: JobStore,
  options: SimulatorOptions,
  scns: ScnClock,
  caller: string,
  text: string,
  binds: readonly RequestBind[],
): { readonly scn: number; readonly scnTime: string } | SqlError {
  const request = readExportBlock(text, binds);
  if ('code' in request) return request;
  if (request.scnSource === 'DBMS_FLASHBACK' && !options.flashbackGranted) {
    // A static call of an ungranted package fails the whole block at compile time.
    return {
      code: 6550,
      message: "ORA-06550: line 5, column 10:\nPLS-00201: identifier 'DBMS_FLASHBACK' must be declared",
    };
  }
  if (!options.directories.includes(request.directory)) {
    return wrapped({
      code: 39002,
      message: `ORA-39002: invalid operation\nORA-39070: Unable to open the log file.\nORA-39087: directory name ${request.directory} is invalid`,
    });
  }
  const scn = scns.next();
  const now = options.now();
  const sizes = typeof options.dumpFileBytes === 'number' ? [options.dumpFileBytes] : options.dumpFileBytes;
  const error = store.register({
    owner: caller,
    jobName: request.jobName,
    operation: 'EXPORT',
    jobMode: 'SCHEMA',
    directory: request.directory,
    template: request.dumpFileTemplate,
    degree: request.degree,
    keepMaster: true,
    outcome: options.sqlExportUndoError ? 'errors' : 'success',
    flickerAtStart: false,
    dumpFiles: dumpFileNames(request.dumpFileTemplate, options.dumpFiles).map((name, index) => ({
      name,
      bytes: sizes[Math.min(index, sizes.length - 1)] ?? 0,
    })),
    logFileName: request.logFileName,
    createdAt: now,
    appearsAt: now,
    language: options.logLanguage,
    endStateInState: false,
    pollsFinished: 0,
    requestBody: { ...request },
    madeBy: 'rest-sql',
    logEntry: `ords-datapump-backup run=${request.runId} FLASHBACK_SCN=${scn}`,
    polls: 0,
    finishedAt: null,
    dropped: false,
    finalLog: null,
  });
  // The block's TO_CHAR(…, 'YYYYMMDD"T"HH24MISS.FF3"Z"').
  const scnTime = now.toISOString().replace(/[-:]/g, '');
  return error ? wrapped(error) : { scn, scnTime };
}

/** The `USER_DATAPUMP_JOBS` row of `caller`'s job `jobName` (a poll), none when it has no such job. */
export function userJobRows(
  store: JobStore,
  caller: string,
  jobName: string,
): Array<Record<string, unknown>> {
  const job = store.find(caller, jobName);
  if (!job) return [];
  const phase = store.observe(job, true);
  return [
    { state: stateOf(job, phase), attached_sessions: 0, datapump_sessions: phase === 'finished' ? 0 : 2 },
  ];
}
