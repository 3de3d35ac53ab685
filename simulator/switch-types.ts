/** The shapes of the simulator's switch values: outcomes, fault targets, log languages, list noise. */

/** How an export job ends: what its log's last `Job "OWNER"."JOB" …` line says. */
export type JobOutcome = 'success' | 'errors' | 'fatal' | 'stopped' | 'no-log';

/** Every outcome, in documentation order. */
export const JOB_OUTCOMES: readonly JobOutcome[] = ['success', 'errors', 'fatal', 'stopped', 'no-log'];

/**
 * The kinds of request a fault can target: `post` (create a job), `job` (read one job), `list` (read the
 * job list), `download` (read a file), `token` (OAuth2 token), `any` (every request, unknown URLs too).
 */
export type RouteKind = 'post' | 'job' | 'list' | 'download' | 'token' | 'sql' | 'any';

/** Answer the next `count` requests of kind `route` with `status` instead of serving them. */
export interface TransientFailures {
  /** How many requests fail. */
  readonly count: number;
  /** Which requests count. @default 'any' */
  readonly route?: RouteKind;
  /** The status sent. @default 503 */
  readonly status?: number;
}

/** Make POSTs create and start their job but never answer, like a POST that times out. */
export interface PostHang {
  /**
   * Destroy the socket this many milliseconds after the job was created.
   * @default - keep the socket open until `stop()` (or until the client gives up)
   */
  readonly destroyAfterMs?: number;
  /** How many POSTs hang. @default - every POST while the switch is set */
  readonly count?: number;
  /** Only POSTs of this operation hang (and count). @default - exports and imports */
  readonly operation?: 'EXPORT' | 'IMPORT';
}

/** Languages the simulator writes Data Pump logs in (the ORDS JVM's locale sets the session's). */
export type LogLanguage = 'en' | 'ja' | 'unknown';

/** Every log language, in documentation order. */
export const LOG_LANGUAGES: readonly LogLanguage[] = ['en', 'ja', 'unknown'];

/** Rows of a busy database's job list that are not this client's jobs. */
export interface ListNoise {
  /** Running full exports of `SYSTEM` (`SYS_EXPORT_FULL_NN`); their GET answers 403. @default 0 */
  readonly foreignOwnerJobs?: number;
  /** `BIN$…==$0` rows: dropped control tables in the recycle bin; their GET answers 404. @default 0 */
  readonly recycleBinRows?: number;
  /**
   * Jobs of the authenticated owner left NOT RUNNING with their control table by an abnormal end
   * (`SYS_EXPORT_SCHEMA_NN`, made with expdp, and older `DATAPUMP_REST_EXPORT_…` with default names).
   * @default 0
   */
  readonly orphanJobs?: number;
}

/** The `rel` values of file links in a job's `links`. */
export interface LinkRels {
  /** `rel` of each dump file link. @default 'enclosure' */
  readonly dump?: string;
  /** `rel` of the log file link. @default 'related' */
  readonly log?: string;
}

/**
 * Which outcome each new export job gets: one value for every job, a queue (each new export takes the
 * next entry; once the queue is empty jobs succeed), or a function of the job's number (1 for the
 * first export this simulator created, counted across `configure` calls).
 */
export type OutcomeSetting = JobOutcome | readonly JobOutcome[] | ((exportNumber: number) => JobOutcome);

/**
 * Another import into a schema, by someone else (a DBA, another tool), started once: `before-intent`
 * just before the first REST-enabled SQL statement that names the schema (`username = 'NAME'`), that
 * is before a drill reads it; `after-intent` just before the next import POST (after the drill wrote
 * its intent). It imports the newest export's dump, HR remapped to `into`, and keeps its control table.
 */
export interface ForeignImport {
  /** The schema it imports into (created by it when absent). */
  readonly into: string;
  /** The database user that owns the import job (the REST user itself, or e.g. 'SYSTEM'). */
  readonly owner: string;
  readonly when: 'before-intent' | 'after-intent';
}
