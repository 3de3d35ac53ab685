import { z } from 'zod';
import {
  ConsistentOptionsSchema,
  ExportSpecSchema,
  ORACLE_IDENTIFIER,
} from '../../functions/core/export/index.js';
import { parseOrdsUrl } from '../../functions/core/ords/index.js';
import { RetentionPolicySchema } from '../../functions/core/retention/index.js';
import {
  CONSISTENCY,
  DATABASE_ID,
  KEY_PREFIX,
  ON_RUNNING_EXPORT,
  SERVER_CLEANUP,
} from '../../functions/core/state/index.js';
import { IPV4_CIDR } from '../ipv4-cidr.js';
import { CRON_FORMAT, cronProblem, TIME_ZONE_FORMAT, timeZoneProblem } from '../schedule-checks.js';
import { DeploymentCapSchema, OrdsCapsSchema, WindowSchema } from './fleet.js';
import {
  DEFAULT_ARCHIVE_AFTER_DAYS,
  DEFAULT_DATABASES_PER_STACK,
  DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS,
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_TIMEOUT_HOURS,
  MAX_ALERT_EMAILS,
  MAX_DATABASES_PER_STACK,
  MAX_STALE_AFTER_HOURS,
  POLL_INTERVAL_SECONDS,
  TIMEOUT_HOURS,
} from './limits.js';
import { parseSecretReference } from './secret-reference.js';

/**
 * The zod schema of the configuration file, one section at a time: the syntax and range of each
 * field, with messages that list what is allowed. Rules across fields are in `rules.ts`.
 */

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
  })
    .optional()
    .describe(
      'EventBridge Scheduler cron, 6 fields: minutes hours day-of-month month day-of-week year. Default "0 2 * * ? *"',
    ),
  timeZone: checkedString((value) => {
    const problem = timeZoneProblem(value);
    return problem ? `${problem}; allowed: ${TIME_ZONE_FORMAT}` : null;
  })
    .optional()
    .describe('IANA time zone the cron expression is read in, e.g. Europe/Berlin. Default "UTC"'),
});

/** `restoreDrill` of one database: when to drill, which schema, into which drill schema. */
const RestoreDrillSchema = z.strictObject({
  schedule: z
    .strictObject({
      cron: ScheduleSchema.shape.cron.unwrap(),
      timeZone: ScheduleSchema.shape.timeZone,
    })
    .describe(
      'When drills are due, e.g. {"cron": "0 2 ? * SUN *"}: the first backup at or after each start drills',
    ),
  targetSchema: z
    .string(allowed('a string'))
    .regex(ORACLE_IDENTIFIER, allowed('an unquoted Oracle identifier such as HR_DRILL'))
    .describe(
      'The schema the dump is imported into and then dropped: a new name, not an exported or Oracle schema',
    ),
  schema: z
    .string(allowed('a string'))
    .regex(ORACLE_IDENTIFIER, allowed('an unquoted Oracle identifier such as HR'))
    .optional()
    .describe('The exported schema to drill. Required for FULL exports; default: the first exported schema'),
  source: z
    .enum(['server', 's3'], allowed('"server" or "s3"'))
    .optional()
    .describe(
      'Which copy the drill restores: "server" (the files on the server, before the cleanup) or "s3" (this night\'s S3 copy, after the cleanup, uploaded through ORDS). Default "server"',
    ),
});

