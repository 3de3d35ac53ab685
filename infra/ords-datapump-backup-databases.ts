import { Duration, Tags } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ordsOrigin } from '../functions/core/fleet/index.js';
import { SECRET_DATABASE_TAG } from '../functions/core/ords/index.js';
import type { SlotCaps } from '../functions/core/run/index.js';
import { BackupDashboards } from './constructs/backup-dashboards.js';
import { DatabaseBindings } from './constructs/database-bindings.js';
import { DatabaseSchedules } from './constructs/database-schedules.js';
import { OffsiteCopyAlarms } from './constructs/offsite-copy-alarms.js';
import { RestoreDrillAlarms } from './constructs/restore-drill-alarms.js';
import { ServerCleanupAlarms } from './constructs/server-cleanup-alarms.js';
import { StaleBackupAlarms } from './constructs/stale-backup-alarms.js';
import { bindingOf } from './database-binding.js';
import type { ResolvedDatabase } from './database-settings.js';
import { longestScheduleGapHours } from './schedule-checks.js';

/** Properties of `OrdsDatapumpBackupDatabases`: what it needs of its `OrdsDatapumpBackup`. */
export interface OrdsDatapumpBackupDatabasesProps {
  /** This slice's databases with their defaults applied, in order (disabled ones get nothing). */
  readonly databases: readonly ResolvedDatabase[];
  /** The "Start run" launcher the schedules invoke. */
  readonly launcher: IFunction;
  /** The missed-runs queue: the schedules' dead-letter queue. */
  readonly missedRuns: IQueue;
  /** The deployment's schedule group. */
  readonly scheduleGroup: IScheduleGroup;
  /** The alert topic the stale-backup alarms notify. */
  readonly alarmTopic: ITopic;
  /** Where the databases' bindings go (the path the functions read). */
  readonly bindingParameterPath: string;
  /** The deployment's name prefix (alarm and dashboard names, metrics' service). */
  readonly namePrefix: string;
  /** The ORDS slot caps of a database on an ORDS URL, written into its binding. @default - none: 4 slots per origin */
  readonly slotsOf?: (ordsUrl: string) => SlotCaps;
  /** Whether runs prove their off-site copy ("Check off-site copy"): one alarm per database then. @default false */
  readonly offsiteProof?: boolean;
}

/**
 * The per-database resources of a slice of the databases of one `OrdsDatapumpBackup`: one binding,
 * one schedule, one stale-backup alarm, one cleanup alarm (unless its cleanup is off) and one
 * dashboard row per enabled database, and the tag that lets the functions read a secret created in
 * the app. Created by `OrdsDatapumpBackup.addDatabases`,
 * which checks what needs every database (unique ids, the state machine timeout, IAM's managed
 * policies per role). Slices in several stacks keep every stack under CloudFormation's 500
 * resources and 1 MB per template, whatever the number of databases.
 */
export class OrdsDatapumpBackupDatabases extends Construct {
  /** One EventBridge Scheduler schedule per enabled database outside a night window. */
  readonly schedules: DatabaseSchedules;
  /** One SSM parameter per enabled database: its ORDS URL, secret, prefix and settings. */
  readonly bindings: DatabaseBindings;
  /**
   * The enabled databases' secrets, by database id. Those created in the app get the tag
   * `ords-datapump-backup:database=<id>` here; imported ones must carry it already (docs/deploy.md).
   */
  readonly secrets: ReadonlyMap<string, ISecret>;
  /** One stale-backup alarm per enabled database. */
  readonly alarms: StaleBackupAlarms;
  /** The dashboards, one row per enabled database. */
  readonly dashboards: BackupDashboards;
  /** Two alarms per enabled database with a restore drill: a drill failed, none succeeded in time. */
  readonly drillAlarms: RestoreDrillAlarms;
  /** One alarm per enabled database that cleans up its server: its cleanup failed. */
  readonly cleanupAlarms: ServerCleanupAlarms;
  /** With the off-site proof: one alarm per enabled database, its off-site copy failed or is late. */
  readonly offsiteAlarms: OffsiteCopyAlarms | undefined;
  /** The ids of this slice's databases, enabled or not, in order. */
  readonly databaseIds: readonly string[];

  constructor(scope: Construct, id: string, props: OrdsDatapumpBackupDatabasesProps) {
    super(scope, id);
    const { namePrefix } = props;
    this.databaseIds = props.databases.map((database) => database.id);
    const enabled = props.databases.filter((database) => database.enabled);
    this.bindings = new DatabaseBindings(this, 'Bindings', {
      parameterPath: props.bindingParameterPath,
      bindings: enabled.map((database) =>
        bindingOf(this.node.path, database, props.slotsOf?.(database.ordsUrl)),
      ),
    });
    this.schedules = new DatabaseSchedules(this, 'Schedules', {
      launcher: props.launcher,
      deadLetterQueue: props.missedRuns,
      group: props.scheduleGroup,
      namePrefix,
      // A database in a night window starts with its window (the WindowLauncher's schedule).
      schedules: enabled
        .filter((database) => !database.window)
        .map((database) => ({ id: database.id, ...database.schedule })),
    });
    // The secret reader role reads a secret only when this tag names the database its session serves.
    for (const database of enabled) Tags.of(database.secret).add(SECRET_DATABASE_TAG, database.id);
    this.secrets = new Map(enabled.map((database) => [database.id, database.secret]));
    this.alarms = new StaleBackupAlarms(this, 'StaleBackupAlarms', {
      limits: enabled.map((database) => ({ id: database.id, staleAfter: database.staleAfter })),
      topic: props.alarmTopic,
      namePrefix,
    });
    this.dashboards = new BackupDashboards(this, 'Dashboards', {
      databaseIds: enabled.map((database) => database.id),
      origins: Object.fromEntries(enabled.map((database) => [database.id, ordsOrigin(database.ordsUrl)])),
      namePrefix,
    });
    this.cleanupAlarms = new ServerCleanupAlarms(this, 'ServerCleanupAlarms', {
      databaseIds: enabled
        .filter((database) => database.serverCleanup !== 'off')
        .map((database) => database.id),
      topic: props.alarmTopic,
      namePrefix,
    });
    this.offsiteAlarms = props.offsiteProof
      ? new OffsiteCopyAlarms(this, 'OffsiteCopyAlarms', {
          databaseIds: enabled.map((database) => database.id),
          topic: props.alarmTopic,
          namePrefix,
        })
      : undefined;
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
      topic: props.alarmTopic,
      namePrefix,
    });
  }
}
