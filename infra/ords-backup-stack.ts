import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BucketEncryption, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DEFAULT_BINDING_PATH } from '../functions/core/binding.js';
import type { BackupConfig, BucketConfig } from './config/index.js';
import { BackupAgeCheck } from './constructs/backup-age-check.js';
import { BackupAlerts } from './constructs/backup-alerts.js';
import { BackupBucket, type BackupBucketProps } from './constructs/backup-bucket.js';
import { BackupFunctions } from './constructs/backup-functions.js';
import { BackupStateMachine } from './constructs/backup-state-machine.js';
import { RunLauncher } from './constructs/run-launcher.js';
import { ServerCleanupAlarm } from './constructs/server-cleanup-alarm.js';
import { doctorFunctionName } from './doctor-name.js';

/**
 * Time an execution keeps for copying the files and writing the manifest after the export's own
 * timeout (`timeoutHours`) has run out: the state machine's timeout must leave at least this much.
 */
export const COPY_ALLOWANCE = Duration.hours(12);

/** The state machine timeout when no database needs more. */
const MINIMUM_STATE_MACHINE_TIMEOUT = Duration.hours(24);

/** Properties of `OrdsBackupStack`. */
export interface OrdsBackupStackProps extends StackProps {
  /** The validated configuration (databases, bucket, alerts). */
  readonly config: BackupConfig;
  /**
   * How long one backup execution may run. Must leave `COPY_ALLOWANCE` (12 h) after every enabled
   * database's `timeoutHours`.
   * @default - 24 hours, or the longest `timeoutHours` plus 12 hours when that is longer
   */
  readonly stateMachineTimeout?: Duration;
  /**
   * The SSM parameter path of the databases' bindings (`<path>/<database>`), which the functions
   * read. Two deployments in one account and region need two paths.
   * @default '/ords-datapump-backup/databases'
   */
  readonly bindingParameterPath?: string;
}

/**
 * The resources every database shares: the bucket, the five functions, the state machine, the
 * alerts (topic, failure rule, notifier), the launcher the schedules invoke (with its missed-runs
 * queue) and the hourly backup-age check. The per-database resources (schedules, alarms, dashboards,
 * secret access) live in `DatabaseStack`s.
 */
export class OrdsBackupStack extends Stack {
  readonly bucket: BackupBucket;
  readonly functions: BackupFunctions;
  readonly backup: BackupStateMachine;
  /** The alert topic, the failure rule and its notifier function. */
  readonly alerts: BackupAlerts;
  /** Where the database stacks put the bindings the functions read. */
  readonly bindingParameterPath: string;
  /** The "Start run" function the schedules invoke and the missed-runs queue with its alarm. */
  readonly launcher: RunLauncher;
  /** The hourly check publishing HoursSinceLastBackup, which the stale-backup alarms watch. */
  readonly backupAge: BackupAgeCheck;
  /** The alarm on failed server cleanups, when an enabled database cleans up its server. */
  readonly serverCleanupAlarm: ServerCleanupAlarm | undefined;

  constructor(scope: Construct, id: string, props: OrdsBackupStackProps) {
    super(scope, id, {
      description: 'ords-datapump-backup: nightly Oracle Data Pump exports through ORDS into S3',
      ...props,
    });
    const { config } = props;
    const enabled = config.databases.filter((database) => database.enabled);
    const longestExportHours = Math.max(0, ...enabled.map((database) => database.timeoutHours));
    const stateMachineTimeout =
      props.stateMachineTimeout ??
      Duration.hours(
        Math.max(MINIMUM_STATE_MACHINE_TIMEOUT.toHours(), longestExportHours + COPY_ALLOWANCE.toHours()),
      );

    for (const database of enabled) {
      const neededHours = database.timeoutHours + COPY_ALLOWANCE.toHours();
      if (neededHours * 3600 > stateMachineTimeout.toSeconds()) {
        throw new Error(
          `${this.node.path}: ${config.sourceName}: database "${database.id}": timeoutHours is ${database.timeoutHours}; ` +
            `allowed: at most ${Math.floor(stateMachineTimeout.toHours({ integral: false }) - COPY_ALLOWANCE.toHours())} ` +
            `(the state machine times out after ${stateMachineTimeout.toHumanString()} and copying gets ${COPY_ALLOWANCE.toHumanString()})`,
        );
      }
    }

    this.bucket = new BackupBucket(this, 'Bucket', this.bucketProps(config.bucket));
    this.bindingParameterPath = props.bindingParameterPath ?? DEFAULT_BINDING_PATH;
    this.functions = new BackupFunctions(this, 'Functions', {
      bucket: this.bucket.bucket,
      bindingParameterPath: this.bindingParameterPath,
      doctorFunctionName: doctorFunctionName(),
    });
    this.backup = new BackupStateMachine(this, 'Backup', {
      functions: this.functions,
      timeout: stateMachineTimeout,
    });
    this.functions.allowRunLocks(this.backup.stateMachine);
    const { existingTopicArn, emails } = config.alerts;
    this.alerts = new BackupAlerts(this, 'Alerts', {
      stateMachine: this.backup.stateMachine,
      ...(existingTopicArn ? { topic: Topic.fromTopicArn(this, 'ExistingTopic', existingTopicArn) } : {}),
      emails,
    });
    this.launcher = new RunLauncher(this, 'Launcher', {
      stateMachine: this.backup.stateMachine,
      topic: this.alerts.topic,
    });
    this.backupAge = new BackupAgeCheck(this, 'BackupAge', {
      bucket: this.bucket.bucket,
      parameterPath: this.bindingParameterPath,
    });

    this.serverCleanupAlarm = enabled.some((database) => database.serverCleanup !== 'off')
      ? new ServerCleanupAlarm(this, 'ServerCleanupAlarm', { topic: this.alerts.topic })
      : undefined;

    new CfnOutput(this, 'BucketName', {
      description: 'Where backups are stored',
      value: this.bucket.bucket.bucketName,
    });
    new CfnOutput(this, 'StateMachineArn', {
      description: 'Start an execution by hand with the input {"database":"<id>"} (see the README runbook)',
      value: this.backup.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'DoctorFunctionName', {
      description: 'npm run doctor -- <database> invokes this function to check a database',
      value: this.functions.doctor.functionName,
    });
    new CfnOutput(this, 'AlertTopicArn', {
      description: 'Failed, timed-out and aborted backups and stale-backup alarms are published here',
      value: this.alerts.topic.topicArn,
    });
  }

  /** The bucket construct's props from the configuration (days become Durations). */
  private bucketProps(bucket: BucketConfig): BackupBucketProps {
    const key = bucket.kmsKeyArn ? Key.fromKeyArn(this, 'BucketKey', bucket.kmsKeyArn) : undefined;
    if (bucket.existingBucketName !== undefined) {
      return { existingBucketName: bucket.existingBucketName, ...(key ? { encryptionKey: key } : {}) };
    }
    const lock = bucket.objectLock;
    return {
      encryption: bucket.encryption === 'kms' ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED,
      ...(key ? { encryptionKey: key } : {}),
      archiveAfter: Duration.days(bucket.archiveAfterDays),
      expireAfter: Duration.days(bucket.expireAfterDays),
      noncurrentVersionExpiration: Duration.days(bucket.noncurrentVersionsExpireAfterDays),
      ...(lock
        ? {
            objectLockDefaultRetention:
              lock.mode === 'COMPLIANCE'
                ? ObjectLockRetention.compliance(Duration.days(lock.retentionDays))
                : ObjectLockRetention.governance(Duration.days(lock.retentionDays)),
          }
        : {}),
    };
  }
}
