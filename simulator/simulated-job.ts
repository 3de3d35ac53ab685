import type { ImportedSchema } from './import-plan.js';
import type { JobOutcome, LogLanguage } from './switch-types.js';

/**
 * A Data Pump job inside the simulator and the states it shows (`state` as DBA_DATAPUMP_JOBS has it,
 * `job_state` as ORDS sends it) in each phase of its life.
 */

/** Where a job is in its life, as one observation sees it. */
export type JobPhase = 'flicker' | 'first' | 'second' | 'finished';

/** A dump file a job writes, at its final size. */
export interface DumpFile {
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
  /** True when the import leaves out its last table (`importMissesTable`). */
  readonly missesTable?: boolean;
  /** Made by DBMS_DATAPUMP through REST-enabled SQL (the consistent path), not by an ORDS POST. */
  readonly madeBy?: 'rest-sql';
  /** The line the block's `LOG_ENTRY` wrote before START_JOB; its log then has LOGTIME timestamps. */
  readonly logEntry?: string;
  polls: number;
  /** Stopped through `DBMS_DATAPUMP.STOP_JOB` (REST-enabled SQL). */
  stoppedByClient?: boolean;
  finishedAt: Date | null;
  dropped: boolean;
  finalLog: string | null;
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
