import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BackupMetric } from '../../functions/shared/metrics.js';
import { backupMetric } from './backup-metrics.js';

/** Properties of `ServerCleanupAlarms`. */
export interface ServerCleanupAlarmsProps {
  /** The ids of the databases whose runs clean up the server: one alarm each. */
  readonly databases: readonly string[];
  /** Where the alarms notify, when they go off and when they recover. */
  readonly topic: ITopic;
}

/**
 * One alarm per database that goes off when a run could not remove its files or control table from
 * the database server (ServerCleanupFailed = 1): left alone, the directory fills up and later
 * exports fail. The alarm text says where the reason is and the ways out. Missing data (no run
 * that day) is not breaching: the stale-backup alarm covers runs that do not happen.
 */
export class ServerCleanupAlarms extends Construct {
  /** The alarms, by database id. */
  readonly alarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: ServerCleanupAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const alarms = new Map<string, Alarm>();
    for (const database of props.databases) {
      const alarm = new Alarm(this, database, {
        alarmDescription:
          `ords-datapump-backup: a backup of database "${database}" could not clean up the database server, ` +
          'so its dump files, log or control table are left there and the directory fills up. The reason is ' +
          'in the execution output (serverCleanup) and in server-cleanup.json beside the manifest. Enable ' +
          'REST-enabled SQL in ORDS (restEnabledSql.active), grant the ORDS user READ and WRITE on the Data ' +
          'Pump directory, or set "serverCleanup": "off" for this database.',
        metric: backupMetric(BackupMetric.ServerCleanupFailed, database, {
          statistic: Stats.MAXIMUM,
          period: Duration.hours(1),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarms.set(database, alarm);
    }
    this.alarms = alarms;
  }
}
