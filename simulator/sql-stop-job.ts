import type { RequestBind } from './rest-sql-datapump.js';

/**
 * `DBMS_DATAPUMP.ATTACH` + `STOP_JOB(h, 1, 0)` through REST-enabled SQL, as
 * `functions/core/export/consistent-probe.ts` sends it: stops one of the caller's own jobs at once
 * and drops its control table; ORA-31626 when the caller has no such job.
 */

/** The stop statement, the job name in the bind `:job`. */
export const STOP_JOB =
  /^DECLARE\s+h\s+NUMBER;\s*BEGIN\s+h\s*:=\s*DBMS_DATAPUMP\.ATTACH\(\s*:job\s*,\s*USER\s*\)\s*;\s*DBMS_DATAPUMP\.STOP_JOB\(\s*h\s*,\s*1\s*,\s*0\s*\)\s*;\s*END\s*;$/i;

/** Runs the stop as `caller`: null when stopped, else the ORA- error. */
export function runStopJob(
  stop: (owner: string, jobName: string) => boolean,
  caller: string,
  binds: readonly RequestBind[],
): { readonly code: number; readonly message: string } | null {
  const jobName = binds.find((bind) => bind.name === 'job')?.value;
  if (typeof jobName !== 'string') return { code: 1008, message: 'ORA-01008: not all variables bound' };
  return stop(caller, jobName)
    ? null
    : {
        code: 31626,
        message: 'ORA-31626: job does not exist\nORA-06512: at "SYS.DBMS_DATAPUMP", line 1',
      };
}
