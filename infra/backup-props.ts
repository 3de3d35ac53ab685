import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { BucketEncryption, IBucket, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { ConsistentOptions, ExportSpecInput } from '../functions/core/export/index.js';
import type { CONSISTENCY, ON_RUNNING_EXPORT, SERVER_CLEANUP } from '../functions/core/state/index.js';

/**
 * The props of `OrdsDatapumpBackup` and of the databases it backs up. Typed CDK values (`ISecret`,
 * `Duration`, `IBucket`, `IVpc`), never the JSON configuration's types: the JSON app maps its file
 * onto these in `config-to-props.ts`.
 */

/** When a database is backed up. */
export interface BackupSchedule {
  /**
   * EventBridge Scheduler cron expression, the six fields only (`minutes hours day-of-month month
   * day-of-week year`), `?` in day-of-month or day-of-week, e.g. `'0 2 * * ? *'`.
   */
  readonly cron: string;
  /**
   * IANA time zone the cron expression is read in (daylight saving time is followed).
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/**
 * A night window: the database's runs start inside it, in a stable order (slowest first), as the
 * ORDS slots of its origin allow. A run that has no slot when the window closes fails as "Missed
 * the backup window". An alternative to `BackupSchedule.cron`.
 */
export interface BackupWindow {
  /** Local time the window opens, `HH:MM` on a 24-hour clock, e.g. `'01:00'`. */
  readonly start: string;
  /** How long the window stays open (elapsed time, also on daylight-saving nights); whole hours from 1 to 24. */
  readonly duration: Duration;
  /**
   * IANA time zone `start` is read in. A start a daylight-saving jump skips opens that much later;
   * a start that repeats opens at the first of the two.
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/** A database's opt-in restore drill, as `DatabaseProps.restoreDrill` takes it. */
export interface RestoreDrillProps {
  /**
   * When drills are due: the first backup at or after each start of this schedule imports its dump
   * into `targetSchema`, then drops it. A weekly cron, e.g. `{ cron: '0 2 ? * SUN *' }`.
   */
  readonly schedule: BackupSchedule;
  /**
   * The new schema the drill imports into and then drops: an unquoted Oracle identifier that is no
   * exported schema and no Oracle-maintained one. It must not exist when a drill starts.
   */
  readonly targetSchema: string;
  /**
   * The exported schema the drill imports.
   * @default - the first exported schema; required for FULL exports and filters that name none
   */
  readonly schema?: string;
  /**
   * Which copy the drill restores: `server`, the dump files still on the database server, before the
   * server cleanup; or `s3`, this night's S3 copy after the cleanup, put back on the server through
   * ORDS (`DBMS_CLOUD.GET_OBJECT` on a presigned URL, else chunked uploads through REST-enabled SQL),
   * so that each drill proves the bytes a real restore would use (see docs/restore.md).
   * @default 'server'
   */
  readonly source?: 'server' | 's3';
}

/**
 * How many backups of each tier a database keeps. The first successful backup of an ISO week, month
 * or year (counted in the schedule's time zone) takes that tier; every other success is a daily. The
 * bucket's lifecycle deletes a backup of a tier `count × longest period` days (1, 7, 31, 366) after
 * it was written, so at least `count` and at most `count + 1` of each tier are kept; the newest
 * verified backup of a database is never deleted. Objects of failed runs live as long as a daily.
 */
export interface RetentionTiers {
  /** Daily backups kept; 1 to 3650. */
  readonly daily: number;
  /** Weekly backups kept; 0 (no weeklies) to 520. */
  readonly weekly: number;
  /** Monthly backups kept; 0 (no monthlies) to 1200. */
  readonly monthly: number;
  /** Yearly backups kept; 0 (no yearlies) to 100. */
  readonly yearly: number;
}

/** One Oracle database backed up through ORDS. */
export interface DatabaseProps {
  /**
   * Unique id: the S3 folder, the dump file names, the schedule name and the metrics' `Database`
   * dimension. 2 to 32 of `a-z 0-9 -`, starting with a letter, not ending with `-`.
   */
  readonly id: string;
  /** The ORDS URL up to and including the schema alias: `https://host[:port]/ords/[db/]alias/`. */
  readonly ordsUrl: string;
  /**
   * The Secrets Manager secret holding the ORDS credentials (`{"username": …, "password": …}`).
   * The functions that call ORDS read it in a session tagged with this database, so it must carry
   * the tag `ords-datapump-backup:database=<id>` (a secret created in the app gets it at deploy; tag
   * an imported one yourself), and serve this database only. They read it by its complete ARN when
   * known, else by its partial ARN, or by name when it was imported by name.
   */
  readonly secret: ISecret;
  /**
   * The address ranges (IPv4 CIDR) of this database's ORDS host: the functions' created security
   * group reaches its ORDS port there only. Needs the deployment's `ordsCidrs` (which may be empty).
   * @default - the deployment's `ordsCidrs`
   */
  readonly ordsCidrs?: readonly string[];
  /**
   * When the backup starts.
   * @default { cron: '0 2 * * ? *', timeZone: 'UTC' } (every night at 02:00 UTC)
   */
  readonly schedule?: BackupSchedule;
  /**
   * A night window to start in instead of `schedule` (not together with `schedule.cron`). Checked
   * at synth (a start that a daylight-saving jump skips is refused). The databases of one window
   * share one schedule at its start, which starts them slowest first (see docs/fleet.md).
   * @default - none: the database starts on `schedule`
   */
  readonly window?: BackupWindow;
  /**
   * What Data Pump exports: job mode, schemas or filter, threads, directory object.
   * @default - a SCHEMA export of the ORDS user's own schema into DATA_PUMP_DIR
   */
  readonly export?: ExportSpecInput;
  /**
   * S3 key prefix of this database's backups: empty, or folder names of letters, digits and
   * `!_.'()-` each ending with `/` (no `*`: the prefix becomes IAM resources, where it is a wildcard).
   * @default '' (backups go to `<id>/…`)
   */
  readonly prefix?: string;
  /**
   * Time between two status reads of the running export; whole seconds from 10 seconds to 1 hour.
   * @default Duration.minutes(1)
   */
  readonly pollInterval?: Duration;
  /**
   * How long the export may run before the backup fails; whole hours from 1 to 72.
   * @default Duration.hours(12)
   */
  readonly timeout?: Duration;
  /**
   * Time since the last verified backup after which the database's stale-backup alarm goes off;
   * whole hours.
   * @default - the longest gap between two scheduled starts, plus `timeout`, plus 2 hours
   */
  readonly staleAfter?: Duration;
  /**
   * Whether an export the log reports "completed with N error(s)" counts as a success.
   * @default false
   */
  readonly acceptCompletedWithErrors?: boolean;
  /**
   * What a run does when an earlier run's export of this database is still running: `fail`, or
   * `adopt` that export.
   * @default 'fail'
   */
  readonly onRunningExport?: (typeof ON_RUNNING_EXPORT)[number];
  /**
   * What a run removes from the database server once its backup is stored: `off`, its dump and
   * log `files`, or `files-and-control-table` (through REST-enabled SQL).
   * @default 'files-and-control-table'
   */
  readonly serverCleanup?: (typeof SERVER_CLEANUP)[number];
  /**
   * Autonomous Database: files are removed with DBMS_CLOUD.DELETE_FILE instead of UTL_FILE.FREMOVE.
   * @default false
   */
  readonly autonomousDatabase?: boolean;
  /**
   * Record a SHA-256 of each dump and log file in the manifest, besides the FULL_OBJECT CRC-32 that
   * S3 verifies on every file. Computed on a worker thread while the parts upload (≈ 0.6 CPU-s/GiB
   * more), and only for a file copied within one invocation of the copy function: a SHA-256 state
   * cannot be carried to the next invocation, so a longer file gets the CRC-32 alone.
   * @default false
   */
  readonly recordSha256?: boolean;
  /**
   * How consistent the database's backups are. `per-table`: the ORDS export POST, which takes no
   * FLASHBACK_SCN, so each table is exported at its own moment (the manifest says so, with the reason).
   * `point-in-time`: one DBMS_DATAPUMP block through REST-enabled SQL exports every table at one SCN,
   * which the log and the manifest prove; needs REST-enabled SQL, an ORDS that lists and serves the
   * files of such jobs, and undo that reaches back for the whole export. A run that cannot make or
   * prove it fails naming the reason: it never falls back. `auto`: point-in-time where ORDS lists and
   * serves the files of such jobs (probed once per ORDS URL, the result recorded in
   * `<prefix><database>/consistency-probe.json`), else the ORDS export POST in the same run, said in the
   * console ("Consistency downgraded"), the `ConsistencyDowngraded` metric and the manifest.
   * @default 'auto'
   */
  readonly consistency?: (typeof CONSISTENCY)[number];
  /**
   * Data Pump options of the point-in-time export: `excludeStatistics` and `filesizeBytes` (free);
   * `compression` (Advanced Compression) and `encryption` (Advanced Security) only with the licence
   * acknowledged in `licensedOptions` (refused at synth otherwise, naming the option);
   * `enterprise-edition` for `export.threads` above 1 on this path. Recorded in the manifest.
   * @default - none (8 GiB dump files, larger after a backup above about 480 GiB, statistics included, nothing paid)
   */
  readonly consistentExport?: ConsistentOptions;
  /**
   * An opt-in restore drill: on its schedule, a backup imports its dump into a drill schema through
   * ORDS, reads the import's verdict, then drops the drill schema (through REST-enabled SQL).
   * @default - no drill
   */
  readonly restoreDrill?: RestoreDrillProps;
  /**
   * Retention tiers of this database's backups: each run's objects are tagged with its tier and the
   * bucket gets a lifecycle rule per tier. Needs a bucket this construct creates, without
   * `bucketOptions.expireAfter` (which would expire every tier alike).
   * @default - no tiers: objects are kept as `bucketOptions.expireAfter` says
   */
  readonly retention?: RetentionTiers;
  /**
   * Whether the database is scheduled, alarmed and its secret readable. A disabled database gets
   * no resources, and can be enabled later without renaming anything.
   * @default true
   */
  readonly enabled?: boolean;
}

/**
 * An immutable copy in another account: S3 Replication (with Replication Time Control) of every
 * object of the bucket into a bucket that account owns, made with `OffsiteBackupBucket` there.
 */
export interface OffsiteCopyProps {
  /**
   * The destination bucket, imported with its owner's account and Region:
   * `Bucket.fromBucketAttributes(scope, id, { bucketArn, account, region })`.
   */
  readonly bucket: IBucket;
  /**
   * The destination's KMS key (`OffsiteBackupBucket.encryptionKey`): replicas are encrypted with it.
   * @default - the destination bucket's default encryption with S3-managed keys
   */
  readonly encryptionKey?: IKey;
}

/** Settings of a bucket `OrdsDatapumpBackup` creates. */
export interface BucketOptions {
  /**
   * Encryption: `S3_MANAGED`, or `KMS` with `encryptionKey` (or a new key with yearly rotation).
   * `UNENCRYPTED` is refused.
   * @default BucketEncryption.S3_MANAGED, or BucketEncryption.KMS when `encryptionKey` is given
   */
  readonly encryption?: BucketEncryption;
  /**
   * Time after which an unfinished multipart upload is aborted (its parts are billed until then).
   * @default Duration.days(3)
   */
  readonly abortIncompleteMultipartUploadAfter?: Duration;
  /**
   * Age at which objects move to S3 Glacier Instant Retrieval; `Duration.days(0)`: never.
   * @default Duration.days(30)
   */
  readonly archiveAfter?: Duration;
  /**
   * Age at which objects expire (a delete marker hides them); longer than `archiveAfter` when both
   * are on.
   * @default - objects never expire
   */
  readonly expireAfter?: Duration;
  /**
   * Time a replaced or expired version is kept before it is deleted; `Duration.days(0)`: forever.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * S3 Object Lock default retention of every new object version (GOVERNANCE or COMPLIANCE).
   * @default - no Object Lock
   */
  readonly objectLockDefaultRetention?: ObjectLockRetention;
  /**
   * Replicate every object into a bucket another account owns (deletes are not replicated, tags
   * are). The replication role is named `<namePrefix>-offsite-copy`, so the destination's policies
   * can name it before it exists.
   * @default - no off-site copy
   */
  readonly offsiteCopy?: OffsiteCopyProps;
}

/** Properties of `OrdsDatapumpBackup`. */
export interface OrdsDatapumpBackupProps {
  /**
   * Databases whose per-database resources (binding, schedule, alarm, dashboard row, secret
   * access) go into this construct's own scope. Use `addDatabases` to place more in other stacks.
   * @default - none
   */
  readonly databases?: readonly DatabaseProps[];
  /**
   * An existing bucket to store into, used as it is (its encryption, lifecycle and policies are its
   * owner's). Import a KMS-encrypted bucket with its key (`Bucket.fromBucketAttributes`). Not
   * together with `bucketOptions` or `encryptionKey`.
   * @default - a new bucket: encrypted, private, TLS only, versioned, tiered by `bucketOptions`
   */
  readonly bucket?: IBucket;
  /**
   * Settings of the bucket this construct creates.
   * @default - see `BucketOptions`
   */
  readonly bucketOptions?: BucketOptions;
  /**
   * The customer-managed key the new bucket is encrypted with.
   * @default - a new key when `bucketOptions.encryption` is KMS, none otherwise
   */
  readonly encryptionKey?: IKey;
  /**
   * An existing SNS standard topic that alerts and alarms publish to. Its owner lets CloudWatch
   * alarms publish to it (and use its key, if it has one).
   * @default - a new topic encrypted with a new customer-managed key
   */
  readonly alarmTopic?: ITopic;
  /**
   * E-mail addresses subscribed to the alert topic (each confirms once).
   * @default - none
   */
  readonly alarmEmails?: readonly string[];
  /**
   * Name prefix of every named resource: the state machine (`<prefix>`), its log group, the
   * schedule group (`<prefix>`) and schedules (`<prefix>-<database id>`), the alarms (`<prefix>-…`), the dashboards, the binding parameter
   * path (`/<prefix>/databases`) and the metrics' `service` dimension. Two instances in one account
   * and region need two prefixes. 1 to 31 of letters, digits and `-`, starting with a letter.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
  /**
   * How long one backup execution may run. Must leave 12 hours for copying after every database's
   * `timeout`, and for a database with a `restoreDrill` its `timeout` once more for the import.
   * @default - 24 hours, or the longest need of all databases (added later too): `timeout` plus
   * 12 hours, twice `timeout` plus 12 hours with a `restoreDrill`
   */
  readonly stateMachineTimeout?: Duration;
  /**
   * What happens to the bucket and its key when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Tags put on every resource of this construct (and of its database slices).
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The VPC the functions that call ORDS run in. Without it every function runs outside any VPC.
   * The subnets need a route to ORDS and to S3, Secrets Manager, SSM, Step Functions and STS (a NAT
   * gateway, or VPC endpoints: see `vpcEndpoints`).
   * @default - no VPC
   */
  readonly vpc?: IVpc;
  /**
   * The subnets of `vpc` the functions that call ORDS run in.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: SubnetSelection;
  /**
   * Security groups of the functions that call ORDS.
   * @default - a new group whose egress allows only TCP to the databases' ORDS ports and 443
   */
  readonly securityGroups?: readonly ISecurityGroup[];
  /**
   * Whether to create the VPC endpoints the functions in `vpc` call: an S3 gateway endpoint and
   * interface endpoints for Secrets Manager, SSM, Step Functions and STS (private DNS on). Leave off when
   * the VPC has them already, or reaches AWS through a NAT gateway. The S3 endpoint's policy allows
   * the backup bucket only; the Secrets Manager endpoint's, the secret reader role only (for
   * this account's secrets): other workloads of the VPC that use them are held to the same.
   * @default false
   */
  readonly vpcEndpoints?: boolean;
  /**
   * ORDS slots per origin (`https://host[:port]`, lower case, no default port), where the default
   * does not fit: a run holds one slot while its export runs and one per file it downloads at once.
   * @default - 4 slots for every origin
   */
  readonly ordsCaps?: Readonly<Record<string, number>>;
  /**
   * ORDS slots the whole deployment may hold at once, across all origins.
   * @default - no cap besides the per-origin ones
   */
  readonly deploymentCap?: number;
  /**
   * The address ranges (IPv4 CIDR) of the ORDS hosts. Given (even empty), the created security
   * group reaches the ORDS ports of each database only at its ranges (`DatabaseProps.ordsCidrs`,
   * else these), and the AWS APIs only through the VPC endpoints (the interface endpoints' group
   * and S3's prefix list, read at deploy time by a custom resource). Needs `vpc` and
   * `vpcEndpoints`; not with `securityGroups`, which are used as they are.
   * @default - egress to any address on 443 and the ORDS ports, with a warning at synth
   */
  readonly ordsCidrs?: readonly string[];
}
