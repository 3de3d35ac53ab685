/**
 * The doctor's sweep query of `functions/core/doctor/doctor-leftovers.ts`: the caller's own Data Pump
 * jobs whose name starts with `ODBK_DR_` (`USER_DATAPUMP_JOBS`), each with its state, its attached
 * sessions and the creation time and age of its control table (`USER_OBJECTS`, database clock).
 * Another user's jobs never show: `USER_DATAPUMP_JOBS` holds the session user's only.
 */

/** The query as REST-enabled SQL receives it (`LIKE` with `_` escaped, so `_` is no wildcard). */
export const PROBE_JOBS_QUERY =
  /^SELECT\s+USER\s+AS\s+owner\s*,\s*j\.job_name\s*,\s*j\.state\s*,\s*j\.attached_sessions\s*,\s*TO_CHAR\(\s*o\.created\s*,\s*'YYYY-MM-DD"T"HH24:MI:SS'\s*\)\s+AS\s+created\s*,\s*ROUND\(\s*\(\s*SYSDATE\s*-\s*o\.created\s*\)\s*\*\s*86400\s*\)\s+AS\s+age_seconds\s+FROM\s+user_datapump_jobs\s+j\s+LEFT\s+JOIN\s+user_objects\s+o\s+ON\s+o\.object_name\s*=\s*j\.job_name\s+AND\s+o\.object_type\s*=\s*'TABLE'\s+WHERE\s+j\.job_name\s+LIKE\s+'ODBK\\_DR\\_%'\s+ESCAPE\s+'\\'\s+ORDER\s+BY\s+j\.job_name$/i;
