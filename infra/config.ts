import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type ExportSpec, ExportSpecSchema } from '../functions/core/export-spec.js';
import { parseOrdsUrl } from '../functions/core/ords/ords-url.js';
import { DATABASE_ID, KEY_PREFIX, ON_RUNNING_EXPORT, SERVER_CLEANUP } from '../functions/core/payloads.js';
import {
  CRON_FORMAT,
  cronProblem,
  longestScheduleGapHours,
  TIME_ZONE_FORMAT,
  timeZoneProblem,
} from './schedule-checks.js';

/**
 * The deployment's configuration: which databases to back up, when and how. Read from a JSON file
 * (see config/README.md), validated completely at synth: every problem is reported at once, naming
 * the file, the database, the field, the value received and what is allowed.
 */

/** cdk.json context key naming the configuration file (`-c ords-datapump-backup:configFile=…`). */
export const CONFIG_FILE_CONTEXT_KEY = 'ords-datapump-backup:configFile';

/** The configuration file used when the context key is not set. */
export const DEFAULT_CONFIG_FILE = 'config/example.json';

/** Default schedule: every night at 02:00 UTC. */
export const DEFAULT_SCHEDULE: ScheduleConfig = { cron: '0 2 * * ? *', timeZone: 'UTC' };
/** Default time between two status reads of a running export. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 60;
/** Default time an export may run before the backup fails. */
export const DEFAULT_TIMEOUT_HOURS = 12;

/**
 * Most status reads one execution can make. A Standard execution keeps at most 25,000 history
 * events (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html) and one poll
 * (Wait, Task, Choice) writes 9; the rest is left for starting, copying and retries.
 */
export const MAX_POLLS_PER_EXECUTION = 2_500;

/**
 * Longest `staleAfterHours`: a little over a year, enough for a yearly schedule with the longest
 * export. The stale-backup alarm compares an hourly gauge (HoursSinceLastBackup) with it, so no
 * CloudWatch evaluation window limits it.
 */
export const MAX_STALE_AFTER_HOURS = 9_000;
/**
 * Hours `staleAfterHours` must exceed the longest time between two scheduled backups: one for a
 * daylight-saving shift, one for a backup that takes longer than the one before.
 */
export const STALE_AFTER_MARGIN_HOURS = 2;

/**
 * The `staleAfterHours` of a database that sets none: the longest gap between two scheduled starts,
 * plus the export's `timeoutHours` (the record is written when the backup finishes), plus
 * {@link STALE_AFTER_MARGIN_HOURS}, rounded up. 38 for the nightly default with 12 hours, 190 for a
 * weekly schedule with 20. A schedule that starts fewer than twice in two years gets the longest.
 */
export function defaultStaleAfterHours(cron: string, timeoutHours: number, fromYear: number): number {
  const gap = longestScheduleGapHours(cron, fromYear);
  if (gap === undefined) return MAX_STALE_AFTER_HOURS;
  return Math.min(MAX_STALE_AFTER_HOURS, Math.ceil(gap + timeoutHours + STALE_AFTER_MARGIN_HOURS));
}

/** Default number of databases whose schedules, alarms, dashboard rows and secret grants share one stack. */
export const DEFAULT_DATABASES_PER_STACK = 100;
/**
 * Most databases one stack may hold. Each database adds 2 resources (schedule, stale-backup alarm)
 * and, measured with the templates written without indentation, 3.8–4.2 KB (schedule input, alarm,
 * four dashboard widgets, its secret ARN in a managed policy) to its stack; CloudFormation allows
 * 500 resources and 1 MB per template. 150 databases make about 310 resources and 0.57–0.63 MB,
 * which leaves a third of the template for long URLs, schema lists and secret names;
 * `infra/stack-limits.ts` checks the real templates at every synth.
 */
export const MAX_DATABASES_PER_STACK = 150;

/** Default days after which stored objects move to S3 Glacier Instant Retrieval (0: never). */
export const DEFAULT_ARCHIVE_AFTER_DAYS = 30;
/** Default days a replaced or deleted object version is kept before it is deleted (0: kept forever). */
export const DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS = 30;

/** Most e-mail addresses subscribed to the alert topic by this stack (more: use a mailing list). */
export const MAX_ALERT_EMAILS = 20;

