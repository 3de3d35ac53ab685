import { createHash } from 'node:crypto';
import { Arn, ArnFormat, Aws, Duration, Lazy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as HandlerFunction, IFunction, ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  ContextAttribute,
  type ISchedule,
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  type ScheduleTargetConfig,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { ScheduleTargetBase, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type NightWindow, windowCron, windowKey } from '../../functions/core/fleet/index.js';
import { MAX_WINDOW_DATABASES, type StartWindowInput } from '../../functions/core/run/index.js';
import { LAST_BACKUP_FILE } from '../../functions/core/state/index.js';
import { backupFunction } from './backup-function.js';
import { type KeyPrefixSource, whenKeyPrefixesKnown } from './deployment-keys.js';
import { acknowledgeWildcardResource } from './nag-findings.js';
import { grantRecordReads } from './record-read-grants.js';

/**
 * Largest input a window schedule may carry: Lambda's asynchronous invocation payload (256 KB), the
 * way EventBridge Scheduler invokes the function. The Scheduler's API reference gives `Target.Input`
 * a minimum length only. 1,000 database ids of 32 characters take about 35,000 characters.
 */
export const MAX_WINDOW_INPUT_CHARS = 256 * 1024;

/** Properties of `WindowLauncher`. */
export interface WindowLauncherProps {
  /** The backup state machine the "Start window" function starts. */
  readonly stateMachine: IStateMachine;
  /** The bucket holding each database's `last-backup.json`, read to order the window. */
  readonly bucket: IBucket;
  /** The deployment's binding pins: each record is read under its pinned prefix only. */
  readonly bindingPins: ILayerVersion;
  /**
   * The key prefixes of the deployment's databases (its binding pins): the function reads and lists
   * only under them, granted when synthesis starts.
   */
  readonly keyPrefixes: KeyPrefixSource;
  /** The missed-runs queue: runs not started, and the schedules' and function's dead-letter queue. */
  readonly missedRuns: IQueue;
  /** The deployment's schedule group. */
  readonly group: IScheduleGroup;
  /**
   * The deployment's name prefix: the schedules are named `<prefix>-window_<hash of the window>`
   * (no database id has a `_`, so no database schedule can have that name).
   */
  readonly namePrefix: string;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The night windows of a deployment: one EventBridge Scheduler schedule per distinct window (start,
 * hours, zone) at the window's start in its zone, whichever stacks its databases are in, invoking
 * the "Start window" function with the window and its databases. The function orders them by
 * their last runs and starts one execution each, named like a scheduled run. The function, its
 * role and the schedules exist only once a database is in a window.
 */
export class WindowLauncher extends Construct {
  /** The schedules, by window key (`01:00 4h Europe/Berlin`). */
  readonly schedules: ReadonlyMap<string, Schedule>;
  private readonly byKey = new Map<string, Schedule>();
  private readonly databasesByKey = new Map<string, string[]>();
  private readonly props: WindowLauncherProps;
  private launcher: { readonly function: HandlerFunction; readonly role: Role } | undefined;

  constructor(scope: Construct, id: string, props: WindowLauncherProps) {
    super(scope, id);
    this.props = props;
    this.schedules = this.byKey;
  }

  /**
   * The "Start window" function, created with the first database in a window: a deployment without
   * windows has none.
   */
  get function(): HandlerFunction | undefined {
    return this.launcher?.function;
  }

  /** The role EventBridge Scheduler assumes to invoke the function, created with it. */
  get role(): Role | undefined {
    return this.launcher?.role;
  }

  private launcherOf(): { readonly function: HandlerFunction; readonly role: Role } {
    if (this.launcher) return this.launcher;
    const { props } = this;
    const fn = backupFunction(
      this,
      {
        id: 'StartWindow',
        entry: 'start-window.ts',
        description: 'Starts the backup executions of a night window, slowest database first',
        memorySize: 512,
        // 1,000 executions one after the other, twice for those throttled.
        timeout: Duration.minutes(5),
        environment: {
          STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
          BUCKET_NAME: props.bucket.bucketName,
          MISSED_RUNS_QUEUE_URL: props.missedRuns.queueUrl,
        },
        deadLetterQueue: props.missedRuns,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      },
      { logRetention: props.logRetention ?? RetentionDays.THREE_MONTHS, serviceName: props.namePrefix },
    );
    fn.addLayers(props.bindingPins);
    props.stateMachine.grantStartExecution(fn);
    props.missedRuns.grantSendMessages(fn);
    // After the window closed, a retried invocation asks which runs an earlier one started.
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${Arn.split(props.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
    );
    acknowledgeWildcardResource(
      fn.role!,
      executions,
      "Describes a window run's execution by its name, to tell a run started earlier from a missed one.",
    );
    // The last-backup records under the deployment's key prefixes only (known at synth), and the
    // listing under them, so S3 answers NoSuchKey (not AccessDenied) for a database never backed up.
    whenKeyPrefixesKnown(this, props.keyPrefixes, (prefixes) =>
      grantRecordReads(props.bucket, fn, prefixes, [LAST_BACKUP_FILE]),
    );
    const invokeConfig = fn.node.tryFindChild('EventInvokeConfig');
    if (invokeConfig) {
      Validations.of(invokeConfig).acknowledge({
        id: 'Serverless-LambdaAsyncFailureDestination',
        reason:
          "Failed invocations go to the function's dead-letter queue, which keeps the schedule's own input.",
      });
    }
    const role = new Role(this, 'Role', {
      description: 'Lets EventBridge Scheduler invoke the ords-datapump-backup window launcher',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': props.group.scheduleGroupArn,
          },
        },
      }),
    });
    this.launcher = { function: fn, role };
    return this.launcher;
  }

  /** Adds databases to their windows, creating a window's schedule with its first database. */
  add(databases: ReadonlyArray<{ readonly id: string; readonly window: NightWindow }>): void {
    for (const { id, window } of databases) {
      const key = windowKey(window);
      let ids = this.databasesByKey.get(key);
      if (!ids) {
        ids = [];
        this.databasesByKey.set(key, ids);
        this.byKey.set(key, this.scheduleOf(key, window, ids));
      }
      ids.push(id);
      if (ids.length > MAX_WINDOW_DATABASES) {
        throw new Error(
          `${this.node.path}: window ${key} has ${ids.length} databases; allowed: at most ${MAX_WINDOW_DATABASES} per window`,
        );
      }
    }
  }

  private scheduleOf(key: string, window: NightWindow, ids: readonly string[]): Schedule {
    const launcher = this.launcherOf();
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
    const input = ScheduleTargetInput.fromText(
      Lazy.string({
        produce: () => {
          const value: StartWindowInput = {
            window,
            // Sorted: the same fleet gives the same template, whatever the order databases were added in.
            databases: [...ids].sort(),
            scheduledTime: ContextAttribute.scheduledTime,
          };
          const text = JSON.stringify(value);
          if (text.length > MAX_WINDOW_INPUT_CHARS) {
            throw new Error(
              `${this.node.path}: the input of window ${key} has ${text.length} characters; allowed: ${MAX_WINDOW_INPUT_CHARS}`,
            );
          }
          return text;
        },
      }),
    );
    return new Schedule(this, `Window${hash}`, {
      scheduleName: `${this.props.namePrefix}-window_${hash}`,
      description: `Starts the night window ${key} of ords-datapump-backup`,
      scheduleGroup: this.props.group,
      schedule: ScheduleExpression.expression(`cron(${windowCron(window)})`, TimeZone.of(window.timeZone)),
      timeWindow: TimeWindow.off(),
      target: new InvokeWindowLauncher(launcher.function, {
        role: launcher.role,
        input,
        retryAttempts: 10,
        // Never later than the shortest window closes; the function refuses a closed window anyway.
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.props.missedRuns,
      }),
    });
  }
}

/** The `LambdaInvoke` target granting only the unqualified function (no `<arn>:*` wildcard). */
class InvokeWindowLauncher extends ScheduleTargetBase {
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
