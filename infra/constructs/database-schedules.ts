import { Aws, Duration, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DatabaseConfig } from '../config.js';
import { executionInputFor } from '../execution-input.js';

/** Properties of `DatabaseSchedules`. */
export interface DatabaseSchedulesProps {
  /** The state machine each schedule starts. */
  readonly stateMachine: IStateMachine;
  /** The databases; each enabled one gets a schedule, disabled ones get none. */
  readonly databases: readonly DatabaseConfig[];
  /**
   * How often EventBridge Scheduler retries starting an execution that failed to start (throttling,
   * service errors). A started execution is never retried by the scheduler.
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * How late an execution may still be started after its scheduled time, retries included.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

/**
 * One EventBridge Scheduler schedule per enabled database, in their own schedule group, each
 * starting the backup state machine with that database's execution input. One role, allowed only
 * to start executions of this state machine, serves all of them. Each schedule is a child with the
 * database id as construct id, so a subset of databases can later live in another stack.
 */
export class DatabaseSchedules extends Construct {
  /** The schedule group holding the schedules. */
  readonly group: ScheduleGroup;
  /** The role EventBridge Scheduler assumes to start executions. */
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

    this.group = new ScheduleGroup(this, 'Group');
    this.role = new Role(this, 'Role', {
      description: 'Lets EventBridge Scheduler start ords-datapump-backup executions',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
    });

    const schedules = new Map<string, Schedule>();
    for (const database of props.databases) {
      if (!database.enabled) continue;
      const input = executionInputFor(database, ContextAttribute.scheduledTime);
      const schedule = new Schedule(this, database.id, {
        description: `Backs up database "${database.id}" (${database.schedule.cron}, ${database.schedule.timeZone})`,
        scheduleGroup: this.group,
        schedule: ScheduleExpression.expression(
          `cron(${database.schedule.cron})`,
          TimeZone.of(database.schedule.timeZone),
        ),
        timeWindow: TimeWindow.off(),
        target: new StepFunctionsStartExecution(props.stateMachine, {
          role: this.role,
          input: ScheduleTargetInput.fromObject(input),
          retryAttempts,
          maxEventAge,
        }),
      });
      schedules.set(database.id, schedule);
    }
    this.schedules = schedules;
  }
}