/** When a database is backed up. */
export interface ScheduleConfig {
  /**
   * EventBridge Scheduler cron expression, the six fields only (`minutes hours day-of-month month
   * day-of-week year`), `?` in day-of-month or day-of-week.
   * @default '0 2 * * ? *'
   */
  readonly cron: string;
  /** IANA time zone the cron expression is read in (daylight saving time is followed). @default 'UTC' */
  readonly timeZone: string;
}

/** One database to back up, with the defaults applied. */
export interface DatabaseConfig {
  /** Unique id: S3 folder, dump file names, metric dimension (`DATABASE_ID`: 2–32 of `a-z 0-9 -`). */
  readonly id: string;
  /** The ORDS URL up to and including the schema alias, normalized to end with `/`. */
  readonly ordsUrl: string;
  /** Name or ARN of the existing Secrets Manager secret holding the ORDS credentials. */
  readonly secret: string;
  /** When to run. @default DEFAULT_SCHEDULE */
  readonly schedule: ScheduleConfig;
  /** What to export (Data Pump job mode, schemas or filter, threads, directory). */
  readonly export: ExportSpec;
  /** Seconds between two status reads of the running export, 10–3600. @default 60 */
  readonly pollIntervalSeconds: number;
  /** Hours the export may run before the backup fails, 1–72. @default 12 */
  readonly timeoutHours: number;
  /** S3 key prefix of this database's backups: empty or ending with `/`. @default '' */
  readonly prefix: string;
  /** Whether an export the log reports "completed with N error(s)" counts as a success. @default false */
  readonly acceptCompletedWithErrors: boolean;
  /** What to do when an earlier run's export is still running: fail, or adopt it. @default 'fail' */
  readonly onRunningExport: (typeof ON_RUNNING_EXPORT)[number];
  /** Whether the database is scheduled (and its secret readable by the functions). @default true */
  readonly enabled: boolean;
  /**
   * Hours since the last verified backup after which the database's stale-backup alarm goes off,
   * 1–9000. @default - the longest gap between two scheduled starts + timeoutHours + 2, see
   * {@link defaultStaleAfterHours}
   */
  readonly staleAfterHours: number;
  /**
   * What a run removes from the database server once its backup is stored: 'off', its dump and log
   * 'files', or 'files-and-control-table'. @default 'files-and-control-table'
   */
  readonly serverCleanup: (typeof SERVER_CLEANUP)[number];
  /** Autonomous Database: remove files with DBMS_CLOUD.DELETE_FILE instead of UTL_FILE.FREMOVE. @default false */
  readonly autonomousDatabase: boolean;
}

/** Object Lock of a new bucket: every stored object version is protected for `retentionDays`. */
export interface ObjectLockConfig {
  /** GOVERNANCE: users with s3:BypassGovernanceRetention may still delete; COMPLIANCE: nobody can. */
  readonly mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** Days each new object version is protected, 1–36500. */
  readonly retentionDays: number;
}

/** Where backups are stored. The lifecycle, lock and key settings apply to a new bucket only. */
export interface BucketConfig {
  /** Name of an existing bucket to store into. @default - a new bucket is created */
  readonly existingBucketName?: string;
  /**
   * Encryption of a new bucket: `s3` (S3-managed keys) or `kms` (a customer-managed KMS key,
   * `kmsKeyArn` or a new one with rotation). @default 's3', or 'kms' with `kmsKeyArn`
   */
  readonly encryption: 's3' | 'kms';
  /** ARN of an existing KMS key: a new bucket's key, or the key an existing bucket is encrypted with. */
  readonly kmsKeyArn?: string;
  /** Days after which objects move to S3 Glacier Instant Retrieval; 0: never. @default 30 */
  readonly archiveAfterDays: number;
  /** Days after which objects expire (a delete marker hides them); 0: never. @default 0 */
  readonly expireAfterDays: number;
  /** Days a replaced or expired version is kept before it is deleted; 0: forever. @default 30 */
  readonly noncurrentVersionsExpireAfterDays: number;
  /** Object Lock of a new bucket. @default - none */
  readonly objectLock?: ObjectLockConfig;
}

/** Where failure and stale-backup alerts go. */
export interface AlertsConfig {
  /** ARN of an existing SNS standard topic to alert. @default - a new encrypted topic is created */
  readonly existingTopicArn?: string;
  /** E-mail addresses subscribed to the topic (each must confirm once). @default [] */
  readonly emails: readonly string[];
}

