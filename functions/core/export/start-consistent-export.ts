import { BackupError, ErrorName, OrdsUnavailableError } from '../base/index.js';
import type { Logger, OrdsApi, SqlRequestApi } from '../ords/index.js';
import { mayHaveCreatedJob } from '../ords/index.js';
import type { JobRef } from '../state/index.js';
import { dumpFileTemplate, logFileNameOf, makeRunId } from '../state/index.js';
import { parseConsistentStartAnswer, parsePollAnswer, pollRequest } from './consistent-answer.js';
import {
  type ConsistentExportOptions,
  type ConsistentExportPlan,
  consistentExportPlan,
  DEFAULT_FILESIZE_BYTES,
  type ScnSource,
} from './consistent-block.js';
import { consistentJobName } from './consistent-job-name.js';
import type { ExportSpec } from './export-spec.js';

/**
 * What `startConsistentExport` needs: REST-enabled SQL with binds, the ORDS job list (the job's owner
 * is the REST user, as ORDS lists it), a logger and a clock.
 */
export interface StartConsistentDeps {
  readonly sql: SqlRequestApi;
  readonly ords: Pick<OrdsApi, 'listJobs' | 'jobOwner'>;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** What `startConsistentExport` needs to know about the run and its database (from the binding). */
export interface StartConsistentInput {
  readonly executionName: string;
  readonly executionStartTime: string;
  readonly database: string;
  readonly export: ExportSpec;
  /** How the block reads the SCN. @default 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)' */
  readonly scnSource?: ScnSource;
  readonly options?: ConsistentExportOptions;
}

/** The job a consistent export runs as, and what the block sent. */
export interface ConsistentStart {
  /** The job's one identity (`path: 'rest-sql'`), as the other steps read it. */
  readonly job: JobRef;
  /**
   * The SCN the block read and bound; null when the job was adopted after a lost answer or an
   * ORA-31634 (the block's `LOG_ENTRY` marker line in the log then proves it).
   */
  readonly scn: string | null;
  /** The block's plan: the exact Data Pump settings sent and the licensed options used. */
  readonly plan: ConsistentExportPlan;
  /**
   * Whether ORDS lists the job (exactly once, by its name). When it does not, `job.owner` is the
   * client's own user (or `USER`) and the probe refuses the path: such a job cannot be polled or read.
   */
  readonly listed: boolean;
}

/**
 * How many times the block is sent when its answer is lost and `USER_DATAPUMP_JOBS` shows no job of
 * that name (nothing was created: the block removes a job it could not start).
 */
export const MAX_BLOCK_SENDS = 3;

/**
 * Starts this run's consistent export through REST-enabled SQL, safely re-runnable. The job name
 * comes from the execution *name*, so a retry or a rerun of the execution uses the same name:
 * - the block answers with the SCN → started;
 * - ORA-31634 (the job exists: an earlier attempt made it) or a lost answer → `USER_DATAPUMP_JOBS` is
 *   asked; a row → adopt that job (never a second one); no row after ORA-31634 → fail (a table holds
 *   the name); no row after a lost answer → send the block again.
 */
export async function startConsistentExport(
  deps: StartConsistentDeps,
  input: StartConsistentInput,
): Promise<ConsistentStart> {
  const { sql, logger } = deps;
  const runId = makeRunId(input.executionStartTime, input.executionName);
  const jobName = consistentJobName(input.executionName);
  // The run's own names (no attempt tag: a retry meets ORA-31634 before it adds a file), which the
  // server cleanup recognises as this run's.
  const fileName = dumpFileTemplate(input.database, runId);
  const logFileName = logFileNameOf(fileName);
  const plan = consistentExportPlan({
    runId,
    jobName,
    spec: input.export,
    dumpFileTemplate: fileName,
    logFileName,
    scnSource: input.scnSource ?? 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)',
    ...(input.options ? { options: input.options } : {}),
  });
  const what = `consistent export ${jobName} of database "${input.database}"`;
  const job = async (
    adopted: boolean,
    scn: string | null,
    scnTime: string | null = null,
  ): Promise<ConsistentStart> => {
    const owner = await ownerOf(deps, jobName);
    return {
      job: {
        path: 'rest-sql',
        owner: owner ?? deps.ords.jobOwner ?? 'USER',
        jobName,
        runId,
        fileName,
        jobMode: 'SCHEMA',
        startedAt: deps.now().toISOString(),
        adopted,
        logFileName,
        filesizeBytes: input.options?.filesizeBytes ?? DEFAULT_FILESIZE_BYTES,
        ...(scn === null ? {} : { scn }),
        ...(scnTime === null ? {} : { scnTime }),
      },
      scn,
      plan,
      listed: owner !== null,
    };
  };

  for (let send = 1; ; send += 1) {
    logger.info('Starting consistent Data Pump export through REST-enabled SQL', { jobName, send });
    let answer: unknown;
    try {
      answer = await sql.runSqlRequest(plan.request);
    } catch (error) {
      if (!mayHaveCreatedJob(error)) throw error;
      logger.warn('The consistent export block got no answer: looking the job up by name', { jobName });
      if (await jobExists(deps, jobName)) {
        logger.warn(`Adopting the ${what}, started by the block whose answer was lost`, { jobName });
        return job(true, null);
      }
      if (send >= MAX_BLOCK_SENDS) {
        throw new OrdsUnavailableError(
          `The block of the ${what} got no answer ${send} times and USER_DATAPUMP_JOBS shows no such job: ` +
            'nothing was created. The retry sends it again under the same job name.',
          { cause: error },
        );
      }
      continue;
    }
    const started = parseConsistentStartAnswer(answer, jobName);
    if (started.kind === 'started') {
      logger.info('Consistent Data Pump export started', { jobName, scn: started.scn });
      return job(false, started.scn, started.scnTime);
    }
    if (!(await jobExists(deps, jobName))) {
      throw new BackupError(
        ErrorName.ExportFailed,
        `Data Pump says ${jobName} already exists (${started.errorDetails}) but USER_DATAPUMP_JOBS shows no ` +
          "job of that name: a table of that name is in the REST user's schema. Drop it or rename it; the " +
          'run does not adopt what is not a job.',
      );
    }
    logger.warn(`Adopting the ${what}, started by an earlier attempt of this run`, { jobName });
    return job(true, null);
  }
}

/** Whether `USER_DATAPUMP_JOBS` has a row for `jobName` (whatever its state). */
async function jobExists(deps: StartConsistentDeps, jobName: string): Promise<boolean> {
  const state = parsePollAnswer(await deps.sql.runSqlRequest(pollRequest(jobName)), jobName);
  return state.state !== null;
}

/**
 * The owner ORDS lists job `jobName` under (the REST user); null when ORDS lists no such job, or more
 * than one: the probe then refuses the path (a job ORDS does not list cannot be polled or read).
 */
async function ownerOf(deps: StartConsistentDeps, jobName: string): Promise<string | null> {
  const listed = (await deps.ords.listJobs()).filter((job) => job.jobName === jobName);
  return listed.length === 1 ? listed[0]!.owner : null;
}
