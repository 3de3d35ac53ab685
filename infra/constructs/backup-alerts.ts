import { Aws, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as HandlerFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALERTING_STATUSES, EXECUTION_STATUS_CHANGE } from '../../functions/core/run/index.js';
import { SERVICE_NAME } from '../../functions/shared/metrics.js';
import { backupFunction } from './backup-function.js';

/** Properties of `BackupAlerts`. */
export interface BackupAlertsProps {
  /** The backup state machine whose failed, timed-out and aborted executions alert. */
  readonly stateMachine: IStateMachine;
  /**
   * An existing SNS standard topic to alert. Its owner must let CloudWatch alarms publish to it (and
   * use its KMS key, if it has a customer-managed one); the notifier function is granted here.
   * @default - a new topic, encrypted with a new customer-managed key, TLS only
   */
  readonly topic?: ITopic;
  /**
   * E-mail addresses subscribed to the topic. Each receives a confirmation mail first.
   * @default - none
   */
  readonly emails?: readonly string[];
  /**
   * How long the notifier function's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * Name prefix of the alarm (`<prefix>-undelivered-alerts`) and the notifier's service name.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
}

/**
 * Alerts of the backups: the SNS topic (new, or an existing one), its e-mail subscriptions, and the
 * path that tells it about every failed, timed-out or aborted execution — an EventBridge rule on
 * the state machine's "Execution Status Change" events invoking the notifier function, which
 * records BackupSucceeded = 0 and publishes a readable alert. Alerts that cannot be delivered
 * (rule target, function, e-mail) land in a dead-letter queue, which has its own alarm.
 */
export class BackupAlerts extends Construct {
  /** The topic alarms and the notifier publish to. */
  readonly topic: ITopic;
  /** The EventBridge rule matching this state machine's failed, timed-out and aborted executions. */
  readonly rule: Rule;
  /** The function that turns an execution status change into an alert. */
  readonly notifier: HandlerFunction;
  /** Where undeliverable alerts are kept for 14 days. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: BackupAlertsProps) {
    super(scope, id);
    const emails = props.emails ?? [];
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    const namePrefix = props.namePrefix ?? SERVICE_NAME;

    for (const email of emails) {
      if (!Token.isUnresolved(email) && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
        throw new Error(`${this.node.path}: emails must be e-mail addresses, got "${email}"`);
      }
    }

    this.topic = props.topic ?? this.createTopic(namePrefix);

    this.deadLetterQueue = new Queue(this, 'Undelivered', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id,
        reason: 'This queue is the dead-letter queue of the alert path; it has an alarm of its own.',
      });
    }

    for (const email of emails) {
      this.topic.addSubscription(new EmailSubscription(email, { deadLetterQueue: this.deadLetterQueue }));
    }

    this.notifier = backupFunction(
      this,
      {
        id: 'NotifyFailure',
        entry: 'notify-failure.ts',
        description: 'Publishes an alert for a failed, timed-out or aborted backup and records its metric',
        memorySize: 256,
        timeout: Duration.seconds(30),
        environment: { TOPIC_ARN: this.topic.topicArn },
        deadLetterQueue: this.deadLetterQueue,
      },
      { logRetention, serviceName: namePrefix },
    );
    this.topic.grantPublish(this.notifier);
    if (!props.topic) {
      Validations.of(this.notifier.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "GenerateDataKey* on the topic's own key only: what SNS needs to encrypt a published message.",
      });
    }

    this.rule = new Rule(this, 'FailedExecutions', {
      description: 'Failed, timed-out and aborted ords-datapump-backup executions',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: {
          stateMachineArn: [props.stateMachine.stateMachineArn],
          status: [...ALERTING_STATUSES],
        },
      },
      targets: [
        new LambdaFunction(this.notifier, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: Duration.hours(24),
          retryAttempts: 10,
        }),
      ],
    });

    const undelivered = new Alarm(this, 'UndeliveredAlarm', {
      alarmName: `${namePrefix}-undelivered-alerts`,
      alarmDescription:
        'ords-datapump-backup: an alert could not be delivered and waits in the dead-letter queue; ' +
        'read it there and check the notifier function and the topic',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    undelivered.addAlarmAction(new SnsAction(this.topic));
  }

  /**
   * A new topic encrypted with its own customer-managed key: the AWS managed key `alias/aws/sns`
   * cannot be used by CloudWatch alarms (its key policy cannot be changed), a key of our own can.
   */
  private createTopic(namePrefix: string): Topic {
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts the ords-datapump-backup alert topic',
      enableKeyRotation: true,
      // Messages are not kept once delivered: nothing stays encrypted with this key.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const topic = new Topic(this, 'Topic', {
      displayName: `${namePrefix} alerts`,
      masterKey: key,
      enforceSSL: true,
    });
    // CloudWatch alarms of this account publish (stale backups, undelivered alerts).
    topic.grantPublish(
      new ServicePrincipal('cloudwatch.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    return topic;
  }
}
