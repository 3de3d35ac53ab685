import type { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import { type BackupMetricName, backupMetric } from './backup-metrics.js';

/** One database's alarm on a 0/1 failure metric of its runs. */
export interface DatabaseFlagAlarmSpec {
  readonly database: string;
  /** The metric a run publishes as 1 when the step failed. */
  readonly metric: BackupMetricName;
  /** The alarm is named `<namePrefix>-<database>-<suffix>`. */
  readonly suffix: string;
  readonly namePrefix: string;
  readonly description: string;
  /** How long one failure keeps the alarm in ALARM (the period of its Maximum). */
  readonly period: Duration;
  /** Notified when it goes off and when it recovers. */
  readonly action: SnsAction;
}

/**
 * An alarm that goes off when a run of the database reports the failure (the metric's Maximum ≥ 1,
 * with the database's dimension), as `<scope>/<database>-Failed`. An hour without runs reports
 * nothing: the stale-backup alarms cover runs that do not happen.
 */
export function databaseFlagAlarm(scope: Construct, spec: DatabaseFlagAlarmSpec): Alarm {
  const alarm = new Alarm(scope, `${spec.database}-Failed`, {
    alarmName: `${spec.namePrefix}-${spec.database}-${spec.suffix}`,
    alarmDescription: spec.description,
    metric: backupMetric(spec.metric, spec.database, {
      statistic: Stats.MAXIMUM,
      period: spec.period,
      service: spec.namePrefix,
    }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(spec.action);
  alarm.addOkAction(spec.action);
  return alarm;
}
