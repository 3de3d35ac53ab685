import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  BackupMetric,
  METRICS_NAMESPACE,
  MetricDimension,
  SERVICE_NAME,
} from '../../functions/shared/metrics.js';

/** Properties of `ServerCleanupAlarm`. */
export interface ServerCleanupAlarmProps {
  /** Where the alarm notifies, when it goes off and when it recovers. */
  readonly topic: ITopic;
  /**
   * How long one failed cleanup keeps the alarm in ALARM (the period of its Maximum).
   * @default Duration.hours(1)
   */
  readonly period?: Duration;
  /**
   * Name prefix of the alarm (`<prefix>-server-cleanup-failed`) and the service name of the metric.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
}

/**
 * One alarm for every database: it goes off when a run could not remove its files or control table
 * from the database server (ServerCleanupFailed = 1, published without the `Database` dimension as
 * well as with it). One alarm instead of one per database keeps the database stacks under
 * CloudFormation's 500 resources; the execution output and `server-cleanup.json` name the database,
 * and the per-database metric shows it on the dashboards. Left alone, the directory fills up and
 * later exports fail, so the alarm text says the ways out.
 */
export class ServerCleanupAlarm extends Construct {
  /** The alarm. */
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: ServerCleanupAlarmProps) {
    super(scope, id);
    const period = props.period ?? Duration.hours(1);
    const namePrefix = props.namePrefix ?? SERVICE_NAME;
    const action = new SnsAction(props.topic);
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: `${namePrefix}-server-cleanup-failed`,
      alarmDescription:
        'ords-datapump-backup: a backup could not clean up its database server, so its dump files, log or ' +
        'control table are left there and the directory fills up. The failed execution output ' +
        '(serverCleanup) and server-cleanup.json beside its manifest name the database and the reason. ' +
        'Enable REST-enabled SQL in ORDS (restEnabledSql.active), grant the ORDS user READ and WRITE on ' +
        'the Data Pump directory, or set "serverCleanup": "off" for that database.',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: BackupMetric.ServerCleanupFailed,
        dimensionsMap: { [MetricDimension.Service]: namePrefix },
        statistic: Stats.MAXIMUM,
        period,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No run that hour: nothing to report; the stale-backup alarms cover runs that do not happen.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(action);
    this.alarm.addOkAction(action);
  }
}