/** The validated configuration. */
export interface BackupConfig {
  /** Where it was read from, for messages. */
  readonly sourceName: string;
  readonly bucket: BucketConfig;
  readonly alerts: AlertsConfig;
  /**
   * Databases per stack of per-database resources (schedules, alarms, dashboards, secret grants),
   * assigned by their position in `databases`. @default 100
   */
  readonly databasesPerStack: number;
  /** Every configured database, enabled or not, in file order. */
  readonly databases: readonly DatabaseConfig[];
}

/** A configuration that cannot be used; `problems` holds one line per problem. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * How a secret is referenced: by name, by partial ARN (without Secrets Manager's 6-character
 * suffix), or by an ARN that ends in `-` and 6 letters or digits. That last form is ambiguous: it is
 * either a complete ARN (`…:secret:prod/ords/orders-AbC123`) or a partial ARN of a secret whose name
 * happens to end that way (`…:secret:prod/ords/orders-reader`); the ARN alone cannot tell.
 */
export type SecretReference =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'partial-arn'; readonly arn: string }
  | { readonly kind: 'suffixed-arn'; readonly arn: string };

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:([A-Za-z0-9/_+=.@-]{1,512})$/;
const SECRET_FORMAT =
  'a secret name (letters, digits and /_+=.@-, up to 512) or a secret ARN ' +
  '(arn:aws:secretsmanager:<region>:<account>:secret:<name>)';

/**
 * Classifies a secret reference. An ARN whose name ends in `-` and 6 letters or digits is
 * `suffixed-arn` (complete, or partial for a name ending that way: both forms must be granted);
 * any other ARN is partial. Throws on anything else.
 */
export function parseSecretReference(value: string): SecretReference {
  const arn = SECRET_ARN.exec(value);
  if (arn) {
    return /-[A-Za-z0-9]{6}$/.test(arn[2]!)
      ? { kind: 'suffixed-arn', arn: value }
      : { kind: 'partial-arn', arn: value };
  }
  if (value.startsWith('arn:'))
    throw new Error(`it is not a Secrets Manager secret ARN; allowed: ${SECRET_FORMAT}`);
  if (!SECRET_NAME.test(value)) throw new Error(`allowed: ${SECRET_FORMAT}`);
  return { kind: 'name', name: value };
}

const allowed = (text: string) => ({ error: `allowed: ${text}` });

function wholeNumber(min: number, max: number, unit: string) {
  const error = allowed(`whole ${unit} from ${min} to ${max}`);
  return z.number(error).int(error).min(min, error).max(max, error);
}

/** A string checked by a function returning a sentence (the problem) or null. */
function checkedString(problem: (value: string) => string | null) {
  return z.string().superRefine((value, ctx) => {
    const found = problem(value);
    if (found) ctx.addIssue({ code: 'custom', message: found });
  });
}

const ScheduleSchema = z.strictObject({
  cron: checkedString((value) => {
    const problem = cronProblem(value);
    return problem ? `${problem}; allowed: ${CRON_FORMAT}` : null;
  }).optional(),
  timeZone: checkedString((value) => {
    const problem = timeZoneProblem(value);
    return problem ? `${problem}; allowed: ${TIME_ZONE_FORMAT}` : null;
  }).optional(),
});

/** Settings a database can give and `defaults` can give for all of them. Unresolved (all optional). */
const SettingsShape = {
  schedule: ScheduleSchema.optional(),
  export: ExportSpecSchema.optional(),
  pollIntervalSeconds: wholeNumber(10, 3600, 'seconds').optional(),
  timeoutHours: wholeNumber(1, 72, 'hours').optional(),
  prefix: z
    .string()
    .regex(
      KEY_PREFIX,
      allowed(`empty, or folder names of letters, digits and !_.*'()- each ending with /, e.g. "backups/"`),
    )
    .optional(),
  acceptCompletedWithErrors: z.boolean(allowed('true or false')).optional(),
  onRunningExport: z.enum(ON_RUNNING_EXPORT).optional(),
  enabled: z.boolean(allowed('true or false')).optional(),
  staleAfterHours: wholeNumber(1, MAX_STALE_AFTER_HOURS, 'hours').optional(),
  // Server cleanup (issue 12).
  serverCleanup: z.enum(SERVER_CLEANUP).optional(),
  autonomousDatabase: z.boolean(allowed('true or false')).optional(),
};

