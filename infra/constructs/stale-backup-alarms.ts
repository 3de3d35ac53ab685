import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BackupMetric } from '../../functions/shared/metrics.js';
import { type DatabaseConfig, MAX_STALE_AFTER_HOURS } from '../config.js';
import { backupMetric } from './backup-metrics.js';

/** Properties of `StaleBackupAlarms`. */
export interface StaleBackupAlarmsProps {
  /**
   * The databases. Each enabled one with a `staleAfterHours` above 0 gets an alarm; disabled ones
   * and those with 0 get none.
   */
  readonly databases: readonly DatabaseConfig[];
  /** Where the alarms notify, when they go off and when they recover. */
  readonly topic: ITopic;
}

/**
 * One alarm per database that goes off when no successful backup was recorded for its
 * `staleAfterHours`: the hourly Sum of BackupSucceeded stayed below 1 for that many hours, missing
 * data counting as breaching — a backup that never ran at all (a deleted schedule, a stuck
 * execution, a function that never got to record anything) alarms too. Each alarm is a child with
 * the database id as construct id.
 */
export class StaleBackupAlarms extends Construct {
  /** The alarms, by database id. */
  readonly alarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: StaleBackupAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const alarms = new Map<string, Alarm>();
    for (const database of props.databases) {
      const hours = database.staleAfterHours;
      if (!Number.isInteger(hours) || hours < 0 || hours > MAX_STALE_AFTER_HOURS) {
        throw new Error(
          `${this.node.path}: database "${database.id}": staleAfterHours must be a whole number from 0 to ` +
            `${MAX_STALE_AFTER_HOURS} (CloudWatch evaluates at most 7 days), got ${hours}`,
        );
      }
      if (!database.enabled || hours === 0) continue;
      const alarm = new Alarm(this, database.id, {
        alarmDescription:
          `ords-datapump-backup: no successful backup of database "${database.id}" was recorded for ` +
          `${hours} hours. Check its latest executions of the backup state machine and the failure alerts.`,
        metric: backupMetric(BackupMetric.Succeeded, database.id, {
          statistic: Stats.SUM,
          period: Duration.hours(1),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: hours,
        datapointsToAlarm: hours,
        treatMissingData: TreatMissingData.BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      alarms.set(database.id, alarm);
    }
    this.alarms = alarms;
  }
}