/** Settings a database can give and `defaults` can give for all of them. Unresolved (all optional). */
const SettingsShape = {
  schedule: ScheduleSchema.optional().describe('When the backup starts'),
  window: WindowSchema.optional().describe(
    'A night window to start in instead of schedule.cron, e.g. {"start": "01:00", "hours": 4, "timeZone": "Europe/Berlin"}',
  ),
  export: ExportSpecSchema.optional().describe(
    'What Data Pump exports: jobMode, schemas or filter, threads, datapumpDir',
  ),
  pollIntervalSeconds: wholeNumber(POLL_INTERVAL_SECONDS.min, POLL_INTERVAL_SECONDS.max, 'seconds')
    .optional()
    .describe(
      `Seconds between two status reads of the running export. Default ${DEFAULT_POLL_INTERVAL_SECONDS}`,
    ),
  timeoutHours: wholeNumber(TIMEOUT_HOURS.min, TIMEOUT_HOURS.max, 'hours')
    .optional()
    .describe(`Hours the export may run before the backup fails. Default ${DEFAULT_TIMEOUT_HOURS}`),
  prefix: z
    .string()
    .regex(
      KEY_PREFIX,
      allowed(`empty, or folder names of letters, digits and !_.*'()- each ending with /, e.g. "backups/"`),
    )
    .optional()
    .describe('S3 key prefix of the backups: empty or ending with /. Default ""'),
  acceptCompletedWithErrors: z
    .boolean(allowed('true or false'))
    .optional()
    .describe('Whether an export "completed with N error(s)" counts as a success. Default false'),
  onRunningExport: z
    .enum(ON_RUNNING_EXPORT)
    .optional()
    .describe(
      'When an earlier run\'s export is still running: fail this run, or adopt that export. Default "fail"',
    ),
  enabled: z
    .boolean(allowed('true or false'))
    .optional()
    .describe('Whether the database is scheduled and alarmed. Default true'),
  staleAfterHours: wholeNumber(1, MAX_STALE_AFTER_HOURS, 'hours')
    .optional()
    .describe(
      'Hours since the last verified backup before its alarm goes off. Default: longest schedule gap + timeoutHours + 2',
    ),
  serverCleanup: z
    .enum(SERVER_CLEANUP)
    .optional()
    .describe(
      'What a run removes from the database server once its backup is stored: "off", its dump and log "files", or "files-and-control-table". Default "files-and-control-table"',
    ),
  autonomousDatabase: z
    .boolean(allowed('true or false'))
    .optional()
    .describe(
      'Autonomous Database: remove files with DBMS_CLOUD.DELETE_FILE instead of UTL_FILE.FREMOVE. Default false',
    ),
  retention: RetentionPolicySchema.optional().describe(
    'Backups kept per tier, e.g. {"daily": 7, "weekly": 5, "monthly": 12, "yearly": 7}: the first success of a week, month or year (schedule time zone) takes that tier. Needs bucket.expireAfterDays 0. Default: none (bucket.expireAfterDays applies)',
  ),
  recordSha256: z
    .boolean(allowed('true or false'))
    .optional()
    .describe(
      'Record a SHA-256 of each file copied within one invocation in the manifest, besides the FULL_OBJECT CRC-32 S3 verifies. Default false',
    ),
  consistency: z
    .enum(CONSISTENCY)
    .optional()
    .describe(
      '"per-table": the ORDS export POST, each table at its own moment (the manifest says so). "point-in-time": every table at one SCN through DBMS_DATAPUMP over REST-enabled SQL, proved by the log and recorded in the manifest; a run that cannot fails naming why. "auto": point-in-time where this ORDS lists and serves the files of such jobs (probed once, the result recorded in <prefix><database>/consistency-probe.json), else the ORDS export POST in the same run, said in the console ("Consistency downgraded"), the ConsistencyDowngraded metric and the manifest. Default "auto"',
    ),
  consistentExport: ConsistentOptionsSchema.optional().describe(
    'Data Pump options of the point-in-time export: "excludeStatistics" (true: leave optimizer statistics out; free), "filesizeBytes" (largest dump file, 10 MiB to 1 TiB; default 8 GiB; free), "compression" ("ALL" or "DATA_ONLY": Advanced Compression) and "encryption" ("ALL", "DATA_ONLY" or "METADATA_ONLY" with the TDE wallet: Advanced Security), refused unless "licensedOptions" acknowledges them ("advanced-compression", "advanced-security"; "enterprise-edition" for export.threads above 1 on this path). Recorded in the manifest. Default: none',
  ),
};

/** `defaults`: the settings every database inherits unless it gives its own. */
export const DefaultsSchema = z.strictObject(SettingsShape);

/** A list of IPv4 CIDR blocks. */
const ordsCidrs = () =>
  z.array(
    z.string(allowed('a string')).regex(IPV4_CIDR, allowed('an IPv4 CIDR block such as 10.20.0.0/16')),
    allowed('a list of IPv4 CIDR blocks'),
  );