const DefaultsSchema = z.strictObject(SettingsShape);

const DatabaseSchema = z.strictObject({
  id: z
    .string(allowed('a string'))
    .regex(DATABASE_ID, allowed('2 to 32 of a-z, 0-9 and -, starting with a letter, not ending with -')),
  ordsUrl: checkedString((value) => {
    try {
      parseOrdsUrl(value);
      return null;
    } catch (error) {
      // parseOrdsUrl's messages start with `ORDS URL "<value>"`: the value is already named.
      return `it ${(error as Error).message.replace(/^ORDS URL "[^"]*" /, '')}`;
    }
  }),
  secret: checkedString((value) => {
    try {
      parseSecretReference(value);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }),
  ...SettingsShape,
});

const days = (what: string) => wholeNumber(0, 36_500, `days (${what})`);

const BucketSchema = z.strictObject({
  existingBucketName: z
    .string()
    .regex(
      /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      allowed('an S3 bucket name: 3 to 63 of a-z, 0-9, . and -'),
    )
    .optional(),
  encryption: z.enum(['s3', 'kms']).optional(),
  kmsKeyArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$/,
      allowed('a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)'),
    )
    .optional(),
  archiveAfterDays: days('0: never').optional(),
  expireAfterDays: days('0: never').optional(),
  noncurrentVersionsExpireAfterDays: days('0: kept forever').optional(),
  objectLock: z
    .strictObject({
      mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
      retentionDays: wholeNumber(1, 36_500, 'days'),
    })
    .optional(),
});

const AlertsSchema = z.strictObject({
  existingTopicArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/,
      allowed(
        'an SNS standard topic ARN, arn:aws:sns:<region>:<account>:<name> (FIFO topics cannot take alarms)',
      ),
    )
    .optional(),
  emails: z
    .array(
      z
        .string()
        .regex(
          /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[A-Za-z]{2,}$/,
          allowed('an e-mail address such as ops@example.com'),
        ),
      allowed('a list of e-mail addresses'),
    )
    .max(
      MAX_ALERT_EMAILS,
      allowed(`at most ${MAX_ALERT_EMAILS} addresses (subscribe a mailing list for more)`),
    )
    .optional(),
});

const DocumentSchema = z.strictObject({
  /** Parsed with DefaultsSchema below, so its problems are named `defaults.…`. */
  defaults: z.unknown().optional(),
  bucket: z.unknown().optional(),
  alerts: z.unknown().optional(),
  databasesPerStack: wholeNumber(1, MAX_DATABASES_PER_STACK, 'databases').optional(),
  databases: z.array(z.unknown(), allowed('a list of databases')).min(1, allowed('at least one database')),
});

type Settings = z.output<typeof DefaultsSchema>;
type Path = ReadonlyArray<PropertyKey>;

/** Reads and validates a configuration file; `path` is also the name used in messages. */
export function loadConfig(path: string): BackupConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${path}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ` +
        `choose another with -c ${CONFIG_FILE_CONTEXT_KEY}=config/<name>.json`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${path}: is not valid JSON: ${(error as Error).message}`]);
  }
  return parseConfig(json, path);
}

/**
 * Validates a parsed configuration document and applies the defaults. Throws a `ConfigError`
 * listing every problem, each line starting with `sourceName`.
 */
