import { InvalidInputError } from '../base/index.js';
import { jobActivity, retryTransient } from '../ords/index.js';
import type { JobRef, ServerCleanup, SupersededCleanup } from '../state/index.js';
import { filesOfRun, runCleanupPlan, type ServerCleanupDeps } from './server-cleanup.js';
import { cleanupFailure } from './server-cleanup-report.js';

/**
 * The leftovers of an earlier run that ended without its own cleanup ("Backup failed" in "Read job",
 * "Copy files" or the manifest, a timeout, an abort): its dump and log files, and its control table,
 * removed by the next run of the database before it starts its export. What the earlier run owns
 * comes from what this deployment recorded when it started it (the run's database and job), checked
 * as "Clean up server" checks its own: ORDS's files of that recorded job, each of that run's id, and
 * the control table only under the same guards. Never a directory listing, never a name pattern alone.
 */

/** An earlier run as the deployment recorded it when its export started. */
export interface EarlierRun {
  readonly database: string;
  readonly executionName: string;
  readonly job: JobRef;
}

/** What a superseded cleanup needs: the cleanup's, and the run lock's check-before-act. */
export interface SupersededCleanupDeps extends ServerCleanupDeps {
  /** Throws unless this execution still holds the database's run lock; called right before acting. */
  readonly fence: () => Promise<void>;
}

/** The database the new run backs up, and its bound settings. */
export interface SupersededCleanupInput {
  readonly database: string;
  readonly serverCleanup: ServerCleanup;
  readonly autonomousDatabase: boolean;
  readonly directory: string;
}

/**
 * Removes the files (and, with `files-and-control-table`, the control table) the earlier run `run`
 * left on the server. A refusal, a running job or a failure is the result (`failed`, with the reason
 * and whether the record is kept to try again on the next run), never thrown: a leftover never blocks
 * tonight's backup. Only `deps.fence` throws (`RunLockLostError`): then nothing is removed.
 */
export async function cleanUpSuperseded(
  deps: SupersededCleanupDeps,
  input: SupersededCleanupInput,
  run: EarlierRun,
): Promise<SupersededCleanup> {
  const { owner, jobName } = run.job;
  const about = { execution: run.executionName, job: `${owner}.${jobName}` };
  const result = (
    outcome: Omit<SupersededCleanup, 'execution' | 'job' | 'removedFiles' | 'droppedControlTable'> &
      Partial<Pick<SupersededCleanup, 'removedFiles' | 'droppedControlTable'>>,
  ): SupersededCleanup => {
    const report = { ...about, removedFiles: [], droppedControlTable: null, ...outcome };
    if (report.serverCleanup === 'failed') {
      deps.logger.error('The leftovers of an earlier run stay on the database server', { ...report });
    } else {
      deps.logger.info('The leftovers of an earlier run were removed', { ...report });
    }
    return report;
  };
  const refuse = (why: string) =>
    result({ serverCleanup: 'failed', keep: false, reason: `Not removing ${about.job}: ${why}` });
  if (input.serverCleanup === 'off') return result({ serverCleanup: 'off', keep: false });
  if (run.database !== input.database) {
    return refuse(`the record names database "${run.database}", not "${input.database}"`);
  }
  const user = deps.ords.jobOwner ?? null;
  if (user !== null && owner.toUpperCase() !== user) {
    return refuse(`it is owned by ${owner}, not by ${user}, the database user this run works as`);
  }
  const target = { ...input, job: run.job };
  let job: Awaited<ReturnType<ServerCleanupDeps['ords']['getJob']>>;
  try {
    job = await retryTransient(deps, 'Reading the earlier job', () => deps.ords.getJob(owner, jobName));
  } catch (error) {
    return result({ ...cleanupFailure(deps.ords.baseUrl, target, error, []), keep: true });
  }
  if (job === null) {
    return refuse(
      `ORDS no longer shows the job, so its files cannot be named from it; remove the files named ` +
        `${run.job.fileName} and ${run.job.logFileName ?? 'its log'} from directory ${input.directory} by hand`,
    );
  }
  if (jobActivity(job) !== 'finished') {
    return result({
      serverCleanup: 'failed',
      keep: true,
      reason: `Not removing ${about.job}: the job is ${job.state}, not finished; it is left as it is`,
    });
  }
  let files: string[];
  try {
    files = filesOfRun(
      input.database,
      run.job,
      job.files.map((file) => file.name),
    );
  } catch (error) {
    return refuse(`ORDS links a file that is not of run ${run.job.runId}: ${(error as Error).message}`);
  }
  await deps.fence();
  let cleaned: Awaited<ReturnType<typeof runCleanupPlan>>;
  try {
    cleaned = await runCleanupPlan(deps, target, {
      files,
      dropControlTable: input.serverCleanup === 'files-and-control-table',
    });
  } catch (error) {
    // A name no statement may carry (the allow-lists of server-cleanup-sql.ts): never sent.
    if (!(error instanceof InvalidInputError)) throw error;
    return refuse(error.message);
  }
  return result({ ...cleaned, keep: cleaned.serverCleanup === 'failed' });
}
