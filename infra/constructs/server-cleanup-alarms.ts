import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BackupMetric, SERVICE_NAME } from '../../functions/shared/metrics.js';
import { databaseFlagAlarm } from './database-flag-alarm.js';

/** Properties of `ServerCleanupAlarms`. */
export interface ServerCleanupAlarmsProps {
  /** The ids of the databases that clean up their server: one alarm each. */
  readonly databaseIds: readonly string[];
  /** Where the alarms notify, when they go off and when they recover. */
  readonly topic: ITopic;
  /**
   * How long one failed cleanup keeps its alarm in ALARM (the period of its Maximum).
   * @default Duration.hours(1)
   */
  readonly period?: Duration;
  /**
   * The deployment's name prefix: the alarms are named `<prefix>-<db>-server-cleanup-failed` and
   * watch the metrics of the functions whose `service` it is.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
}

/**
 * One alarm per database that cleans up its server: it goes off when a run of that database could
 * not remove its files or control table from the database server, or its cleanup step failed
 * (ServerCleanupFailed = 1 with the database's dimension; the execution ends in "Backup complete,
 * cleanup failed"). Left alone, the directory fills up and later exports fail, so the alarm names
 * the database and the ways out.
 */
export class ServerCleanupAlarms extends Construct {
  /** The alarms, by database id. */
  readonly alarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: ServerCleanupAlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.hours(1);
    const namePrefix = props.namePrefix ?? SERVICE_NAME;
    const action = new SnsAction(props.topic);
    const alarms = new Map<string, Alarm>();
    for (const database of props.databaseIds) {
      const alarm = databaseFlagAlarm(this, {
        database,
        metric: BackupMetric.ServerCleanupFailed,
        suffix: 'server-cleanup-failed',
        namePrefix,
        period,
        action,
        description:
          `${namePrefix}: a backup of database "${database}" could not clean up its database server, so its ` +
          'dump files, log or control table are left there and the directory fills up. The execution ' +
          '("Backup complete, cleanup failed", output serverCleanup) and server-cleanup.json beside its ' +
          'manifest say why. Enable REST-enabled SQL in ORDS (restEnabledSql.active), grant the ORDS user ' +
          `READ and WRITE on the Data Pump directory, or set "serverCleanup": "off" for "${database}".`,
      });
      alarms.set(database, alarm);
    }
    this.alarms = alarms;
  }
}
