import { z } from 'zod';
import { InvalidInputError } from '../base/index.js';
import { POLL_INTERVAL_SECONDS } from './poll-budget.js';
import { SlotHoldingSchema } from './slot-holding.js';

/**
 * The state machine's data contract: the execution input and what each task receives and returns.
 * The CDK state machine builds the task payloads with these field names and the handlers parse them
 * with these schemas, so both sides change together. Payloads carry ids, names, counts and keys:
 * never bytes, never secrets. This file holds the run's start, its job and its polling; the copy's
 * payloads are in `copy-payloads.ts`, the manifest's and the cleanup's in `stored-payloads.ts`, the
 * slots' in `slot-payloads.ts`.
 */

/** A database id: used in S3 keys, dump file names, schedule names and metric dimensions. */
export const DATABASE_ID = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** What to do when an export of this database started by an earlier run is still running. */
export const ON_RUNNING_EXPORT = ['fail', 'adopt'] as const;
export type OnRunningExport = (typeof ON_RUNNING_EXPORT)[number];

/**
 * How consistent a database's backups are: `per-table` (the ORDS export POST: each table at its own
 * moment), `point-in-time` (DBMS_DATAPUMP through REST-enabled SQL with FLASHBACK_SCN; a run fails
 * rather than fall back) or `auto` (point-in-time where this ORDS serves such a job's files, else the
 * ORDS export POST in the same run, said in the console, a metric and the manifest).
 */
export const CONSISTENCY = ['per-table', 'point-in-time', 'auto'] as const;
export type Consistency = (typeof CONSISTENCY)[number];

/**
 * What a run removes from the database server once its files are safe: nothing, its dump and log
 * files, or those and its Data Pump control table.
 */
export const SERVER_CLEANUP = ['off', 'files', 'files-and-control-table'] as const;
export type ServerCleanup = (typeof SERVER_CLEANUP)[number];

/**
 * An S3 key prefix: empty, or folder names ending with `/`, without a leading `/`. The characters
 * are S3's safe ones except `*`: the prefix becomes IAM resources and `s3:prefix` conditions, where
 * `*` is a wildcard (a prefix `*\/` would grant a database's functions every folder of the bucket).
 */
