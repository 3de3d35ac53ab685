import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Function as HandlerFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SERVICE_NAME } from '../../functions/shared/metrics.js';
import { backupFunction } from './backup-function.js';

/** Properties of `RunLauncher`. */
export interface RunLauncherProps {
  /** The backup state machine the launcher starts. */
  readonly stateMachine: IStateMachine;
  /** Where the alarm on the missed-runs queue notifies. */
  readonly topic: ITopic;
  /**
   * How often Lambda retries an asynchronous invocation of the launcher that failed (Step Functions
   * unavailable, throttled). 0 to 2.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long Lambda keeps trying to run an invocation before it goes to the queue; 1 minute to 6 hours.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * How long the launcher's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * Name prefix of the alarm (`<prefix>-missed-runs`) and the launcher's service name.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
}

/**
 * The path from a schedule to an execution: the "Start run" function, which every schedule invokes
 * and which starts the backup execution under a name made from the database and the scheduled time
 * (a duplicate delivery is refused by Step Functions), and the missed-runs queue. A run that could
 * not be started — the Scheduler gave up invoking the launcher, or the launcher gave up starting
 * the execution — lands in that queue, whose alarm notifies the alert topic: no schedule vanishes.
 */
export class RunLauncher extends Construct {
  /** The "Start run" function the schedules invoke. */
  readonly function: HandlerFunction;
  /** Runs that could not be started, kept 14 days; the schedules' dead-letter queue too. */
  readonly deadLetterQueue: Queue;
  /** Goes off when a run waits in the queue. */
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: RunLauncherProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    const namePrefix = props.namePrefix ?? SERVICE_NAME;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 2) {
      throw new Error(
        `${this.node.path}: retryAttempts must be 0, 1 or 2 (Lambda's limit), got ${retryAttempts}`,
      );
    }
    const ageSeconds = maxEventAge.toSeconds();
    if (ageSeconds < 60 || ageSeconds > 21_600) {
      throw new Error(
        `${this.node.path}: maxEventAge must be from 1 minute to 6 hours (Lambda's limit), got ${maxEventAge.toHumanString()}`,
      );
    }

    this.deadLetterQueue = new Queue(this, 'MissedRuns', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const nagId of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id: nagId,
        reason:
          'This queue is the dead-letter queue of the schedules and the launcher; it has an alarm of its own.',
      });
    }

    this.function = backupFunction(
      this,
      {
        id: 'StartRun',
        entry: 'start-run.ts',
        description:
          'Starts the backup execution of one scheduled run, named after the database and the time',
        memorySize: 256,
        timeout: Duration.seconds(30),
        environment: { STATE_MACHINE_ARN: props.stateMachine.stateMachineArn },
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts,
        maxEventAge,
      },
      { logRetention, serviceName: namePrefix },
    );
    props.stateMachine.grantStartExecution(this.function);
    const invokeConfig = this.function.node.tryFindChild('EventInvokeConfig');
    if (invokeConfig) {
      Validations.of(invokeConfig).acknowledge({
        id: 'Serverless-LambdaAsyncFailureDestination',
        reason:
          "Failed invocations go to the function's dead-letter queue, which keeps the schedule's own input.",
      });
    }

    this.alarm = new Alarm(this, 'MissedRunsAlarm', {
      alarmName: `${namePrefix}-missed-runs`,
      alarmDescription:
        'ords-datapump-backup: a scheduled backup could not be started and waits in the missed-runs queue; ' +
        'each message names the database and the scheduled time: start that run by hand (see the runbook, docs/operations.md)',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.topic));
  }
}
