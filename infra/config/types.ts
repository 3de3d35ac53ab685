import type { ConsistentOptions, ExportSpec } from '../../functions/core/export/index.js';
import type { RetentionPolicy } from '../../functions/core/retention/index.js';
import type { CONSISTENCY, ON_RUNNING_EXPORT, SERVER_CLEANUP } from '../../functions/core/state/index.js';
import type { ResolvedRestoreDrill } from '../restore-drill-settings.js';
import type { WindowConfig } from './fleet.js';

export type { WindowConfig };

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

/** A database's restore drill, resolved: names upper-cased, the time zone applied. */
export type RestoreDrillConfig = ResolvedRestoreDrill;

/** One database to back up, with the defaults applied. */
export interface DatabaseConfig {
  /** Unique id: S3 folder, dump file names, metric dimension (`DATABASE_ID`: 2–32 of `a-z 0-9 -`). */
  readonly id: string;
  /** The ORDS URL up to and including the schema alias, normalized to end with `/`. */
  readonly ordsUrl: string;
  /** Name or ARN of the existing Secrets Manager secret holding the ORDS credentials. */
  readonly secret: string;
  /** Address ranges of the ORDS host (IPv4 CIDR). @default - `network.ordsCidrs` */
  readonly ordsCidrs?: readonly string[];
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
   * `defaultStaleAfterHours`
   */
  readonly staleAfterHours: number;
  /**
   * What a run removes from the database server once its backup is stored: 'off', its dump and log
   * 'files', or 'files-and-control-table'. @default 'files-and-control-table'
   */
  readonly serverCleanup: (typeof SERVER_CLEANUP)[number];
  /** Autonomous Database: remove files with DBMS_CLOUD.DELETE_FILE instead of UTL_FILE.FREMOVE. @default false */
  readonly autonomousDatabase: boolean;
  /** Record a SHA-256 of each file copied within one invocation. @default false */
  readonly recordSha256: boolean;
  /** `per-table` (ORDS export POST), `point-in-time` (one SCN, proved by the log) or `auto`. @default 'auto' */
  readonly consistency: (typeof CONSISTENCY)[number];
  /** Data Pump options of the point-in-time export. @default - none */
  readonly consistentExport?: ConsistentOptions;
  /** The opt-in restore drill. @default - none */
  readonly restoreDrill?: RestoreDrillConfig;
  /** The night window the database starts in, instead of its cron. @default - none */
  readonly window?: WindowConfig;
  /**
   * Backups kept per tier (daily, weekly, monthly, yearly); a database's own replaces the defaults'
   * as a whole. @default - none: `bucket.expireAfterDays` applies
   */
  readonly retention?: RetentionPolicy;
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
  /** Replication into a bucket of another account. @default - none */
  readonly offsiteCopy?: OffsiteCopyConfig;
}

/** The off-site copy: the destination bucket of another account, its owner, Region and key. */
export interface OffsiteCopyConfig {
  readonly bucketArn: string;
  readonly account: string;
  readonly region: string;
  /** The destination bucket's KMS key (`OffsiteBackupBucket.encryptionKey`). @default - none */
  readonly kmsKeyArn?: string;
}

/** Where failure and stale-backup alerts go. */
export interface AlertsConfig {
  /** ARN of an existing SNS standard topic to alert. @default - a new encrypted topic is created */
  readonly existingTopicArn?: string;
  /** E-mail addresses subscribed to the topic (each must confirm once). @default [] */
  readonly emails: readonly string[];
}

/** The private network the functions that call ORDS run in. */
export interface NetworkConfig {
  /** The VPC id (`vpc-…`). */
  readonly vpcId: string;
  /** The subnets the functions run in (`subnet-…`), with a route to ORDS and to the AWS endpoints. */
  readonly subnetIds: readonly string[];
  /** The functions' security groups (`sg-…`). @default - a new group, egress to the ORDS ports and 443 only */
  readonly securityGroupIds?: readonly string[];
  /** The availability zone of each subnet, in the same order. @default - unknown (no endpoints can be created) */
  readonly availabilityZones?: readonly string[];
  /** The route table of each subnet, in the same order (for the S3 gateway endpoint). @default - unknown */
  readonly routeTableIds?: readonly string[];
  /** Whether to create the S3 gateway and the Secrets Manager, SSM and Step Functions interface endpoints. @default false */
  readonly createVpcEndpoints: boolean;
  /** Address ranges of the ORDS hosts (IPv4 CIDR); narrows the created group's egress. @default - any address */
  readonly ordsCidrs?: readonly string[];
}

/** The validated configuration. */
export interface BackupConfig {
  /** Where it was read from, for messages. */
  readonly sourceName: string;
  /** The prefix of the deployment's names. @default - the construct's default, 'ords-datapump-backup' */
  readonly namePrefix?: string;
  /** Where the functions that call ORDS run. @default - outside any VPC */
  readonly network?: NetworkConfig;
  readonly bucket: BucketConfig;
  readonly alerts: AlertsConfig;
  /**
   * Databases per stack of per-database resources (schedules, alarms, dashboards, secret grants),
   * assigned by their position in `databases`. @default 100
   */
  readonly databasesPerStack: number;
  /** Every configured database, enabled or not, in file order. */
  readonly databases: readonly DatabaseConfig[];
  /** ORDS slots per origin where the default does not fit. @default {} (4 per origin) */
  readonly ordsCaps: Readonly<Record<string, number>>;
  /** ORDS slots across the deployment. @default - no deployment cap */
  readonly deploymentCap?: number;
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
