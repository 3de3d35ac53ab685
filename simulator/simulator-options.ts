/**
 * The switches of the ORDS simulator. Every switch can be given to `startOrdsSimulator` and changed
 * later with `configure`; changes apply to later requests and, where a switch describes a job, to jobs
 * created afterwards. See README.md in this folder for the behaviour behind each one.
 */

import type { InjectedSqlError } from './rest-sql.js';
import type {
  ForeignImport,
  JobOutcome,
  LinkRels,
  ListNoise,
  LogLanguage,
  OutcomeSetting,
  PostHang,
  TransientFailures,
} from './switch-types.js';
import { defaultRestoreSwitches, type RestoreSwitches } from './uploaded-files.js';

/** Switches of the ORDS simulator. Every field is optional; defaults are listed with `@default`. */
export interface SimulatorOptions {
  /** Interface to listen on (read at start only). @default '127.0.0.1' */
  readonly host: string;
  /** Port to listen on; 0 picks a free one (read at start only). @default 0 */
  readonly port: number;
  /**
   * Path of "the ORDS URL" users configure, with leading and trailing `/`. The Database API lives under
   * `<basePath>_/db-api/<stable|latest>/`, the OAuth2 token route at `<basePath>oauth/token`.
   * @default '/ords/pdb1/dbapi_user/'
   */
  readonly basePath: string;
  /** Database users accepted with Basic auth: user name (case-insensitive) → password. @default { DBAPI_USER: 'secret-password' } */
  readonly users: Readonly<Record<string, string>>;
  /** Users (or OAuth2 client ids) that authenticate but lack the role: answered 403. @default [] */
  readonly forbiddenUsers: readonly string[];
  /** OAuth2 clients accepted at the token route: client id → client secret. @default { 'backup-client': 'backup-client-secret' } */
  readonly oauthClients: Readonly<Record<string, string>>;
  /** Lifetime of issued bearer tokens, on the simulator clock. @default 3600 */
  readonly tokenTtlSeconds: number;
  /** Database user that owns jobs created with a bearer token. @default 'DBAPI_USER' */
  readonly oauthOwner: string;
  /** The simulator clock: job names, token expiry, log times and `msPerState` use it. @default () => new Date() */
  readonly now: () => Date;
  /** Directory objects the user may write to; any other `datapump_dir` fails with ORA-39087. @default ['DATA_PUMP_DIR'] */
  readonly directories: readonly string[];
  /** Operating-system path of every directory object, as logs and ORA- messages show it. @default '/u01/app/oracle/admin/ORCL/dpdump/' */
  readonly directoryPath: string;
  /** Running (not yet NOT RUNNING) jobs allowed at once; one more POST fails with ORA-39391. @default Infinity */
  readonly maxConcurrentJobs: number;
  /**
   * Single-job GETs a job spends in each running state (EXECUTING, then COMPLETING or a stop state)
   * before it shows NOT RUNNING. 0 finishes a job at its first GET. Ignored when `msPerState` is set.
   * @default 1
   */
  readonly pollsPerState: number;
  /** Advance jobs by the simulator clock instead of by polls: milliseconds per running state. @default undefined */
  readonly msPerState: number | undefined;
  /** The first single-job GET of each job shows NOT RUNNING (with job_state DEFINING), as Data Pump does at start-up. @default false */
  readonly notRunningFlickerAtStart: boolean;
  /** Send `job_state` (EXECUTING…, then COMPLETED or STOPPED). @default true */
  readonly includeJobState: boolean;
  /** Send `job_comment` (the log's final `Job … at … elapsed …` line) once a job has finished. @default false */
  readonly includeJobComment: boolean;
  /** Blank-pad `operation`, `job_mode` and `state` to 30 characters in the list and the single-job GET. @default false */
  readonly padValues: boolean;
  /** Dump files each export writes (1–99; a template without `%U` always gives one). @default 1 */
  readonly dumpFiles: number;
  /** Size of each dump file in bytes: one value, or one per file (the last repeats). @default 1048576 */
  readonly dumpFileBytes: number | readonly number[];
  /** Link dump files from the job GET while the job is still running. @default false */
  readonly linkDumpFilesWhileRunning: boolean;
  /** `rel` values of file links. @default { dump: 'enclosure', log: 'related' } */
  readonly linkRels: LinkRels;
  /** How export jobs end. @default 'success' */
  readonly outcome: OutcomeSetting;
  /**
   * Origin (`scheme://host[:port]`) of every absolute URL the simulator generates (`Location`,
   * `Content-Location`, `links[].href`), as behind a TLS proxy.
   * @default - the request's `Host` header over http
   */
  readonly linkOrigin: string | undefined;
  /** Origin of the `Location` header alone (Oracle's example: `Location` http, `Content-Location` https). @default - `linkOrigin` */
  readonly locationOrigin: string | undefined;
  /** Point file links (dump and log) at this foreign URL prefix instead, e.g. 'https://evil.example/steal/'. @default undefined */
  readonly foreignFileLinks: string | undefined;
  /** Send `Content-Length` on downloads; when false bodies are chunked. @default true */
  readonly contentLength: boolean;
  /** Honour `Range: bytes=…` on downloads (206, `Content-Range`); when false send 200 and the whole file. @default true */
  readonly range: boolean;
  /** Fail the next requests of a kind with 503 (problem+json, or HTML with `htmlErrors`). @default undefined */
  readonly transientFailures: TransientFailures | undefined;
  /** Destroy the socket of a download after this many body bytes. @default undefined */
  readonly resetDownloadAfterBytes: number | undefined;
  /** How many downloads `resetDownloadAfterBytes` applies to. @default 1 */
  readonly resetCount: number;
  /** End a download cleanly after this many body bytes although more were announced. @default undefined */
  readonly truncateDownloadAfterBytes: number | undefined;
  /** How many downloads `truncateDownloadAfterBytes` applies to. @default 1 */
  readonly truncateCount: number;
  /** POSTs create and start their job but do not answer. @default false */
  readonly postHangAfterCreate: boolean | PostHang;
  /** Delay before answering each request, in milliseconds. @default 0 */
  readonly latencyMs: number;
  /** Send error bodies as an HTML page (`text/html`) instead of `application/problem+json`. @default false */
  readonly htmlErrors: boolean;
  /**
   * Finished export logs leave out their dump file set block (`Dump file set for … is:` and the
   * paths), as a log cut off in the middle would, while still ending with their final line.
   * @default false
   */
  readonly logWithoutDumpFileSet: boolean;
  /** Answer single-job GETs with 200 and a cut-off JSON body. @default false */
  readonly invalidJson: boolean;
  /** Show this `state` (e.g. 'HIBERNATING') instead of every running state. @default undefined */
  readonly unknownState: string | undefined;
  /** Leave `links` out of job objects. @default false */
  readonly missingLinks: boolean;
  /**
   * Path that generated links (`Location`, `Content-Location`, `links[].href`) carry instead of
   * `basePath`, as behind a path-rewriting gateway, e.g. '/gateway/ORDS/PDB1/DBAPI_USER/'. Requests
   * are still served under `basePath` only. @default - `basePath`
   */
  readonly linkBasePath: string | undefined;
  /** Language of the logs: 'en', 'ja', or 'unknown' (a synthetic language no client knows). @default 'en' */
  readonly logLanguage: LogLanguage;
  /**
   * Finished jobs show COMPLETED / STOPPED in `state` itself instead of NOT RUNNING: for good (true),
   * or only at the first poll after the end ('transient'), as the control process does for a moment.
   * @default false
   */
  readonly endStateInState: boolean | 'transient';
  /** Extra job list rows: other owners' jobs, `BIN$` rows, orphans. @default {} */
  readonly listNoise: ListNoise;
  /** Ignore `?offset=` on the job list (undocumented in Oracle's pages): every request gets the first page. @default false */
  readonly ignoreOffset: boolean;
  /** Page size of the job list when the request sends no `limit`. @default 25 */
  readonly pageLimit: number;
  /**
   * A new job is invisible (absent from the list, 404 to its GET and downloads) for this many
   * milliseconds of the simulator clock after its POST. @default 0
   */
  readonly jobAppearsAfterMs: number;
  /** Ignore `keep_master`, as ORDS before 25.x may: a successful job is dropped when it ends. @default false */
  readonly ignoreKeepMaster: boolean;
  /**
   * Answer 400 to a POST whose body carries `keep_master` (naming the field), as a strict gateway in
   * front of an ORDS that does not know it may. @default false
   */
  readonly refuseKeepMaster: boolean;
  /**
   * Ignore `file_name` on exports and name the files from the default template
   * (`EXPDAT%U-<date>-<time>.DMP`), as ORDS before 22.3 (which does not document it) may. @default false
   */
  readonly ignoreFileName: boolean;
  /** Serve the files of a dropped job by name (its GET still answers 404). @default false */
  readonly servesDroppedJobFiles: boolean;
  /** Serve REST-enabled SQL at `…/_/sql`; false: 404, as with `restEnabledSql.active` off. @default true */
  readonly restSql: boolean;
  /**
   * Serve the files of jobs made by `DBMS_DATAPUMP` through REST-enabled SQL at `jobs/{owner},{job}/{file}`;
   * false: 404, as an ORDS that serves only the jobs it made may (undocumented). @default true
   */
  readonly servesSqlJobFiles: boolean;
  /**
   * List jobs made through REST-enabled SQL and answer their job GET; false: they are not in the list
   * and their GET answers 404 (their files are still served as `servesSqlJobFiles` says), as an ORDS
   * that shows only the jobs it made may (undocumented). @default true
   */
  readonly showsSqlJobs: boolean;
  /**
   * The undo retention V$PARAMETER (`UNDO_RETENTION`) and V$UNDOSTAT show, in seconds; null: the REST
   * user may not read V$ views (ORA-00942). @default 900 (Oracle's default)
   */
  readonly undoRetentionSeconds: number | null;
  /**
   * A busy schema: the import of a dump made by the ORDS export POST (each table at its own moment)
   * fails to enable a foreign key (ORA-02298) and completes with errors; a point-in-time dump restores
   * clean. @default false
   */
  readonly busySchema: boolean;
  /** The edition V$VERSION names. @default 'Enterprise Edition' */
  readonly edition: string;
  /**
   * Jobs made through REST-enabled SQL hit ORA-01555 in the middle of the export: a table is skipped
   * (ORA-31693) and the job completes with errors. @default false
   */
  readonly sqlExportUndoError: boolean;
  /**
   * The REST user holds EXECUTE on DBMS_FLASHBACK, so a block may read the SCN with
   * `DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER`; false: such a block fails with PLS-00201. @default false
   */
  readonly flashbackGranted: boolean;
  /**
   * The next this many REST-enabled SQL requests run, then answer 504 instead of their result, like a
   * gateway that timed out after the database did the work (the answer is lost). @default 0
   */
  readonly sqlAnswersLost: number;
  /** Link an import job's log file from its job object; false: no log link, as some ORDS versions. @default true */
  readonly importLogLink: boolean;
  /**
   * Answer every statement of one kind with this ORA- error inside the 200 answer (a missing grant,
   * say: `{ statement: 'remove-file', code: 29289, message: 'ORA-29289: directory access denied' }`).
   * @default undefined
   */
  readonly restSqlError: InjectedSqlError | undefined;
  /**
   * How every import job ends ('errors': completed with errors, 'fatal': stopped due to fatal error).
   * An import into a user that exists already, or of a schema not in the dump, completes with errors
   * anyway. @default 'success'
   */
  readonly importOutcome: JobOutcome;
  /**
   * Every import leaves out its last table (its log has one `imported` line fewer than the export's
   * `exported` lines), as an import that lost a table would. @default false
   */
  readonly importMissesTable: boolean;
  /**
   * The roles the REST session holds (SESSION_ROLES). Without one that reads DBA_DATAPUMP_JOBS
   * (SELECT_CATALOG_ROLE, DATAPUMP_EXP_FULL_DATABASE, EXP_FULL_DATABASE, PDB_DBA, DBA) the job list
   * and job GETs answer 500 (ORA-00942), as ORDS does. @default ['DATAPUMP_EXP_FULL_DATABASE', 'DATAPUMP_IMP_FULL_DATABASE']
   */
  readonly sessionRoles: readonly string[];
  /** The system privileges the REST session holds (SESSION_PRIVS). @default ['CREATE SESSION', 'CREATE TABLE', 'CREATE USER', 'DROP USER'] */
  readonly sessionPrivileges: readonly string[];
  /**
   * The database's users before any import (ALL_USERS); an import creates its remapped targets, and
   * `DROP USER … CASCADE` removes one. @default ['SYS', 'SYSTEM', 'HR', 'DBAPI_USER']
   */
  readonly databaseUsers: readonly string[];
  /**
   * Time zone of the database host's operating system: `SYSDATE`, `SYSTIMESTAMP`'s offset and the
   * DATEs the database writes (`ALL_USERS.CREATED`, control tables' `USER_OBJECTS.CREATED`) follow it.
   * An offset ('+09:00') or an IANA name ('America/New_York', with its daylight-saving changes).
   * @default 'UTC'
   */
  readonly databaseTimeZone: string;
  /** The clock of the time in ORDS job names (undocumented): 'utc', or 'database' (`databaseTimeZone`). @default 'utc' */
  readonly jobNameClock: 'utc' | 'database';
  /** Another import into a schema, started once (see `ForeignImport`). @default undefined */
  readonly foreignImport: ForeignImport | undefined;
  /** The `owner_name` ORDS answers for import jobs, when not their owner (./answered-owner.ts). @default undefined */
  readonly importOwnerAnswered: string | undefined;
  /** What a restore's blocks meet: DBMS_CLOUD, DBMS_CRYPTO, a full directory, an interruption (./uploaded-files.ts). */
  readonly restore: RestoreSwitches;
}

