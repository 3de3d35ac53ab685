import { Duration, Token } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BackupMetric, SERVICE_NAME } from '../../functions/shared/metrics.js';
import { backupMetric } from './backup-metrics.js';

/** One database's restore drill, as its alarms see it. */
export interface RestoreDrillWatch {
  /** The database id: the alarms' construct id prefix and their metrics' `Database` dimension. */
  readonly id: string;
  /** The longest time between two drill starts of its schedule: the drill's cadence. */
  readonly cadence: Duration;
}

/** Properties of `RestoreDrillAlarms`. */
export interface RestoreDrillAlarmsProps {
  /** One pair of alarms per entry: every enabled database with a restore drill. */
  readonly drills: readonly RestoreDrillWatch[];
  /** Where the alarms notify, when they go off and when they recover. */
  readonly topic: ITopic;
  /**
   * How long one failed drill keeps its alarm in ALARM (the period of its Minimum).
   * @default Duration.hours(1)
   */
  readonly failedPeriod?: Duration;
  /**
   * The deployment's name prefix: the alarms are named `<prefix>-<db>-restore-drill-failed` and
   * `-overdue`, and watch the metrics of the functions whose `service` it is.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
}

/**
 * Two alarms per drilling database. "Failed": a drill failed (RestoreDrillSucceeded's Minimum below 1).
 * "Overdue": no drill succeeded within twice its cadence: the hourly HoursSinceLastRestoreDrill
 * (published by the backup-age check) is above 2 × the drill schedule's longest gap, missing data
 * breaching, so drills that stop running alarm as surely as drills that fail.
 */
export class RestoreDrillAlarms extends Construct {
  /** The "drill failed" alarms, by database id. */
  readonly failed: ReadonlyMap<string, Alarm>;
  /** The "no successful drill within twice its cadence" alarms, by database id. */
  readonly overdue: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: RestoreDrillAlarmsProps) {
    super(scope, id);
    const failedPeriod = props.failedPeriod ?? Duration.hours(1);
    const namePrefix = props.namePrefix ?? SERVICE_NAME;
    const action = new SnsAction(props.topic);
    const failed = new Map<string, Alarm>();
    const overdue = new Map<string, Alarm>();
    for (const drill of props.drills) {
      const cadenceHours = drill.cadence.toHours({ integral: false });
      if (!Token.isUnresolved(cadenceHours) && !(cadenceHours >= 1)) {
        throw new Error(
          `${this.node.path}: database "${drill.id}": cadence must be at least 1 hour, got ${drill.cadence.toHumanString()}`,
        );
      }
      const failedAlarm = new Alarm(this, `${drill.id}-Failed`, {
        alarmName: `${namePrefix}-${drill.id}-restore-drill-failed`,
        alarmDescription:
          `${namePrefix}: the restore drill of database "${drill.id}" failed: the backup is stored, but ` +
          'it could not be imported into the drill schema, or the drill schema could not be dropped. The ' +
          'failed execution ("Restore drill failed") and restore-drill.json beside its manifest say why.',
        metric: backupMetric(BackupMetric.RestoreDrillSucceeded, drill.id, {
          statistic: Stats.MINIMUM,
          period: failedPeriod,
          service: namePrefix,
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No drill that hour: nothing to report; the overdue alarm covers drills that do not happen.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      const limit = Math.ceil(2 * cadenceHours);
      const overdueAlarm = new Alarm(this, `${drill.id}-Overdue`, {
        alarmName: `${namePrefix}-${drill.id}-restore-drill-overdue`,
        alarmDescription:
          `${namePrefix}: no restore drill of database "${drill.id}" succeeded in the last ${limit} ` +
          'hours (twice its cadence), or the drill age is not being published. Check its latest executions ' +
          'and restore-drill.json records.',
        metric: backupMetric(BackupMetric.HoursSinceLastRestoreDrill, drill.id, {
          statistic: Stats.MAXIMUM,
          period: Duration.hours(1),
          service: namePrefix,
        }),
        threshold: limit,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.BREACHING,
      });
      for (const alarm of [failedAlarm, overdueAlarm]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      failed.set(drill.id, failedAlarm);
      overdue.set(drill.id, overdueAlarm);
    }
    this.failed = failed;
    this.overdue = overdue;
  }
}