/** One entry of `databases`, before `defaults` are applied. */
export const DatabaseSchema = z.strictObject({
  id: z
    .string(allowed('a string'))
    .regex(DATABASE_ID, allowed('2 to 32 of a-z, 0-9 and -, starting with a letter, not ending with -'))
    .describe('Unique id: S3 folder, dump file names, schedule and metrics'),
  ordsUrl: checkedString((value) => {
    try {
      parseOrdsUrl(value);
      return null;
    } catch (error) {
      // parseOrdsUrl's messages start with `ORDS URL "<value>"`: the value is already named.
      return `it ${(error as Error).message.replace(/^ORDS URL "[^"]*" /, '')}`;
    }
  }).describe('ORDS URL up to and including the schema alias: https://host[:port]/ords/[db/]alias/'),
  secret: checkedString((value) => {
    try {
      parseSecretReference(value);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }).describe('Name or ARN of the existing Secrets Manager secret with the ORDS credentials'),
  ordsCidrs: ordsCidrs()
    .min(1, allowed('at least one CIDR block, or leave it out for network.ordsCidrs'))
    .optional()
    .describe(
      "Address ranges of this database's ORDS host: its ORDS port is reachable there only. Needs network.ordsCidrs",
    ),
  ...SettingsShape,
  restoreDrill: RestoreDrillSchema.optional().describe(
    'Opt-in restore drill: on drill nights the backup is imported into targetSchema, checked, then dropped',
  ),
});

const days = (what: string) => wholeNumber(0, 36_500, `days (${what})`);

/** `bucket`: where backups are stored. */
export const BucketSchema = z.strictObject({
  existingBucketName: z
    .string()
    .regex(
      /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      allowed('an S3 bucket name: 3 to 63 of a-z, 0-9, . and -'),
    )
    .optional()
    .describe('An existing bucket to store into, used as it is. Default: a new bucket'),
  encryption: z
    .enum(['s3', 'kms'])
    .optional()
    .describe('Encryption of a new bucket. Default "s3", or "kms" with kmsKeyArn'),
  kmsKeyArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$/,
      allowed('a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)'),
    )
    .optional()
    .describe("A new bucket's KMS key, or the key an existing bucket is encrypted with"),
  archiveAfterDays: days('0: never')
    .optional()
    .describe(
      `Days until objects move to Glacier Instant Retrieval; 0: never. Default ${DEFAULT_ARCHIVE_AFTER_DAYS}`,
    ),
  expireAfterDays: days('0: never')
    .optional()
    .describe('Days until objects expire, more than archiveAfterDays; 0: never. Default 0'),
  noncurrentVersionsExpireAfterDays: days('0: kept forever')
    .optional()
    .describe(
      `Days a replaced or expired version is kept; 0: forever. Default ${DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS}`,
    ),
  offsiteCopy: z
    .strictObject({
      bucketArn: z
        .string(allowed('a string'))
        .regex(
          /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          allowed('an S3 bucket ARN, arn:aws:s3:::<bucket name>'),
        ),
      account: z.string(allowed('a string')).regex(/^\d{12}$/, allowed('a 12-digit AWS account id')),
      region: z
        .string(allowed('a string'))
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, allowed('an AWS Region such as eu-west-1')),
      kmsKeyArn: z
        .string(allowed('a string'))
        .regex(
          /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$/,
          allowed('a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)'),
        )
        .optional(),
    })
    .optional()
    .describe(
      'Replicate every backup into a bucket another account owns (made with OffsiteBackupBucket there): S3 Replication Time Control, deletes not replicated, tags kept',
    ),
  objectLock: z
    .strictObject({
      mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
      retentionDays: wholeNumber(1, 36_500, 'days'),
    })
    .optional()
    .describe('Object Lock of a new bucket: every object version is protected for retentionDays'),
});

/** `alerts`: where failure and stale-backup alerts go. */
export const AlertsSchema = z.strictObject({
  existingTopicArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/,
      allowed(
        'an SNS standard topic ARN, arn:aws:sns:<region>:<account>:<name> (FIFO topics cannot take alarms)',
      ),
    )
    .optional()
    .describe('An existing SNS standard topic to alert. Default: a new encrypted topic'),
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
    .optional()
    .describe('E-mail addresses subscribed to the alert topic (each confirms once)'),
});

