import { Aws, Duration, TimeZone } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  type ISchedule,
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  type ScheduleTargetConfig,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { ScheduleTargetBase, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StartRunInput } from '../../functions/core/run/index.js';

/** When and where one database is backed up. */
export interface DatabaseSchedule {
  /** The database id: the schedule's construct id and the launcher's `database`. */
  readonly id: string;
  /** EventBridge Scheduler cron expression, the six fields only. */
  readonly cron: string;
  /** IANA time zone the cron expression is read in. */
  readonly timeZone: string;
}

/** Properties of `DatabaseSchedules`. */
export interface DatabaseSchedulesProps {
  /** The "Start run" function each schedule invokes with `{database, scheduledTime}`. */
  readonly launcher: IFunction;
  /** Where a run goes that the Scheduler could not hand to the launcher. */
  readonly deadLetterQueue: IQueue;
  /** The schedule group the schedules go into (named after the deployment). */
  readonly group: IScheduleGroup;
  /** The deployment's name prefix: the schedules are named `<prefix>-<database id>`. */
  readonly namePrefix: string;
  /** The schedules, one per enabled database. */
  readonly schedules: readonly DatabaseSchedule[];
  /**
   * How often EventBridge Scheduler retries invoking the launcher when the invocation fails
   * (throttling, service errors).
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * How late the launcher may still be invoked after its scheduled time, retries included.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

/**
 * One EventBridge Scheduler schedule per enabled database, `<prefix>-<database id>` in the
 * deployment's schedule group, each invoking the "Start run" launcher with `{database,
 * scheduledTime}` only: the launcher names the execution after both, and the functions bind
 * everything else to the database at deploy time. A run the Scheduler gives up on goes to the
 * dead-letter queue. One role, allowed only to invoke the launcher and send to that queue, serves
 * all schedules of this construct.
 */
export class DatabaseSchedules extends Construct {
  /** The role EventBridge Scheduler assumes to invoke the launcher. */
  readonly role: Role;
  /** The schedules, by database id. */
  readonly schedules: ReadonlyMap<string, Schedule>;

  constructor(scope: Construct, id: string, props: DatabaseSchedulesProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 10;
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);

    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new Error(
        `${this.node.path}: retryAttempts must be a whole number from 0 to 185, got ${retryAttempts}`,
      );
    }
    const ageSeconds = maxEventAge.toSeconds();
    if (ageSeconds < 60 || ageSeconds > 86_400) {
      throw new Error(
        `${this.node.path}: maxEventAge must be from 1 minute to 24 hours, got ${maxEventAge.toHumanString()}`,
      );
    }

    this.role = new Role(this, 'Role', {
      description: 'Lets EventBridge Scheduler invoke the ords-datapump-backup launcher',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': props.group.scheduleGroupArn,
          },
        },
      }),
    });

    const schedules = new Map<string, Schedule>();
    for (const schedule of props.schedules) {
      const input: StartRunInput = { database: schedule.id, scheduledTime: ContextAttribute.scheduledTime };
      schedules.set(
        schedule.id,
        new Schedule(this, schedule.id, {
          // Unique in the account, not only in the group: CloudFormation identifies a schedule by name.
          scheduleName: `${props.namePrefix}-${schedule.id}`,
          description: `Backs up database "${schedule.id}" (${schedule.cron}, ${schedule.timeZone})`,
          scheduleGroup: props.group,
          schedule: ScheduleExpression.expression(`cron(${schedule.cron})`, TimeZone.of(schedule.timeZone)),
          timeWindow: TimeWindow.off(),
          target: new InvokeLauncher(props.launcher, {
            role: this.role,
            input: ScheduleTargetInput.fromObject(input),
            retryAttempts,
            maxEventAge,
            deadLetterQueue: props.deadLetterQueue,
          }),
        }),
      );
    }
    this.schedules = schedules;
  }
}

/** Properties of `BackupScheduleGroup`. */
export interface BackupScheduleGroupProps {
  /** The group's name (the deployment's name prefix). */
  readonly name: string;
  /** Where the alarms on the Scheduler's own failures notify. */
  readonly alarmTopic: ITopic;
}

/**
 * The schedule group of a deployment, named after its prefix, and two alarms on its metrics: for
 * invocations dropped without a dead-letter queue and for those the queue did not accept.
 */
export class BackupScheduleGroup extends Construct {
  /** The schedule group. */
  readonly group: ScheduleGroup;
  /** The alarms on the group's failure metrics (dropped, failed to reach the dead-letter queue). */
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: BackupScheduleGroupProps) {
    super(scope, id);
    this.group = new ScheduleGroup(this, 'Group', { scheduleGroupName: props.name });
    const action = new SnsAction(props.alarmTopic);
    const period = { period: Duration.minutes(5), statistic: 'Sum' };
    const alarmOn = (alarmId: string, name: string, metric: Metric, what: string) => {
      const alarm = new Alarm(this, alarmId, {
        alarmName: `${props.name}-${name}`,
        alarmDescription:
          `ords-datapump-backup: EventBridge Scheduler ${what} in schedule group ${props.name}; ` +
          'a scheduled backup did not start: check the Scheduler role and the missed-runs queue, then start it by hand',
        metric,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // The Scheduler only sends these metrics when something happened.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      return alarm;
    };
    this.alarms = [
      alarmOn('DroppedAlarm', 'scheduler-dropped', this.group.metricDropped(period), 'dropped an invocation'),
      alarmOn(
        'DeadLetterFailedAlarm',
        'scheduler-dead-letter-failed',
        this.group.metricFailedToBeSentToDLQ(undefined, period),
        'could not send a failed invocation to the dead-letter queue',
      ),
    ];
  }
}

/**
 * The `LambdaInvoke` target, granting only what a schedule invokes: the unqualified function.
 * `LambdaInvoke` grants through `grantInvoke`, which adds every version and alias (`<arn>:*`) — a
 * wildcard no schedule here needs.
 */
class InvokeLauncher extends ScheduleTargetBase {
  constructor(
    private readonly launcher: IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(props, launcher.functionArn);
  }

  protected addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.launcher.functionArn] }),
    );
  }

  override bind(schedule: ISchedule): ScheduleTargetConfig {
    return this.bindBaseTargetConfig(schedule);
  }
}
