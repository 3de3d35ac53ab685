import { z } from 'zod';
import { InvalidInputError, UnknownDatabaseError } from '../base/index.js';
import { RestoreDrillBindingSchema } from '../drill/index.js';
import { ConsistentOptionsSchema, ExportSpecSchema } from '../export/index.js';
import { ordsOrigin } from '../fleet/index.js';
import { RetentionBindingSchema } from '../retention/index.js';
import {
  backupFolder,
  CONSISTENCY,
  DATABASE_ID,
  describeIssues,
  type JobRef,
  KEY_PREFIX,
  ON_RUNNING_EXPORT,
  SERVER_CLEANUP,
} from '../state/index.js';

/**
 * A database's binding: where its ORDS is, which secret holds its credentials, where its backups go
 * and how its runs behave. Fixed at deploy time (one SSM parameter per database) and read by every
 * function from there, never from the execution input: whoever may start an execution can name a
 * database, but cannot send its credentials anywhere else or store its dumps under another prefix.
 */
export const DatabaseBindingSchema = z.strictObject({
  database: z.string().regex(DATABASE_ID),
  ordsUrl: z.url({ protocol: /^https?$/ }),
  secretId: z.string().min(1),
  prefix: z.string().regex(KEY_PREFIX),
  export: ExportSpecSchema,
  pollSeconds: z.number().int().min(1).max(3600),
  timeoutSeconds: z.number().int().min(60),
  acceptCompletedWithErrors: z.boolean(),
  onRunningExport: z.enum(ON_RUNNING_EXPORT),
  // Defaults as in the configuration, so a binding written before these fields existed still reads.
  /** What "Clean up server" removes once the backup is stored. */
  serverCleanup: z.enum(SERVER_CLEANUP).default('files-and-control-table'),
  /** Autonomous Database: files are removed with DBMS_CLOUD.DELETE_FILE instead of UTL_FILE.FREMOVE. */
  autonomousDatabase: z.boolean().default(false),
  /**
   * Record a SHA-256 of each file copied within one invocation, besides the FULL_OBJECT CRC-32 S3
   * verifies. Off by default: it costs ≈ 0.6 CPU-s/GiB (on a worker thread).
   */
  recordSha256: z.boolean().default(false),
  /**
   * `per-table` (the ORDS export POST), `point-in-time` (DBMS_DATAPUMP through REST-enabled SQL at
   * one SCN; the run fails rather than fall back) or `auto` (point-in-time where ORDS serves the job's
   * files, else per-table in the same run, saying so). A binding written before it reads as `per-table`.
   */
  consistency: z.enum(CONSISTENCY).default('per-table'),
  /**
   * Data Pump options of the point-in-time export (statistics, file size, licensed options and their
   * acknowledgement). Absent: none (8 GiB files, statistics included, nothing paid).
   */
  consistentExport: ConsistentOptionsSchema.optional(),
  /** The database's restore drill, when it has one: when it is due, what it imports, into which schema. */
  restoreDrill: RestoreDrillBindingSchema.optional(),
  /** The database's retention tiers and schedule time zone; absent: its objects get no tier tags. */
  retention: RetentionBindingSchema.optional(),
  /**
   * The ORDS slots the database's runs count against: its origin, the origin's cap and the
   * deployment's. A binding written before slots existed reads as its URL's origin with 4 slots.
   */
  slots: z
    .strictObject({
      /** `https://host[:port]` of `ordsUrl`. */
      origin: z.string().min(1),
      /** Slots of the origin (`ordsCaps[origin]`, else 4). */
      originCap: z.number().int().min(1).max(100),
      /** Slots of the whole deployment, when it has a cap. */
      deploymentCap: z.number().int().min(1).max(10_000).optional(),
    })
    .optional(),
});
export type DatabaseBinding = z.output<typeof DatabaseBindingSchema>;
/** What the deployment writes: the export spec in its configuration form (defaults not applied). */
export type DatabaseBindingInput = z.input<typeof DatabaseBindingSchema>;

/** ORDS slots of an origin the deployment gives no cap. */
export const DEFAULT_ORDS_CAP = 4;

/** The slot caps of a database's runs. */
export interface SlotCaps {
  readonly origin: string;
  readonly originCap: number;
  readonly deploymentCap?: number;
}

/** The slot caps of a binding: its own, or (a binding from before slots) its URL's origin with 4 slots. */
export function slotCapsOf(binding: Pick<DatabaseBinding, 'ordsUrl' | 'slots'>): SlotCaps {
  return binding.slots ?? { origin: ordsOrigin(binding.ordsUrl), originCap: DEFAULT_ORDS_CAP };
}

/** The parameter path of the bindings unless the deployment names another. */
export const DEFAULT_BINDING_PATH = '/ords-datapump-backup/databases';

/** Whether a parameter path is usable for bindings: `/a/b`, slash-separated SSM name characters. */
export function isBindingPath(path: string): boolean {
  return /^(\/[A-Za-z0-9_.-]+)+$/.test(path);
}

/** Where a binding is kept: `<path>/<database>`, e.g. `/ords-datapump-backup/databases/orders`. */
export function bindingParameterName(path: string, database: string): string {
  return `${path.replace(/\/+$/, '')}/${database}`;
}

/**
 * Parses the stored binding of `database`. A parameter that names another database (copied by
 * hand, or edited) is refused: a binding is only ever used for the database it was written for.
 */
export function parseBinding(
  database: string,
  parameterName: string,
  value: string | undefined,
): DatabaseBinding {
  let json: unknown;
  try {
    json = JSON.parse(value ?? '');
  } catch {
    throw new UnknownDatabaseError(
      `The binding of database "${database}" (parameter ${parameterName}) is not JSON: redeploy the stack`,
    );
  }
  const parsed = DatabaseBindingSchema.safeParse(json);
  if (!parsed.success) {
    throw new UnknownDatabaseError(
      `The binding of database "${database}" (parameter ${parameterName}) is invalid: ` +
        `${describeIssues(parsed.error)}. Redeploy the stack`,
    );
  }
  if (parsed.data.slots && parsed.data.slots.origin !== ordsOrigin(parsed.data.ordsUrl)) {
    throw new UnknownDatabaseError(
      `The binding of database "${database}" (parameter ${parameterName}) counts its ORDS slots at ` +
        `"${parsed.data.slots.origin}", not at its ORDS origin "${ordsOrigin(parsed.data.ordsUrl)}". Redeploy the stack`,
    );
  }
  if (parsed.data.database !== database) {
    throw new UnknownDatabaseError(
      `Parameter ${parameterName} binds database "${parsed.data.database}", not "${database}": refusing to use it`,
    );
  }
  return parsed.data;
}

/**
 * Checks that an S3 key a task was handed is where this database's files of this job go
 * (`<prefix><database>/<date>/<job>/<file name>`), so a tampered state cannot write elsewhere.
 */
export function assertKeyOfJob(binding: DatabaseBinding, job: JobRef, fileName: string, key: string): void {
  const expected = `${backupFolder(binding.prefix, binding.database, job.startedAt, job.jobName)}${fileName}`;
  if (key !== expected) {
    throw new InvalidInputError(
      `Refusing to store "${fileName}" under "${key}": files of database "${binding.database}", ` +
        `job ${job.jobName} go to "${expected}"`,
    );
  }
}
