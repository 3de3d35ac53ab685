import { OrdsResponseError } from '../base/index.js';
import type { OrdsApi, SqlRequestApi } from '../ords/index.js';
import { OrdsHttpRequestError, sanitizeSnippet } from '../ords/index.js';
import type { JobRef } from '../state/index.js';
import { checkJobName } from './consistent-job-name.js';

/**
 * The probe of the one unknown that decides the point-in-time path (../shared/consistent-export.md
 * §10.1): does this ORDS list a Data Pump job it did not create, and serve its files through
 * `jobs/{owner},{job}/{file}`? Asked as soon as the job runs, with its log only (dump files are read
 * after the job ends). A refusal stops the job (`DBMS_DATAPUMP.ATTACH` + `STOP_JOB` through
 * REST-enabled SQL) so that the server does not fill up with an export nobody can read.
 */

/** What the probe found: ORDS serves the job's log, or refuses it (the reason names the answer). */
export type ProbeResult =
  | { readonly outcome: 'served' }
  | { readonly outcome: 'refused'; readonly reason: string };

/** HTTP statuses of the file route that mean "this ORDS does not serve this job's files". */
const REFUSING_STATUSES: readonly number[] = [403, 404];

/** Bytes of the log the probe reads: its first lines prove the route serves it. */
const PROBE_LOG_BYTES = 4096;

/**
 * Probes the job `job` started through REST-enabled SQL: refused when ORDS answers 403/404 for its
 * log, or does not list it and the owner is unknown (OAuth2: the file route needs the owner); served
 * when the log reads (a job ORDS does not list is then polled through `USER_DATAPUMP_JOBS`). Any other
 * failure (a 5xx, a reset connection) throws as it is: the step's retry adopts the job by name and
 * probes again.
 */
export async function probeConsistentJob(
  deps: { readonly ords: Pick<OrdsApi, 'readLog'> },
  job: Pick<JobRef, 'owner' | 'jobName' | 'logFileName'>,
  listed: boolean,
  ownerKnown = true,
): Promise<ProbeResult> {
  if (!listed && !ownerKnown) {
    return {
      outcome: 'refused',
      reason:
        `ORDS does not list the Data Pump job ${job.jobName} made through REST-enabled SQL (GET …/datapump/jobs/) ` +
        'and its owner is unknown with OAuth2 credentials, so its files cannot be named',
    };
  }
  const logFileName = job.logFileName ?? `${job.jobName}.LOG`;
  try {
    await deps.ords.readLog(job.owner, job.jobName, logFileName, PROBE_LOG_BYTES);
    return { outcome: 'served' };
  } catch (error) {
    if (error instanceof OrdsHttpRequestError && REFUSING_STATUSES.includes(error.status)) {
      return {
        outcome: 'refused',
        reason:
          `ORDS answers ${error.status} for the log ${logFileName} of the Data Pump job ${job.owner}.${job.jobName} ` +
          'made through REST-enabled SQL (GET …/datapump/jobs/{owner},{job}/{file}): this ORDS does not serve the ' +
          'files of jobs it did not create',
      };
    }
    throw error;
  }
}

/** `DBMS_DATAPUMP.ATTACH` + `STOP_JOB(immediate, keep_master 0)`: stops the job and drops its control table. */
export const STOP_JOB_STATEMENT =
  'DECLARE h NUMBER; BEGIN h := DBMS_DATAPUMP.ATTACH(:job, USER); DBMS_DATAPUMP.STOP_JOB(h, 1, 0); END;';

/** ORA-31626 "job does not exist": already stopped and gone (a retry stops it again). */
const ORA_NO_SUCH_JOB = 31626;

/**
 * Stops this run's consistent export job `jobName` (the REST user's own) at once and drops its control
 * table; a job that no longer exists counts as stopped. Its files stay: the caller removes them.
 */
export async function stopConsistentJob(
  deps: { readonly sql: SqlRequestApi },
  jobName: string,
): Promise<'stopped' | 'already-gone'> {
  const answer = await deps.sql.runSqlRequest({
    statementText: STOP_JOB_STATEMENT,
    binds: [{ name: 'job', data_type: 'VARCHAR2', value: checkJobName(jobName) }],
  });
  const items = (answer as { items?: unknown } | null)?.items;
  const item = (Array.isArray(items) && items.length === 1 ? items[0] : null) as {
    errorCode?: unknown;
    errorDetails?: unknown;
  } | null;
  if (!item) {
    throw new OrdsResponseError(
      `REST-enabled SQL answered the stop of Data Pump job ${jobName} without its one item: ` +
        sanitizeSnippet(JSON.stringify(answer) ?? '', 200),
    );
  }
  if (item.errorCode === undefined || item.errorCode === null) return 'stopped';
  if (Number(item.errorCode) === ORA_NO_SUCH_JOB) return 'already-gone';
  throw new OrdsResponseError(
    `Could not stop the Data Pump job ${jobName} through REST-enabled SQL (ORA-${String(item.errorCode).padStart(5, '0')}): ` +
      `${sanitizeSnippet(String(item.errorDetails ?? ''), 300)}. Stop it on the database (DBMS_DATAPUMP.STOP_JOB) ` +
      'and remove its files.',
  );
}
