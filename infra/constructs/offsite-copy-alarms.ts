import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BackupMetric, SERVICE_NAME } from '../../functions/shared/metrics.js';
import { databaseFlagAlarm } from './database-flag-alarm.js';

/** Properties of `OffsiteCopyAlarms`. */
export interface OffsiteCopyAlarmsProps {
  /** The ids of the databases whose runs prove their off-site copy: one alarm each. */
  readonly databaseIds: readonly string[];
  /** Where the alarms notify, when they go off and when they recover. */
  readonly topic: ITopic;
  /**
   * How long one failed off-site copy keeps its alarm in ALARM (the period of its Maximum).
   * @default Duration.hours(1)
   */
  readonly period?: Duration;
  /**
   * The deployment's name prefix: the alarms are named `<prefix>-<db>-offsite-copy-failed` and
   * watch the metrics of the functions whose `service` it is.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
}

/**
 * One alarm per database whose runs prove their off-site copy: it goes off when an object of a run
 * of that database failed to replicate, was still not replicated after the lag limit, its replica
 * did not match the manifest, or the check step failed (OffsiteCopyFailed = 1 with the database's
 * dimension; the execution ends in "Backup complete, off-site copy failed").
 */
export class OffsiteCopyAlarms extends Construct {
  /** The alarms, by database id. */
  readonly alarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: OffsiteCopyAlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.hours(1);
    const namePrefix = props.namePrefix ?? SERVICE_NAME;
    const action = new SnsAction(props.topic);
    const alarms = new Map<string, Alarm>();
    for (const database of props.databaseIds) {
      const alarm = databaseFlagAlarm(this, {
        database,
        metric: BackupMetric.OffsiteCopyFailed,
        suffix: 'offsite-copy-failed',
        namePrefix,
        period,
        action,
        description:
          `${namePrefix}: a backup of database "${database}" is stored here but not proved off-site: an ` +
          'object failed to replicate, replicated late, or its replica does not match the manifest. The ' +
          'execution ("Backup complete, off-site copy failed", output offsite.reason) says which. Check the ' +
          'replication rule and the off-site bucket and key policies, then npm run verify -- --offsite.',
      });
      alarms.set(database, alarm);
    }
    this.alarms = alarms;
  }
}
