import { Duration, Token } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BackupMetric, SERVICE_NAME } from '../../functions/shared/metrics.js';
import { backupMetric } from './backup-metrics.js';

/** How stale one database's backup may get. */
export interface StaleBackupLimit {
  /** The database id: the alarm's construct id and its metric's `Database` dimension. */
  readonly id: string;
  /** Time since the last verified backup after which the alarm goes off; whole hours, at least 1. */
  readonly staleAfter: Duration;
}

/** Properties of `StaleBackupAlarms`. */
export interface StaleBackupAlarmsProps {
  /** One alarm per entry: every enabled database. */
  readonly limits: readonly StaleBackupLimit[];
  /** Where the alarms notify, when they go off and when they recover. */
  readonly topic: ITopic;
  /**
   * Name prefix of the alarms (`<prefix>-<database>-stale-backup`) and the service name of their metric.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
}

/**
 * Consecutive hourly data points above the limit (or missing) before an alarm goes off: 2, so that
 * one check whose data point lands in the next hour does not alarm.
 */
const DATAPOINTS_TO_ALARM = 2;

/**
 * One alarm per database that goes off when its last verified backup is older than its limit: the
 * hourly Maximum of HoursSinceLastBackup (published by the backup-age check) is above `staleAfter`.
 * The gauge ages for any cadence, so weekly and monthly schedules are covered like nightly ones.
 * Missing data counts as breaching: a check that stopped running alarms every database. Each alarm
 * is a child with the database id as construct id.
 */
export class StaleBackupAlarms extends Construct {
  /** The alarms, by database id. */
  readonly alarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: StaleBackupAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const namePrefix = props.namePrefix ?? SERVICE_NAME;
    const alarms = new Map<string, Alarm>();
    for (const limit of props.limits) {
      const hours = limit.staleAfter.toHours({ integral: false });
      if (!Token.isUnresolved(hours) && (!Number.isInteger(hours) || hours < 1)) {
        throw new Error(
          `${this.node.path}: database "${limit.id}": staleAfter must be whole hours, at least 1, got ${limit.staleAfter.toHumanString()}`,
        );
      }
      const alarm = new Alarm(this, limit.id, {
        alarmName: `${namePrefix}-${limit.id}-stale-backup`,
        alarmDescription:
          `ords-datapump-backup: the last verified backup of database "${limit.id}" is more than ${hours} ` +
          'hours old, or its age is not being published. Check its latest executions, its schedule, the ' +
          'missed-runs queue and the backup-age check.',
        metric: backupMetric(BackupMetric.HoursSinceLastBackup, limit.id, {
          statistic: Stats.MAXIMUM,
          period: Duration.hours(1),
          service: namePrefix,
        }),
        threshold: hours,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: DATAPOINTS_TO_ALARM,
        datapointsToAlarm: DATAPOINTS_TO_ALARM,
        treatMissingData: TreatMissingData.BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      alarms.set(limit.id, alarm);
    }
    this.alarms = alarms;
  }
}