/** The defaults of every switch. */
export function defaultSimulatorOptions(): SimulatorOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    basePath: '/ords/pdb1/dbapi_user/',
    users: { DBAPI_USER: 'secret-password' },
    forbiddenUsers: [],
    oauthClients: { 'backup-client': 'backup-client-secret' },
    tokenTtlSeconds: 3600,
    oauthOwner: 'DBAPI_USER',
    now: () => new Date(),
    directories: ['DATA_PUMP_DIR'],
    directoryPath: '/u01/app/oracle/admin/ORCL/dpdump/',
    maxConcurrentJobs: Number.POSITIVE_INFINITY,
    pollsPerState: 1,
    msPerState: undefined,
    notRunningFlickerAtStart: false,
    includeJobState: true,
    includeJobComment: false,
    padValues: false,
    dumpFiles: 1,
    dumpFileBytes: 1024 * 1024,
    linkDumpFilesWhileRunning: false,
    linkRels: { dump: 'enclosure', log: 'related' },
    outcome: 'success',
    linkOrigin: undefined,
    locationOrigin: undefined,
    foreignFileLinks: undefined,
    contentLength: true,
    range: true,
    transientFailures: undefined,
    resetDownloadAfterBytes: undefined,
    resetCount: 1,
    truncateDownloadAfterBytes: undefined,
    truncateCount: 1,
    postHangAfterCreate: false,
    latencyMs: 0,
    htmlErrors: false,
    logWithoutDumpFileSet: false,
    invalidJson: false,
    unknownState: undefined,
    missingLinks: false,
    linkBasePath: undefined,
    logLanguage: 'en',
    endStateInState: false,
    listNoise: {},
    ignoreOffset: false,
    pageLimit: 25,
    jobAppearsAfterMs: 0,
    ignoreKeepMaster: false,
    refuseKeepMaster: false,
    ignoreFileName: false,
    servesDroppedJobFiles: false,
    restSql: true,
    servesSqlJobFiles: true,
    showsSqlJobs: true,
    undoRetentionSeconds: 900,
    busySchema: false,
    edition: 'Enterprise Edition',
    sqlExportUndoError: false,
    flashbackGranted: false,
    sqlAnswersLost: 0,
    restSqlError: undefined,
    importOutcome: 'success',
    importLogLink: true,
    importMissesTable: false,
    sessionRoles: ['DATAPUMP_EXP_FULL_DATABASE', 'DATAPUMP_IMP_FULL_DATABASE'],
    sessionPrivileges: ['CREATE SESSION', 'CREATE TABLE', 'CREATE USER', 'DROP USER'],
    databaseUsers: ['SYS', 'SYSTEM', 'HR', 'DBAPI_USER'],
    databaseTimeZone: 'UTC',
    jobNameClock: 'utc',
    foreignImport: undefined,
    importOwnerAnswered: undefined,
    restore: defaultRestoreSwitches(),
  };
}
