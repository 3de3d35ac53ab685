import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Properties of `OffsiteReplicationAlarms`. */
export interface OffsiteReplicationAlarmsProps {
  /** The deployment's bucket, the source of the replication. */
  readonly source: IBucket;
  /** The off-site bucket of the other account. */
  readonly destination: IBucket;
  /** The id of the replication rule (the metrics' `RuleId`). */
  readonly ruleId: string;
  /** Where the alarms notify, when they go off and when they recover. */
  readonly topic: ITopic;
  /**
   * Replication latency above which the lag alarm goes off. S3 Replication Time Control replicates
   * 99.99 % of objects within 15 minutes.
   * @default Duration.hours(1)
   */
  readonly lagThreshold?: Duration;
  /** Name prefix of the alarms (`<prefix>-offsite-replication-failed`, `-late`). */
  readonly namePrefix: string;
}

/**
 * Two alarms on the S3 replication metrics of the off-site copy (published because the rule turns
 * replication metrics on): an object failed to replicate, or replication lags behind. The metrics
 * are the bucket's, not a database's: the alarm text says how to find the objects.
 */
export class OffsiteReplicationAlarms extends Construct {
  /** Goes off when an object failed to replicate. */
  readonly failed: Alarm;
  /** Goes off when replication lags more than `lagThreshold`. */
  readonly late: Alarm;

  constructor(scope: Construct, id: string, props: OffsiteReplicationAlarmsProps) {
    super(scope, id);
    const lag = props.lagThreshold ?? Duration.hours(1);
    const action = new SnsAction(props.topic);
    // The replication metrics' dimensions (S3 User Guide, "Amazon S3 CloudWatch metrics").
    const dimensionsMap = {
      SourceBucket: props.source.bucketName,
      DestinationBucket: props.destination.bucketName,
      RuleId: props.ruleId,
    };
    const metric = (metricName: string, statistic: string) =>
      new Metric({ namespace: 'AWS/S3', metricName, dimensionsMap, statistic, period: Duration.minutes(5) });
    this.failed = new Alarm(this, 'Failed', {
      alarmName: `${props.namePrefix}-offsite-replication-failed`,
      alarmDescription:
        'ords-datapump-backup: an object of the backup bucket failed to replicate to the off-site bucket, so a ' +
        'backup may have no off-site copy. Check the replication role, the off-site bucket and key policies ' +
        '(OffsiteBackupBucket), then `npm run verify -- <manifest> --offsite <bucket>`; S3 Batch Replication ' +
        'replicates failed objects again.',
      metric: metric('OperationsFailedReplication', Stats.SUM),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.late = new Alarm(this, 'Late', {
      alarmName: `${props.namePrefix}-offsite-replication-late`,
      alarmDescription:
        `ords-datapump-backup: replication to the off-site bucket lags more than ${lag.toHumanString()}: the ` +
        'newest backups have no off-site copy yet. Check the S3 replication metrics of the backup bucket.',
      metric: metric('ReplicationLatency', Stats.MAXIMUM),
      threshold: lag.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.failed, this.late]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
