import { Arn, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as HandlerFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LAST_RESTORE_DRILL_FILE } from '../../functions/core/drill/index.js';
import { isBindingPath } from '../../functions/core/run/index.js';
import { LAST_BACKUP_FILE } from '../../functions/core/state/index.js';
import { backupFunction } from './backup-function.js';
import { type KeyPrefixSource, whenKeyPrefixesKnown } from './deployment-keys.js';
import { acknowledgeWildcardResource } from './nag-findings.js';
import { grantRecordReads } from './record-read-grants.js';

/** Properties of `BackupAgeCheck`. */
export interface BackupAgeCheckProps {
  /** The backup bucket holding each database's `last-backup.json`. */
  readonly bucket: IBucket;
  /**
   * The key prefixes of the deployment's databases (its binding pins): the function reads and lists
   * only under them, granted when synthesis starts.
   */
  readonly keyPrefixes: KeyPrefixSource;
  /**
   * The SSM parameter path under which each database's binding is a String parameter
   * `<path>/<database id>` whose JSON value holds its `prefix` (the stack's binding path).
   */
  readonly parameterPath: string;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /** The function's service name (the metrics' `service` dimension). @default 'ords-datapump-backup' */
  readonly serviceName?: string;
}

/**
 * The signal behind the stale-backup alarms: a function, run every hour by an EventBridge rule,
 * that reads every database binding and `last-backup.json` and publishes HoursSinceLastBackup per
 * database. It may read the bindings and the last-backup records, nothing else.
 */
export class BackupAgeCheck extends Construct {
  /** The "Check backup age" function. */
  readonly function: HandlerFunction;
  /** The hourly rule invoking it. */
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: BackupAgeCheckProps) {
    super(scope, id);
    const { parameterPath } = props;
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    if (!isBindingPath(parameterPath)) {
      throw new Error(
        `${this.node.path}: parameterPath must be an SSM parameter path such as /ords-datapump-backup/databases, got "${parameterPath}"`,
      );
    }

    this.function = backupFunction(
      this,
      {
        id: 'CheckBackupAge',
        entry: 'check-backup-age.ts',
        description: 'Publishes the hours since the last verified backup of every database, hourly',
        memorySize: 256,
        timeout: Duration.minutes(5),
        environment: { BUCKET_NAME: props.bucket.bucketName, DATABASE_PARAMETER_PATH: parameterPath },
      },
      { logRetention, ...(props.serviceName ? { serviceName: props.serviceName } : {}) },
    );
    Validations.of(this.function.node.defaultChild!).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'A failed check publishes no HoursSinceLastBackup; every stale-backup alarm treats missing data as breaching.',
    });

    const stack = Stack.of(this);
    const parameters = (suffix: string) =>
      Arn.format(
        { service: 'ssm', resource: 'parameter', resourceName: `${parameterPath.slice(1)}${suffix}` },
        stack,
      );
    // GetParametersByPath is authorized on the path itself; recursive reads also need what lies below.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['ssm:GetParametersByPath'],
        resources: [parameters(''), parameters('/*')],
      }),
    );
    acknowledgeWildcardResource(
      this.function.role!,
      parameters('/*'),
      'The bindings are one parameter per database under this path: only parameters below it are readable.',
    );

    // The records of each database, under the deployment's key prefixes only (known at synth), and
    // the listing under them, so S3 answers NoSuchKey (not AccessDenied) for a database never backed up.
    whenKeyPrefixesKnown(this, props.keyPrefixes, (prefixes) =>
      grantRecordReads(props.bucket, this.function, prefixes, [LAST_BACKUP_FILE, LAST_RESTORE_DRILL_FILE]),
    );

    this.rule = new Rule(this, 'Hourly', {
      description: 'Runs the ords-datapump-backup backup-age check every hour',
      schedule: Schedule.rate(Duration.hours(1)),
      targets: [new LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.minutes(30) })],
    });
    Validations.of(this.rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'A missed hourly check publishes nothing, and the stale-backup alarms treat missing data as breaching.',
    });
  }
}