export const KEY_PREFIX = /^(?:[A-Za-z0-9!_.'()-]+\/)*$/;

/**
 * The input of one execution: the database to back up and, from its schedule, the time the run was
 * meant for. Nothing in it can redirect a run: the database's ORDS URL, secret, S3 prefix and
 * settings are bound at deploy time (`functions/core/run/binding.ts`), and an input that tries to name
 * them is refused. A run started by hand needs only `{"database":"orders"}`.
 */
export const ExecutionInputSchema = z.strictObject({
  database: z.string().regex(DATABASE_ID),
  /** When the schedule meant to run (EventBridge Scheduler's `<aws.scheduler.scheduled-time>`). */
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  /**
   * Per-run override of the database's poll interval: changes how often, never where. Its lower
   * bound depends on the database's timeout (`runTiming` checks it against the history budget).
   */
  pollSeconds: z.number().int().min(POLL_INTERVAL_SECONDS.min).max(POLL_INTERVAL_SECONDS.max).optional(),
  /** Run the database's restore drill in this run even if none is due (only where one is configured). */
  restoreDrill: z.literal(true).optional(),
  /**
   * Set only by the window launcher: when the database's night window closes and the run's place in
   * the window's start order. `runTiming` checks both against the scheduled time. A run without it
   * (a cron schedule, by hand) has no closing time and no place in a queue.
   */
  window: z
    .strictObject({
      /** ISO UTC time the window closes: a run without an ORDS slot by then fails. */
      closesAt: z.iso.datetime({ offset: true }),
      /** 0-based position in the window's start order: earlier ranks take free slots first. */
      rank: z.number(),
    })
    .optional(),
});
export type ExecutionInput = z.output<typeof ExecutionInputSchema>;

/** Fields an execution input may not carry, because the deployment binds them to the database. */
export const BOUND_FIELDS = [
  'ordsUrl',
  'secretId',
  'secret',
  'prefix',
  'export',
  'timeoutSeconds',
  'acceptCompletedWithErrors',
  'onRunningExport',
  'serverCleanup',
  'autonomousDatabase',
  'recordSha256',
  'consistency',
] as const;

/** `$$.Execution.Name`, sent to every task so each log line names its execution. */
const executionName = z.string().min(1);

/** Which database a task works for: its binding says where its ORDS and secret are. */
export const TaskTargetShape = {
  executionName,
  /** `$$.Execution.Id`: the run lock's holder. Required by the steps that change the server. */
  executionArn: z.string().min(1).optional(),
  database: z.string().regex(DATABASE_ID),
  /**
   * `$.slots`: the ORDS slots the run holds, checked by each step that calls ORDS before it does
   * (`assertRunSlots`). Absent in executions of a state machine deployed before that check.
   */
  slots: SlotHoldingSchema.optional(),
};

/** `$$.Execution.Id`, required by a step that checks the run lock before it changes the server. */
export const FencedExecutionArnSchema = z.string().min(1, 'the execution ARN is missing');

/**
 * How a run's Data Pump job came to be, which decides how it is named: `ords-export` and
 * `ords-import` (the ORDS Data Pump POSTs: ORDS names the job `DATAPUMP_REST_EXPORT_<14 digits>`,
 * `DATAPUMP_REST_IMPORT_<14 digits>`), `rest-sql` (DBMS_DATAPUMP through REST-enabled SQL: the run
 * names the job itself). Part of the job's one identity `{ path, owner, jobName }` that polling,
 * adoption, the run lock and cleanup use.
 */
export const JOB_PATHS = ['ords-export', 'ords-import', 'rest-sql'] as const;
export type JobPath = (typeof JOB_PATHS)[number];

/** The Data Pump job a run works on (the `$.job` of the state). */
/**
 * Fallbacks a run takes when ORDS answers as an older or stricter version does (docs/ords-support.md):
 * - `keep-master-refused`: the export POST was refused with a 400 naming `keep_master`; the export was
 *   started again without it (Data Pump may then drop the job when it succeeds; its files are read by
 *   name);
 * - `file-name-ignored`: ORDS named the files from its default template, not this run's `file_name`
 *   (ORDS before 22.3); the run follows the names the job links;
 * - `size-from-rest-sql`: ORDS sent a file chunked and ignored `Range`; its end was confirmed by the
 *   file's size in the database, read through REST-enabled SQL;
 * - `list-offset-ignored`: ORDS ignored `offset` on the job list; it was read in one page.
 */
export const FALLBACKS = [
  'keep-master-refused',
  'file-name-ignored',
  'size-from-rest-sql',
  'list-offset-ignored',
] as const;
export type Fallback = (typeof FALLBACKS)[number];

export const JobRefSchema = z.object({
  /** How the job was started; absent in executions started before it existed: `ords-export`. */
  path: z.enum(JOB_PATHS).optional(),
  owner: z.string().min(1),
  jobName: z.string().min(1),
  /** This run's id, part of every dump file name it creates. */
  runId: z.string().min(1),
  /** The `file_name` template sent to ORDS, with `%U`. */
  fileName: z.string().min(1),
  /** Data Pump job mode (FULL, SCHEMA, TABLE, TABLESPACE). */
  jobMode: z.string().min(1),
  /** ISO time the run started the export (or adopted it): the S3 folder's date and the timeout's origin. */
  startedAt: z.string().datetime(),
  /** True when this run adopted a job it did not start (after an ambiguous POST or by configuration). */
  adopted: z.boolean(),
  /**
   * The log file name the job linked when this run started or adopted it: read by name should ORDS
   * later answer 404 for the job (an ORDS that ignores keep_master drops it on success).
   */
  logFileName: z.string().min(1).optional(),
  /**
   * What this run did differently because the ORDS it met answered as an older or stricter version
   * does (`FALLBACKS`), each once: recorded in the manifest. Absent in states of earlier versions.
   */
  fallbacks: z.array(z.enum(FALLBACKS)).optional(),
  /**
   * The SCN the consistent export's block read (path `rest-sql`, decimal digits: SCNs pass 2^53).
   * Absent when the run adopted the job: its log's marker line names the SCN.
   */
  scn: z
    .string()
    .regex(/^[1-9]\d{0,19}$/)
    .optional(),
  /**
   * Why a database set to `auto` is backed up per-table in this run (ORDS refused the files of the
   * point-in-time job, now or in the probe result recorded for the database): "Consistency downgraded"
   * shows it and the manifest records it. Absent otherwise.
   */
  downgraded: z.string().min(1).max(2000).optional(),
  /**
   * `rest-sql` when ORDS neither lists nor answers the job GET for this job (path `rest-sql`) but serves
   * its files: "Read job" polls `USER_DATAPUMP_JOBS` through REST-enabled SQL, "Read log" reads the
   * files by name. Absent: the ORDS job GET.
   */
  pollBy: z.literal('rest-sql').optional(),
  /** The database time (UTC) at which the block read `scn`, read in the same block. Absent when adopted. */
  scnTime: z.string().datetime().optional(),
  /**
   * The `FILESIZE` (bytes) the block sent (path `rest-sql`): the manifest's parameters show it. Absent in
   * states of earlier versions: the configured size or the 8 GiB default.
   */
  filesizeBytes: z.number().int().positive().optional(),
});
export type JobRef = z.output<typeof JobRefSchema>;

/** Job names ORDS gives the jobs its Data Pump POSTs create. */
const ORDS_JOB_NAMES: Readonly<Record<Exclude<JobPath, 'rest-sql'>, RegExp>> = {
  'ords-export': /^DATAPUMP_REST_EXPORT_\d{14}$/,
  'ords-import': /^DATAPUMP_REST_IMPORT_\d{14}$/,
};

/**
 * Null when `jobName` is a name the job's path can produce (ORDS's pattern for a job ORDS started,
 * any unquoted Oracle identifier for one the run named itself), else the problem, naming the value.
 */
export function jobNameProblem(job: Pick<JobRef, 'path' | 'jobName'>): string | null {
  const path = job.path ?? 'ords-export';
  const pattern = path === 'rest-sql' ? /^[A-Z][A-Z0-9_$#]{0,127}$/ : ORDS_JOB_NAMES[path];
  return pattern.test(job.jobName)
    ? null
    : `job name ${JSON.stringify(job.jobName)} is not one a job of path "${path}" has (${pattern.source})`;
}

/** Payload of "Start export": the execution's own identity and its raw input, checked here. */
export const StartExportPayloadSchema = z.object({
  executionName,
  /** `$$.Execution.Id`: the run lock names the execution that holds a database. */
  executionArn: z.string().min(1),
  /** `$$.Execution.StartTime`. */
  executionStartTime: z.string().datetime(),
  /** `$$.Execution.Input`, parsed with `ExecutionInputSchema`. */
  input: z.unknown(),
  /** `$.slots`: checked before the export starts (absent in executions of earlier versions). */
  slots: SlotHoldingSchema.optional(),
});
export type StartExportPayload = z.output<typeof StartExportPayloadSchema>;

/** Result of "Start export" (the `$.run` of the state): the job and the settings the loop reads. */
export interface StartedRun {
  readonly job: JobRef;
  /** Seconds between two job reads (the binding's, or the input's override). */
  readonly pollSeconds: number;
  /** Whether "completed with N error(s)" counts as a successful backup. */
  readonly acceptCompletedWithErrors: boolean;
  /** The schedule's time for the run, or the execution's start time for a run started by hand. */
  readonly scheduledTime: string;
  /** Whether a schedule started the run (its input carries `scheduledTime`) or a person did. */
  readonly startedBy: StartedBy;
  /** Whether this run imports its dump into the database's drill schema after the manifest. */
  readonly restoreDrill: boolean;
  /** Set on a drill night of a database whose drill restores the S3 copy, after the cleanup. */
  readonly restoreDrillFromS3?: true;
  /**
   * What this run removed, before its export, of earlier runs that ended without their own cleanup
   * (or why it could not). Absent when none was recorded.
   */
  readonly superseded?: readonly SupersededCleanup[];
}

/** The leftovers of one earlier run that a new run removed from the server, or why it did not. */
export interface SupersededCleanup {
  /** The earlier run's execution name. */
  readonly execution: string;
  /** `OWNER.JOB` of its recorded job. */
  readonly job: string;
  /** `done`: all removed; `failed`: something is left, `reason` says what; `off`: configured. */
  readonly serverCleanup: 'done' | 'failed' | 'off';
  /** Files removed from the job's directory (or already gone). */
  readonly removedFiles: readonly string[];
  /** `OWNER.JOB` of the dropped control table, or null. */
  readonly droppedControlTable: string | null;
  /** Why something is left (failed only). */
  readonly reason?: string;
  /** Whether the earlier run stays recorded, for the next run to try again. */
  readonly keep: boolean;
}

/** Who started a run. */
export const STARTED_BY = ['schedule', 'hand'] as const;
export type StartedBy = (typeof STARTED_BY)[number];

/** Payload of "Read job". */
export const ReadJobPayloadSchema = z.object({
  ...TaskTargetShape,
  job: JobRefSchema,
});
export type ReadJobPayload = z.output<typeof ReadJobPayloadSchema>;

/** Result of "Read job" (the `$.status` of the state). */
export interface JobStatus {
  /** True while Data Pump is still working: poll again. */
  readonly running: boolean;
  /**
   * The job's `state` as ORDS reports it, trimmed and upper-cased; after a 404 `NOT VISIBLE` while the
   * job may still be starting up, else `GONE`.
   */
  readonly state: string;
}

/** Payload of "Read log". */
export const ReadLogPayloadSchema = z.object({
  ...TaskTargetShape,
  job: JobRefSchema,
});
export type ReadLogPayload = z.output<typeof ReadLogPayloadSchema>;

/** How a Data Pump export ended, according to its log. */
export const VERDICTS = ['succeeded', 'completed-with-errors', 'failed'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A file of the job to copy to S3. */
export const FileToCopySchema = z.object({
  name: z.string().min(1),
  kind: z.enum(['dump', 'log']),
  /** The S3 key it is stored under. */
  key: z.string().min(1),
});
export type FileToCopy = z.output<typeof FileToCopySchema>;

/** What an export log says was exported: schema names and counts only, capped (`MAX_EXPORTED_SCHEMAS`). */
export const ExportedObjectsSchema = z.object({
  /** Each schema with table (or partition) data in the log, by name, with its counts. */
  schemas: z.array(z.object({ schema: z.string().min(1), tables: z.number().int(), rows: z.number().int() })),
  /** True when more schemas were seen than listed. */
  truncated: z.boolean(),
  /** Distinct tables with exported data, over all schemas. */
  tables: z.number().int().min(0),
  /** Rows exported, over all schemas. */
  rows: z.number().int().min(0),
});
export type ExportedObjects = z.output<typeof ExportedObjectsSchema>;

/** Result of "Read log" (the `$.verdict` of the state). */
export const VerdictResultSchema = z.object({
  verdict: z.enum(VERDICTS),
  /** The log's final `Job "OWNER"."JOB" …` line, or a sentence saying why there is none. */
  summary: z.string(),
  /** ORA- lines from the log (at most 20). */
  errors: z.array(z.string()),
  /** What the Fail state shows as cause: the summary and the ORA- lines. */
  cause: z.string(),
  /** Files to store: every dump file and the log, or only the log for a failed export. */
  files: z.array(FileToCopySchema),
  /**
   * A failed export's dump files, which are not stored: the names its log lists and ORDS links,
   * removed from the server by "Remove dump files".
   */
  dumpFilesLeft: z.array(z.string().min(1)).optional(),
  /** What the log says was exported (a stored backup only; absent in states written before it). */
  exported: ExportedObjectsSchema.optional(),
  /**
   * What the log of a consistent export (path `rest-sql`) proves: the SCN its marker line names and
   * that line. Absent for the ORDS export POST.
   */
  consistentEvidence: z
    .object({ scn: z.string().regex(/^[1-9]\d{0,19}$/), markerLine: z.string().min(1) })
    .optional(),
  /** When the verdict was read: the copy phase starts here (for the throughput figure). */
  checkedAt: z.string().datetime(),
});
export type VerdictResult = z.output<typeof VerdictResultSchema>;

/**
 * Parses a task payload, turning schema failures into an `InvalidInputError` that names each bad
 * field and value. Never echoes fields called like secrets.
 */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(`${what} is invalid: ${describeIssues(parsed.error)}`);
}

/** One line per issue: `path: message (got value)`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