export function parseConfig(json: unknown, sourceName: string): BackupConfig {
  const problems: string[] = [];
  const report = (line: string) => problems.push(`${sourceName}: ${line}`);
  const reportIssues = (error: z.ZodError, root: unknown, basePath: Path, label?: string) => {
    for (const issue of error.issues)
      for (const line of describeIssue(issue, root, basePath, label)) report(line);
  };

  const document = DocumentSchema.safeParse(json);
  if (!document.success) {
    reportIssues(document.error, json, []);
    if (!isObject(json) || !Array.isArray(json.databases)) throw new ConfigError(problems);
  }
  const raw = json as {
    defaults?: unknown;
    bucket?: unknown;
    alerts?: unknown;
    databasesPerStack?: unknown;
    databases: unknown[];
  };

  const defaults = DefaultsSchema.safeParse(raw.defaults ?? {});
  if (!defaults.success) reportIssues(defaults.error, raw.defaults, ['defaults']);
  const bucketSettings = BucketSchema.safeParse(raw.bucket ?? {});
  if (!bucketSettings.success) reportIssues(bucketSettings.error, raw.bucket, ['bucket']);
  const bucket = bucketSettings.success ? resolveBucket(bucketSettings.data) : undefined;
  if (bucket && !bucket.success) for (const problem of bucket.problems) report(problem);
  const alerts = AlertsSchema.safeParse(raw.alerts ?? {});
  if (!alerts.success) reportIssues(alerts.error, raw.alerts, ['alerts']);

  const databases: DatabaseConfig[] = [];
  const indexesById = new Map<string, number[]>();
  for (const [index, entry] of raw.databases.entries()) {
    const id =
      isObject(entry) && typeof entry.id === 'string' && DATABASE_ID.test(entry.id) ? entry.id : undefined;
    const label = id ? `database "${id}"` : `databases[${index}]`;
    if (id) indexesById.set(id, [...(indexesById.get(id) ?? []), index]);
    const parsed = DatabaseSchema.safeParse(entry);
    if (!parsed.success) {
      reportIssues(parsed.error, entry, ['databases', index], label);
      continue;
    }
    if (!defaults.success) continue;
    const resolved = resolveDatabase(defaults.data, parsed.data, {
      defaults: (raw.defaults as { export?: unknown } | undefined)?.export,
      database: (entry as { export?: unknown }).export,
    });
    if (!resolved.success) {
      reportIssues(resolved.error, resolved.input, ['databases', index], label);
      continue;
    }
    const crossProblems = checkDatabase(resolved.data);
    for (const problem of crossProblems) report(`${label}: ${problem}`);
    if (crossProblems.length === 0) databases.push(resolved.data);
  }
  for (const [id, indexes] of indexesById) {
    if (indexes.length > 1) {
      report(
        `database "${id}": id is used by ${indexes.map((i) => `databases[${i}]`).join(', ')}; allowed: each id once`,
      );
    }
  }

  if (problems.length > 0 || !bucket?.success || !alerts.success) throw new ConfigError(problems);
  return {
    sourceName,
    bucket: bucket.data,
    alerts: {
      ...(alerts.data.existingTopicArn ? { existingTopicArn: alerts.data.existingTopicArn } : {}),
      emails: alerts.data.emails ?? [],
    },
    databasesPerStack:
      typeof raw.databasesPerStack === 'number' ? raw.databasesPerStack : DEFAULT_DATABASES_PER_STACK,
    databases,
  };
}

type ResolvedBucket =
  | { readonly success: true; readonly data: BucketConfig }
  | { readonly success: false; readonly problems: readonly string[] };

/** Applies the bucket defaults and checks the rules across its fields. */
function resolveBucket(settings: z.output<typeof BucketSchema>): ResolvedBucket {
  const problems: string[] = [];
  const existing = settings.existingBucketName;
  if (existing !== undefined) {
    // An existing bucket is used as it is: its lifecycle, lock and encryption are its owner's.
    const newBucketOnly = [
      'archiveAfterDays',
      'expireAfterDays',
      'noncurrentVersionsExpireAfterDays',
      'objectLock',
    ] as const;
    for (const key of newBucketOnly) {
      if (settings[key] !== undefined) {
        problems.push(
          `bucket.${key} is ${show(settings[key])} with bucket.existingBucketName ${show(existing)}; ` +
            `allowed: only for a new bucket (an existing bucket's ${key === 'objectLock' ? 'Object Lock' : 'lifecycle'} is its owner's)`,
        );
      }
    }
    if (settings.encryption === 'kms' && settings.kmsKeyArn === undefined) {
      problems.push(
        `bucket.encryption is "kms" with bucket.existingBucketName ${show(existing)}; allowed: a new key only for a ` +
          "new bucket; give the existing bucket's key as bucket.kmsKeyArn instead",
      );
    }
  }
  if (settings.kmsKeyArn !== undefined && settings.encryption === 's3') {
    problems.push(
      `bucket.kmsKeyArn is ${show(settings.kmsKeyArn)} with bucket.encryption "s3"; allowed: kmsKeyArn only with encryption "kms" (or without encryption)`,
    );
  }
  const archiveAfterDays = settings.archiveAfterDays ?? DEFAULT_ARCHIVE_AFTER_DAYS;
  const expireAfterDays = settings.expireAfterDays ?? 0;
  if (expireAfterDays > 0 && archiveAfterDays > 0 && expireAfterDays <= archiveAfterDays) {
    problems.push(
      `bucket.expireAfterDays is ${expireAfterDays} with bucket.archiveAfterDays ${archiveAfterDays}; ` +
        'allowed: more days than archiveAfterDays (objects are archived first), or 0 to keep them',
    );
  }
  if (problems.length > 0) return { success: false, problems };
  return {
    success: true,
    data: {
      ...(existing !== undefined ? { existingBucketName: existing } : {}),
      encryption: settings.encryption ?? (settings.kmsKeyArn !== undefined ? 'kms' : 's3'),
      ...(settings.kmsKeyArn !== undefined ? { kmsKeyArn: settings.kmsKeyArn } : {}),
      archiveAfterDays,
      expireAfterDays,
      noncurrentVersionsExpireAfterDays:
        settings.noncurrentVersionsExpireAfterDays ?? DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS,
      ...(settings.objectLock ? { objectLock: settings.objectLock } : {}),
    },
  };
}