const awsId = (prefix: string, what: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}-[0-9a-f]{8}([0-9a-f]{9})?$`),
      allowed(`a ${what} id, ${prefix}-<8 or 17 hex digits>`),
    );

/** `network`: the VPC the functions that call ORDS run in. */
export const NetworkSchema = z.strictObject({
  vpcId: awsId('vpc', 'VPC').describe('The VPC the functions that call ORDS run in'),
  subnetIds: z
    .array(awsId('subnet', 'subnet'), allowed('a list of subnet ids'))
    .min(1, allowed('at least one subnet'))
    .max(16, allowed('at most 16 subnets (Lambda)'))
    .describe('Subnets with a route to ORDS and to S3, Secrets Manager, SSM and Step Functions'),
  securityGroupIds: z
    .array(awsId('sg', 'security group'), allowed('a list of security group ids'))
    .min(1, allowed('at least one security group, or leave it out for a new one'))
    .max(5, allowed('at most 5 security groups (Lambda)'))
    .optional()
    .describe(
      'Security groups of the functions. Default: a new group, egress to the ORDS ports and 443 only',
    ),
  availabilityZones: z
    .array(
      z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, allowed('an availability zone such as eu-central-1a')),
      allowed('a list of availability zones'),
    )
    .optional()
    .describe(
      'The availability zone of each subnet, in the order of subnetIds (needed for createVpcEndpoints)',
    ),
  routeTableIds: z
    .array(awsId('rtb', 'route table'), allowed('a list of route table ids'))
    .optional()
    .describe('The route table of each subnet, in the order of subnetIds (needed for createVpcEndpoints)'),
  ordsCidrs: ordsCidrs()
    .max(56, allowed('at most 56 ranges (a security group holds 60 rules, 4 for the AWS endpoints)'))
    .optional()
    .describe(
      'Address ranges of the ORDS hosts: the created group reaches ORDS there only and AWS through the endpoints (needs createVpcEndpoints). Default: any address, with a warning',
    ),
  createVpcEndpoints: z
    .boolean(allowed('true or false'))
    .optional()
    .describe(
      'Create the S3 gateway and the Secrets Manager, SSM and Step Functions interface endpoints. Default false',
    ),
});

/**
 * The top level of the file. The sections are parsed one by one with their own schemas, so that
 * their problems are named `defaults.…`, `bucket.…` or `database "<id>": …`.
 */
export const DocumentSchema = z.strictObject({
  /** The JSON Schema editors check the file with (`./schema.json`); not read otherwise. */
  $schema: z
    .string(allowed('the path or URL of a JSON Schema, e.g. "./schema.json"'))
    .optional()
    .describe('The JSON Schema editors check this file with: "./schema.json"'),
  defaults: z.unknown().optional(),
  bucket: z.unknown().optional(),
  alerts: z.unknown().optional(),
  network: z.unknown().optional(),
  namePrefix: z
    .string(allowed('a string'))
    .optional()
    .describe(
      'Prefix of the state machine, schedule group, alarm and dashboard names and the binding path; one per deployment in an account. Default "ords-datapump-backup"',
    ),
  databasesPerStack: wholeNumber(1, MAX_DATABASES_PER_STACK, 'databases')
    .optional()
    .describe(
      `Databases per stack of schedules, alarms, dashboards and secret grants. Default ${DEFAULT_DATABASES_PER_STACK}`,
    ),
  ordsCaps: OrdsCapsSchema.optional(),
  deploymentCap: DeploymentCapSchema.optional(),
  databases: z.array(z.unknown(), allowed('a list of databases')).min(1, allowed('at least one database')),
});

/** The `defaults` section as parsed (every setting optional). */
export type Settings = z.output<typeof DefaultsSchema>;
/** The network section as parsed. */
export type NetworkSettings = z.output<typeof NetworkSchema>;
/** The bucket section as parsed, before its defaults are applied. */
export type BucketSettings = z.output<typeof BucketSchema>;
/** `restoreDrill` as parsed. */
export type RestoreDrillSettings = z.output<typeof RestoreDrillSchema>;
/** One database as parsed, before `defaults` are applied. */
export type DatabaseSettings = z.output<typeof DatabaseSchema>;
