import { type DumpFile, type JobPhase, jobStateOf, type SimulatedJob, stateOf } from './simulated-job.js';
import type { JobOutcome } from './switch-types.js';

/** What tests read of a simulated job (`OrdsSimulator.jobs()`). */

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
  /** Stopped through `DBMS_DATAPUMP.STOP_JOB` (REST-enabled SQL). */
  readonly stoppedByClient: boolean;
  /** Single-job GETs answered so far. */
  readonly polls: number;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
  /** The JSON body the POST carried, as parsed. */
  readonly requestBody: Readonly<Record<string, unknown>>;
}

/** The view of a job in a phase, with its log text now and the size of each dump file now. */
export function jobView(
  job: SimulatedJob,
  phase: JobPhase,
  log: string | null,
  dumpBytes: (file: DumpFile) => number,
): SimulatedJobView {
  const files: SimulatedFileView[] = job.dumpFiles.map((file) => ({
    name: file.name,
    kind: 'dump',
    bytes: dumpBytes(file),
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
    stoppedByClient: job.stoppedByClient === true,
    polls: job.polls,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    requestBody: job.requestBody,
  };
}
