import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { BackupConfig } from './config.js';
import { BackupBucket } from './constructs/backup-bucket.js';
import { BackupFunctions } from './constructs/backup-functions.js';
import { BackupStateMachine } from './constructs/backup-state-machine.js';
import { DatabaseSchedules } from './constructs/database-schedules.js';
import { DatabaseSecrets } from './constructs/database-secrets.js';

/**
 * Time an execution keeps for copying the files and writing the manifest after the export's own
 * timeout (`timeoutHours`) has run out: the state machine's timeout must leave at least this much.
 */
export const COPY_ALLOWANCE = Duration.hours(12);

/** The state machine timeout when no database needs more. */
const MINIMUM_STATE_MACHINE_TIMEOUT = Duration.hours(24);

/** Properties of `OrdsBackupStack`. */
export interface OrdsBackupStackProps extends StackProps {
  /** The validated configuration (databases, bucket). */
  readonly config: BackupConfig;
  /**
   * How long one backup execution may run. Must leave `COPY_ALLOWANCE` (12 h) after every enabled
   * database's `timeoutHours`.
   * @default - 24 hours, or the longest `timeoutHours` plus 12 hours when that is longer
   */
  readonly stateMachineTimeout?: Duration;
}

/**
 * Everything one deployment needs: the bucket, the five functions, the state machine shared by all
 * databases, the secret grants and one schedule per enabled database.
 */
export class OrdsBackupStack extends Stack {
  readonly bucket: BackupBucket;
  readonly functions: BackupFunctions;
  readonly backup: BackupStateMachine;
  readonly secrets: DatabaseSecrets;
  readonly schedules: DatabaseSchedules;

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

    this.bucket = new BackupBucket(this, 'Bucket', { existingBucketName: config.bucket.existingBucketName });
    this.functions = new BackupFunctions(this, 'Functions', { bucket: this.bucket.bucket });
    this.backup = new BackupStateMachine(this, 'Backup', {
      functions: this.functions,
      timeout: stateMachineTimeout,
    });
    this.secrets = new DatabaseSecrets(this, 'Secrets', {
      databases: config.databases,
      readers: this.functions.ordsCallers,
    });
    this.schedules = new DatabaseSchedules(this, 'Schedules', {
      stateMachine: this.backup.stateMachine,
      databases: config.databases,
    });

    new CfnOutput(this, 'BucketName', {
      description: 'Where backups are stored',
      value: this.bucket.bucket.bucketName,
    });
    new CfnOutput(this, 'StateMachineArn', {
      description: "Start an execution by hand with a database's input (see config/README.md)",
      value: this.backup.stateMachine.stateMachineArn,
    });
  }
}
