import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type ExportSpec, ExportSpecSchema } from '../functions/core/export-spec.js';
import { parseOrdsUrl } from '../functions/core/ords/ords-url.js';
import { DATABASE_ID, KEY_PREFIX, ON_RUNNING_EXPORT } from '../functions/core/payloads.js';
import { CRON_FORMAT, cronProblem, TIME_ZONE_FORMAT, timeZoneProblem } from './schedule-checks.js';

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
}

/** Where backups are stored. */
export interface BucketConfig {
  /** Name of an existing bucket to store into. @default - a new bucket is created */
  readonly existingBucketName?: string;
}

/** The validated configuration. */
export interface BackupConfig {
  /** Where it was read from, for messages. */
  readonly sourceName: string;
  readonly bucket: BucketConfig;
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

/** How a secret is referenced: by name, or by full or partial ARN (without the 6-character suffix). */
export type SecretReference =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'complete-arn'; readonly arn: string }
  | { readonly kind: 'partial-arn'; readonly arn: string };

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:([A-Za-z0-9/_+=.@-]{1,512})$/;
const SECRET_FORMAT =
  'a secret name (letters, digits and /_+=.@-, up to 512) or a secret ARN ' +
  '(arn:aws:secretsmanager:<region>:<account>:secret:<name>)';

/**
 * Classifies a secret reference. An ARN whose name ends in `-` and 6 letters or digits is taken as
 * complete (Secrets Manager's suffix); otherwise as partial. Throws on anything else.
 */
export function parseSecretReference(value: string): SecretReference {
  const arn = SECRET_ARN.exec(value);
  if (arn) {
    return /-[A-Za-z0-9]{6}$/.test(arn[2]!)
      ? { kind: 'complete-arn', arn: value }
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

const BucketSchema = z.strictObject({
  existingBucketName: z
    .string()
    .regex(
      /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      allowed('an S3 bucket name: 3 to 63 of a-z, 0-9, . and -'),
    )
    .optional(),
});

const DocumentSchema = z.strictObject({
  /** Parsed with DefaultsSchema below, so its problems are named `defaults.…`. */
  defaults: z.unknown().optional(),
  bucket: z.unknown().optional(),
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
  const raw = json as { defaults?: unknown; bucket?: unknown; databases: unknown[] };

  const defaults = DefaultsSchema.safeParse(raw.defaults ?? {});
  if (!defaults.success) reportIssues(defaults.error, raw.defaults, ['defaults']);
  const bucket = BucketSchema.safeParse(raw.bucket ?? {});
  if (!bucket.success) reportIssues(bucket.error, raw.bucket, ['bucket']);

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

  if (problems.length > 0) throw new ConfigError(problems);
  return { sourceName, bucket: bucket.success ? bucket.data : {}, databases };
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
  return {
    success: true,
    data: {
      id: database.id,
      ordsUrl: parseOrdsUrl(database.ordsUrl).href,
      secret: database.secret,
      schedule: {
        cron: database.schedule?.cron ?? defaults.schedule?.cron ?? DEFAULT_SCHEDULE.cron,
        timeZone: database.schedule?.timeZone ?? defaults.schedule?.timeZone ?? DEFAULT_SCHEDULE.timeZone,
      },
      export: exportSpec.data,
      pollIntervalSeconds: pick('pollIntervalSeconds') ?? DEFAULT_POLL_INTERVAL_SECONDS,
      timeoutHours: pick('timeoutHours') ?? DEFAULT_TIMEOUT_HOURS,
      prefix: pick('prefix') ?? '',
      acceptCompletedWithErrors: pick('acceptCompletedWithErrors') ?? false,
      onRunningExport: pick('onRunningExport') ?? 'fail',
      enabled: pick('enabled') ?? true,
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