type Resolved =
  | { readonly success: true; readonly data: DatabaseConfig }
  | { readonly success: false; readonly error: z.ZodError; readonly input: unknown };

/**
 * Applies `defaults` under one database's own settings. `schedule` and `export` merge key by key
 * (the database wins); the export is merged from the raw values so that only keys written in
 * the file count, then validated again as a whole.
 */
function resolveDatabase(
  defaults: Settings,
  database: z.output<typeof DatabaseSchema>,
  rawExport: { readonly defaults: unknown; readonly database: unknown },
): Resolved {
  const mergedExport = { ...asObject(rawExport.defaults), ...asObject(rawExport.database) };
  const exportSpec = ExportSpecSchema.safeParse(mergedExport);
  if (!exportSpec.success) {
    return { success: false, error: exportSpec.error, input: { ...database, export: mergedExport } };
  }
  const pick = <K extends keyof Settings>(key: K) => database[key] ?? defaults[key];
  const cron = database.schedule?.cron ?? defaults.schedule?.cron ?? DEFAULT_SCHEDULE.cron;
  const timeoutHours = pick('timeoutHours') ?? DEFAULT_TIMEOUT_HOURS;
  return {
    success: true,
    data: {
      id: database.id,
      ordsUrl: parseOrdsUrl(database.ordsUrl).href,
      secret: database.secret,
      schedule: {
        cron,
        timeZone: database.schedule?.timeZone ?? defaults.schedule?.timeZone ?? DEFAULT_SCHEDULE.timeZone,
      },
      export: exportSpec.data,
      pollIntervalSeconds: pick('pollIntervalSeconds') ?? DEFAULT_POLL_INTERVAL_SECONDS,
      timeoutHours,
      prefix: pick('prefix') ?? '',
      acceptCompletedWithErrors: pick('acceptCompletedWithErrors') ?? false,
      onRunningExport: pick('onRunningExport') ?? 'fail',
      enabled: pick('enabled') ?? true,
      staleAfterHours:
        pick('staleAfterHours') ?? defaultStaleAfterHours(cron, timeoutHours, new Date().getUTCFullYear()),
      serverCleanup: pick('serverCleanup') ?? 'files-and-control-table',
      autonomousDatabase: pick('autonomousDatabase') ?? false,
    },
  };
}

/** Rules across fields of one resolved database. */
function checkDatabase(database: DatabaseConfig): string[] {
  const problems: string[] = [];
  const spec = database.export;
  if (spec.schemas && spec.jobMode !== 'SCHEMA') {
    problems.push(
      `export.schemas is ${show(spec.schemas)} with export.jobMode ${spec.jobMode}; ` +
        'allowed: schemas only with jobMode SCHEMA (use filter for TABLE and TABLESPACE exports)',
    );
  }
  if ((spec.jobMode === 'TABLE' || spec.jobMode === 'TABLESPACE') && !spec.filter) {
    problems.push(
      `export.filter is missing for export.jobMode ${spec.jobMode}; allowed: a comma list of ` +
        `${spec.jobMode === 'TABLE' ? 'tables such as HR.EMPLOYEES' : 'tablespaces such as USERS'} ` +
        '(ORDS 19c requires a filter unless jobMode is FULL)',
    );
  }
  const staleProblem = staleAfterHoursProblem(database);
  if (staleProblem) problems.push(staleProblem);
  const polls = Math.ceil((database.timeoutHours * 3600) / database.pollIntervalSeconds);
  if (polls > MAX_POLLS_PER_EXECUTION) {
    const minimum = Math.ceil((database.timeoutHours * 3600) / MAX_POLLS_PER_EXECUTION);
    problems.push(
      `pollIntervalSeconds is ${database.pollIntervalSeconds} with timeoutHours ${database.timeoutHours}: ` +
        `up to ${polls} status reads; allowed: at most ${MAX_POLLS_PER_EXECUTION} per execution ` +
        `(Step Functions keeps 25,000 history events), so pollIntervalSeconds ≥ ${minimum} or a shorter timeoutHours`,
    );
  }
  return problems;
}

