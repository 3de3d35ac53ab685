import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DatabaseConfig } from './config/index.js';
import { BackupDashboards } from './constructs/backup-dashboards.js';
import { DatabaseBindings } from './constructs/database-bindings.js';
import { DatabaseSchedules } from './constructs/database-schedules.js';
import { DatabaseSecrets } from './constructs/database-secrets.js';
import { RestoreDrillAlarms } from './constructs/restore-drill-alarms.js';
import { StaleBackupAlarms } from './constructs/stale-backup-alarms.js';
import { bindingOf } from './database-binding.js';
import { longestScheduleGapHours } from './schedule-checks.js';

/** Properties of `DatabaseStack`. */
export interface DatabaseStackProps extends StackProps {
  /** This stack's databases, in configuration order (disabled ones get nothing). */
  readonly databases: readonly DatabaseConfig[];
  /** The "Start run" launcher the schedules invoke (of the main stack). */
  readonly launcher: IFunction;
  /** The missed-runs queue: the schedules' dead-letter queue (of the main stack). */
  readonly missedRuns: IQueue;
  /** The roles of the functions that call ORDS (of the main stack): they get the secret policies. */
  readonly secretReaders: readonly IRole[];
  /** The alert topic the stale-backup and Scheduler alarms notify (of the main stack, or an existing one). */
  readonly alertTopic: ITopic;
  /** Where the databases' bindings go (the path the main stack's functions read). */
  readonly bindingParameterPath: string;
}

/**
 * The per-database resources of a slice of the configured databases: one binding, one schedule, one
 * stale-backup alarm and one dashboard row per enabled database, and the policies that let the
 * functions read their secrets. Splitting them into several such stacks keeps every stack under
 * CloudFormation's 500 resources and 1 MB per template, and every policy under IAM's size limits,
 * whatever the number of databases.
 */
export class DatabaseStack extends Stack {
  /** One EventBridge Scheduler schedule per enabled database. */
  readonly schedules: DatabaseSchedules;
  /** One SSM parameter per enabled database: its ORDS URL, secret, prefix and settings. */
  readonly bindings: DatabaseBindings;
  /** The managed policies that let the ORDS-calling functions read the secrets. */
  readonly secrets: DatabaseSecrets;
  /** One stale-backup alarm per enabled database. */
  readonly alarms: StaleBackupAlarms;
  /** The dashboards, one row per enabled database. */
  readonly dashboards: BackupDashboards;
  /** Two alarms per enabled database with a restore drill: a drill failed, none succeeded in time. */
  readonly drillAlarms: RestoreDrillAlarms;
  /** The ids of this stack's databases, enabled or not, in configuration order. */
  readonly databaseIds: readonly string[];

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    const first = props.databases[0]?.id;
    const last = props.databases.at(-1)?.id;
    super(scope, id, {
      description: `ords-datapump-backup: schedules, alarms, dashboards and secret access of databases ${first} to ${last}`,
      // Hundreds of similar resources: indentation alone would take a quarter of the 1 MB limit.
      suppressTemplateIndentation: true,
      ...props,
    });
    this.databaseIds = props.databases.map((database) => database.id);
    const enabled = props.databases.filter((database) => database.enabled);
    this.bindings = new DatabaseBindings(this, 'Bindings', {
      parameterPath: props.bindingParameterPath,
      bindings: enabled.map(bindingOf),
    });
    this.schedules = new DatabaseSchedules(this, 'Schedules', {
      launcher: props.launcher,
      deadLetterQueue: props.missedRuns,
      alarmTopic: props.alertTopic,
      schedules: enabled.map((database) => ({ id: database.id, ...database.schedule })),
    });
    this.secrets = new DatabaseSecrets(this, 'Secrets', {
      databases: props.databases,
      readers: props.secretReaders,
    });
    this.alarms = new StaleBackupAlarms(this, 'StaleBackupAlarms', {
      limits: enabled.map((database) => ({
        id: database.id,
        staleAfter: Duration.hours(database.staleAfterHours),
      })),
      topic: props.alertTopic,
    });
    this.dashboards = new BackupDashboards(this, 'Dashboards', { databases: props.databases });
    const year = new Date().getUTCFullYear();
    this.drillAlarms = new RestoreDrillAlarms(this, 'RestoreDrillAlarms', {
      drills: enabled.flatMap((database) =>
        database.restoreDrill
          ? [
              {
                id: database.id,
                // A drill cron that starts fewer than twice in two years: a year between drills.
                cadence: Duration.hours(
                  longestScheduleGapHours(database.restoreDrill.schedule.cron, year) ?? 8784,
                ),
              },
            ]
          : [],
      ),
      topic: props.alertTopic,
    });
  }
}
