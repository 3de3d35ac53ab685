import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../base/index.js';
import type { Logger, OrdsApi, RestSqlApi, SqlStatementResult } from '../ords/index.js';
import { retryTransient, type TransientRetryDeps } from '../ords/index.js';
import type { CleanUpServerPayload, ServerCleanup, ServerCleanupResult } from '../state/index.js';
import { backupFolder, jobNameProblem, logFileNameOf, manifestKey, runIdOfFile } from '../state/index.js';
import {
  cleanupFailure,
  objectExists,
  SERVER_CLEANUP_FILE,
  statementFailure,
  writeCleanupReport,
} from './server-cleanup-report.js';
import {
  dropControlTableStatement,
  type FileRemover,
  isFileAlreadyGone,
  removeFileStatement,
} from './server-cleanup-sql.js';

/** ORA-00942 (table or view does not exist): the control table is already gone. */
const TABLE_MISSING = 942;

/**
 * What `cleanUpServer` needs. `sleep` paces the retries of a transient ORDS error (5xx, 429, a reset
 * connection): every request of a cleanup is safe to repeat, and only a failure that outlasts them
 * is recorded as `serverCleanup: failed`.
 */
export interface ServerCleanupDeps extends TransientRetryDeps {
  readonly sql: RestSqlApi;
  readonly ords: Pick<OrdsApi, 'baseUrl' | 'getJob'> & Partial<Pick<OrdsApi, 'jobOwner'>>;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** The payload and the database's bound settings. */
export type ServerCleanupInput = CleanUpServerPayload & {
  readonly prefix: string;
  readonly serverCleanup: ServerCleanup;
  readonly autonomousDatabase: boolean;
  /** The export's directory object (`datapump_dir` of the export spec). */
  readonly directory: string;
};

/** The run a cleanup removes files of: its database, recorded job and the database's settings. */
export type CleanupTarget = Pick<ServerCleanupInput, 'database' | 'job' | 'autonomousDatabase' | 'directory'>;

/** What one cleanup removes: files by their own names, and whether to drop the control table. */
export interface CleanupPlan {
  readonly files: readonly string[];
  readonly dropControlTable: boolean;
}

/**
 * The files and table a cleanup removes, or null when cleanup is off. After a stored backup: every
 * file this run stored (dump files and log) and, with `files-and-control-table`, the job's control
 * table. After a failed export: its dump files only (its log is stored; the job is kept for
 * diagnosis). Only names of this run's files are accepted (database prefix and run id), never a
 * pattern: a tampered state cannot point the cleanup at another run's files.
 */
export function planCleanup(input: ServerCleanupInput): CleanupPlan | null {
  if (input.serverCleanup === 'off') return null;
  const { job, verdict } = input;
  const names =
    input.phase === 'after-backup'
      ? verdict.files.map((file) => file.name)
      : [
          ...verdict.files.filter((file) => file.kind === 'dump').map((file) => file.name),
          ...(verdict.dumpFilesLeft ?? []),
        ];
  return {
    files: filesOfRun(input.database, job, names),
    dropControlTable: input.phase === 'after-backup' && input.serverCleanup === 'files-and-control-table',
  };
}

/**
 * `names` without duplicates (case aside), once each is known as a file of the run of `job` (its run
 * id, its own log, or the ignored template's dump files); throws `InvalidInputError` naming the
 * first that is not.
 */
export function filesOfRun(database: string, job: CleanupTarget['job'], names: readonly string[]): string[] {
  const ownLog = (job.logFileName ?? logFileNameOf(job.fileName)).toUpperCase();
  const files = [...new Map(names.map((name) => [name.toUpperCase(), name])).values()];
  for (const name of files) {
    const ours =
      runIdOfFile(database, name) === job.runId.toUpperCase() ||
      name.toUpperCase() === ownLog ||
      namedByIgnoredTemplate(job, name);
    if (!ours) {
      throw new InvalidInputError(
        `Refusing to remove ${JSON.stringify(name)} from the database server: it is not a file of run ` +
          `${job.runId} of database "${database}"`,
      );
    }
  }
  return files;
}

/**
 * Whether ORDS named `name` from the template it used instead of this run's `file_name` (ORDS before
 * 22.3; the run recorded that template with the `file-name-ignored` fallback). Exactly the dump files
 * of that template (`%U` → two digits), never a pattern beyond it.
 */
function namedByIgnoredTemplate(job: CleanupTarget['job'], name: string): boolean {
  if (!job.fallbacks?.includes('file-name-ignored')) return false;
  const [before = '', after = ''] = job.fileName.toUpperCase().split('%U');
  const upper = name.toUpperCase();
  return (
    upper.length === before.length + 2 + after.length &&
    upper.startsWith(before) &&
    upper.endsWith(after) &&
    /^\d{2}$/.test(upper.slice(before.length, before.length + 2))
  );
}

/**
 * Removes this run's files from the job's directory through REST-enabled SQL, then drops its
 * control table when every file is gone — after a stored backup only once its manifest is in S3.
 * Cleanup that cannot run never fails the backup: the result says `failed` with the reason and the
 * way out (enable REST-enabled SQL, grant, or turn cleanup off), and after a stored backup a
 * `server-cleanup.json` beside the manifest records it. A transient ORDS error is retried a few times
 * first; a permanent one (404, ORA- in the answer, 401/403) is recorded at once. Throws only when that
 * record cannot be written (retried) or the input is refused.
 */
export async function cleanUpServer(
  deps: ServerCleanupDeps,
  input: ServerCleanupInput,
): Promise<ServerCleanupResult> {
  const plan = planCleanup(input);
  if (!plan) return { serverCleanup: 'off', removedFiles: [], droppedControlTable: null };
  const { job } = input;
  const folder = backupFolder(input.prefix, input.database, job.startedAt, job.jobName);
  const finish = async (result: ServerCleanupResult): Promise<ServerCleanupResult> => {
    if (result.serverCleanup === 'failed') {
      deps.logger.error('Server cleanup failed: files stay on the database server', { ...result });
    } else {
      deps.logger.info('Server cleanup done', { ...result });
    }
    if (input.phase !== 'after-backup') return result;
    const key = `${folder}${SERVER_CLEANUP_FILE}`;
    const stored = await writeCleanupReport(
      deps,
      key,
      { database: input.database, jobName: job.jobName, ...result },
      `${job.owner}.${job.jobName}`,
    );
    return { ...stored, report: `s3://${deps.bucket}/${key}` };
  };

  if (input.phase === 'after-backup' && !(await objectExists(deps, manifestKey(folder)))) {
    return finish({
      serverCleanup: 'failed',
      removedFiles: [],
      droppedControlTable: null,
      reason:
        `s3://${deps.bucket}/${manifestKey(folder)} does not exist (or cannot be read): nothing is removed ` +
        'from the server before the manifest is stored',
    });
  }
  return finish(await runCleanupPlan(deps, input, plan));
}

/**
 * Removes `plan.files` from the job's directory, then (with `plan.dropControlTable`) drops the job's
 * control table when every file is gone and the table is the run's recorded job's. Never throws for
 * ORDS: a failure is the result, with its reason.
 */
export async function runCleanupPlan(
  deps: ServerCleanupDeps,
  input: CleanupTarget,
  plan: CleanupPlan,
): Promise<ServerCleanupResult> {
  const remover: FileRemover = input.autonomousDatabase ? 'dbms-cloud' : 'utl-file';
  const statements = plan.files.map((name) => removeFileStatement(input.directory, name, remover));
  const removedFiles: string[] = [];
  if (statements.length > 0) {
    let results: SqlStatementResult[];
    try {
      // Safe to repeat: a file removed by an earlier try answers ORA-29283 (ORA-20025 on Autonomous
      // Database), counted as removed.
      results = await retryTransient(deps, 'Removing files', () => deps.sql.runSql(statements));
    } catch (error) {
      return cleanupFailure(deps.ords.baseUrl, input, error, []);
    }
    const gone = (result: SqlStatementResult | undefined) =>
      result !== undefined && (result.ok || isFileAlreadyGone(remover, result.errorCode));
    const failed = results.filter((result) => !gone(result));
    plan.files.forEach((name, index) => {
      if (gone(results[index])) removedFiles.push(name);
    });
    if (failed.length > 0) return statementFailure(input, failed, removedFiles);
  }
  if (!plan.dropControlTable) return { serverCleanup: 'done', removedFiles, droppedControlTable: null };
  return dropControlTable(deps, input, removedFiles);
}

/**
 * Drops the control table of this run's recorded job only: its name must be one the job's path
 * produces, its owner the database user this run's ORDS client runs as (when known: Basic), and
 * ORDS must show the job as this run's (its files carry the run id).
 */
async function dropControlTable(
  deps: ServerCleanupDeps,
  input: CleanupTarget,
  removedFiles: string[],
): Promise<ServerCleanupResult> {
  const { owner, jobName, runId } = input.job;
  const table = `${owner}.${jobName}`;
  const refuse = (why: string): ServerCleanupResult => ({
    serverCleanup: 'failed',
    removedFiles,
    droppedControlTable: null,
    reason: `Not dropping ${table}: ${why}`,
  });
  const nameProblem = jobNameProblem(input.job);
  if (nameProblem) return refuse(`${nameProblem}, so it is not this run's recorded job`);
  const user = deps.ords.jobOwner ?? null;
  if (user !== null && owner.toUpperCase() !== user) {
    return refuse(`it is owned by ${owner}, not by ${user}, the database user this run works as`);
  }
  const statement = dropControlTableStatement(owner, jobName);
  try {
    // A job ORDS does not show (polled through USER_DATAPUMP_JOBS) is this run's by its recorded name.
    const job =
      input.job.pollBy === 'rest-sql'
        ? undefined
        : await retryTransient(deps, 'Reading the job', () => deps.ords.getJob(owner, jobName));
    if (job === null) return { serverCleanup: 'done', removedFiles, droppedControlTable: null };
    const ours =
      job === undefined ||
      job.files.some(
        (file) =>
          runIdOfFile(input.database, file.name) === runId.toUpperCase() ||
          namedByIgnoredTemplate(input.job, file.name),
      );
    if (job !== undefined && job.files.length > 0 && !ours) {
      return {
        serverCleanup: 'failed',
        removedFiles,
        droppedControlTable: null,
        reason: `Not dropping ${table}: ORDS links no file of run ${runId} for it, so it is not this run's job`,
      };
    }
    // Safe to repeat: a table dropped by an earlier try answers ORA-00942, counted as dropped.
    const [result] = await retryTransient(deps, 'Dropping the control table', () =>
      deps.sql.runSql([statement]),
    );
    if (result && !result.ok && result.errorCode !== TABLE_MISSING) {
      return statementFailure(input, [result], removedFiles);
    }
  } catch (error) {
    return cleanupFailure(deps.ords.baseUrl, input, error, removedFiles);
  }
  return { serverCleanup: 'done', removedFiles, droppedControlTable: table };
}