/**
 * Why a database's stale-backup alarm would go off between two scheduled backups that both
 * succeed, or null. Needs `staleAfterHours` ≥ the longest gap between two scheduled starts + 2.
 */
function staleAfterHoursProblem(database: DatabaseConfig): string | null {
  const hours = database.staleAfterHours;
  if (!database.enabled) return null;
  const gap = longestScheduleGapHours(database.schedule.cron, new Date().getUTCFullYear());
  if (gap === undefined || hours >= gap + STALE_AFTER_MARGIN_HOURS) return null;
  const needed = Math.ceil(gap + STALE_AFTER_MARGIN_HOURS);
  const subject = `staleAfterHours is ${hours} with schedule.cron ${show(database.schedule.cron)}, which leaves up to ${gap} hours between two backups`;
  if (needed > MAX_STALE_AFTER_HOURS) {
    return `${subject}; allowed: a schedule that runs at least every ${MAX_STALE_AFTER_HOURS - STALE_AFTER_MARGIN_HOURS} hours`;
  }
  return `${subject}; allowed: at least ${needed}, or leave it unset for ${defaultStaleAfterHours(database.schedule.cron, database.timeoutHours, new Date().getUTCFullYear())} (the gap + timeoutHours + 2)`;
}

/** One line per problem of a zod issue, e.g. `database "orders": export.jobMode is "FOOL"; allowed: …`. */
function describeIssue(issue: z.core.$ZodIssue, root: unknown, basePath: Path, label?: string): string[] {
  const subject = (path: Path) => {
    if (label && path.length > 0) return `${label}: ${joinPath(path)}`;
    return joinPath([...basePath, ...path]);
  };
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(basePath, issue.path);
    return issue.keys.map(
      (key) => `${subject([...issue.path, key])} is not a known key; allowed: ${known.join(', ')}`,
    );
  }
  const value = valueAt(root, issue.path);
  return [`${subject(issue.path)} is ${value === undefined ? 'missing' : show(value)}; ${explain(issue)}`];
}

function explain(issue: z.core.$ZodIssue): string {
  const custom = !/^(Invalid|Too (small|big))\b/.test(issue.message);
  if (custom) return issue.message;
  switch (issue.code) {
    case 'invalid_value':
      return `allowed: ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return `allowed: ${issue.expected === 'int' ? 'a whole number' : `a value of type ${issue.expected}`}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      const unit = issue.origin === 'array' ? ' item(s)' : issue.origin === 'string' ? ' character(s)' : '';
      return `allowed: ${bound}${unit}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `allowed: text matching ${issue.pattern}`
        : issue.message;
    default:
      return issue.message;
  }
}

/** The keys an object at `path` accepts, for "unknown key" messages. */
function knownKeys(basePath: Path, path: Path): string[] {
  const top = basePath[0];
  let schema: z.ZodType =
    top === 'defaults'
      ? DefaultsSchema
      : top === 'bucket'
        ? BucketSchema
        : top === 'alerts'
          ? AlertsSchema
          : top === 'databases'
            ? DatabaseSchema
            : DocumentSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = schema.shape[String(segment)] as z.ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function valueAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function joinPath(path: Path): string {
  return path
    .map((segment, i) =>
      typeof segment === 'number' ? `[${segment}]` : `${i > 0 ? '.' : ''}${String(segment)}`,
    )
    .join('');
}

/** A value as JSON, shortened, with any `user:password@` of a URL masked. */
function show(value: unknown): string {
  const text = (JSON.stringify(value) ?? String(value)).replace(/\/\/[^/@"]*@/g, '//***@');
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}
