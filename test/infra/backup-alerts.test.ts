import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupAlerts } from '../../infra/constructs/backup-alerts.js';
import {
  actionsOf,
  configOf,
  logicalIdOf,
  resourcesOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

const ORDERS = { id: 'orders', ordsUrl: 'https://db.example.com/ords/hr/', secret: 'prod/ords/orders' };
const EXISTING_TOPIC = 'arn:aws:sns:eu-central-1:123456789012:dba-alerts';

describe('BackupAlerts', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        alerts: { emails: ['dba-oncall@example.com', 'backup-team@example.com'] },
        databases: [ORDERS],
      }),
    );
  });
  afterAll(() => synthesized.cleanup());

  const ids = () => {
    const { alerts, stateMachine } = synthesized.built.backup;
    return {
      topic: logicalIdOf(alerts.topic),
      notifier: logicalIdOf(alerts.notifier),
      queue: logicalIdOf(alerts.deadLetterQueue),
      stateMachine: logicalIdOf(stateMachine),
    };
  };

  it('creates a topic encrypted with its own rotating key that accepts TLS only', () => {
    const { template, json } = synthesized;
    const topic = json.Resources[ids().topic]!;
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;

    expect(json.Resources[keyId]).toMatchObject({
      Type: 'AWS::KMS::Key',
      Properties: { EnableKeyRotation: true },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ids().topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it("lets this account's CloudWatch alarms publish to the topic and use its key", () => {
    const { template, json } = synthesized;
    const keyId = json.Resources[ids().topic]!.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
    const fromCloudWatch = Match.objectLike({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([fromCloudWatch]) },
    });
    const keyStatements = json.Resources[keyId]!.Properties.KeyPolicy.Statement as Array<{
      Principal: unknown;
      Action: string[];
    }>;
    expect(keyStatements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it("sends this state machine's failed, timed-out and aborted executions to the notifier", () => {
    const { template } = synthesized;
    const { notifier, queue, stateMachine } = ids();

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: stateMachine }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [notifier, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
        }),
      ],
    });
  });

  it('gives the notifier the topic, a dead-letter queue and only the right to publish there', () => {
    const { json } = synthesized;
    const { notifier, topic, queue } = ids();
    const fn = json.Resources[notifier]!.Properties;
    const statements = statementsOfRole(json, roleOfFunction(json, notifier));
    const publish = statements.filter((statement) => actionsOf(statement).includes('sns:Publish'));

    expect(fn.Environment.Variables.TOPIC_ARN).toEqual({ Ref: topic });
    expect(fn.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queue, 'Arn'] } });
    expect(publish.flatMap(resourcesOf)).toEqual([{ Ref: topic }]);
    expect(statements.flatMap(actionsOf).filter((action) => action.startsWith('s3:'))).toEqual([]);
    expect(statements.flatMap(actionsOf).filter((action) => action.startsWith('secretsmanager:'))).toEqual(
      [],
    );
  });

  it('subscribes each configured e-mail address, with the dead-letter queue for undeliverable mail', () => {
    const subscriptions = Object.values(synthesized.template.findResources('AWS::SNS::Subscription'));

    expect(subscriptions.map((subscription) => subscription.Properties.Endpoint).sort()).toEqual([
      'backup-team@example.com',
      'dba-oncall@example.com',
    ]);
    for (const subscription of subscriptions) {
      expect(subscription.Properties).toMatchObject({
        Protocol: 'email',
        TopicArn: { Ref: ids().topic },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids().queue, 'Arn'] } },
      });
    }
  });

  it('alarms on the topic when an alert waits in the dead-letter queue', () => {
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids().queue, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: ids().topic }],
    });
  });

  it('publishes to an existing topic without creating one or subscribing anyone', () => {
    const existing = synthesize(
      configOf({ alerts: { existingTopicArn: EXISTING_TOPIC }, databases: [ORDERS] }),
    );
    try {
      const { template, json, built } = existing;
      const notifier = logicalIdOf(built.backup.alerts.notifier);
      const publish = statementsOfRole(json, roleOfFunction(json, notifier)).filter((statement) =>
        actionsOf(statement).includes('sns:Publish'),
      );

      template.resourceCountIs('AWS::SNS::Topic', 0);
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      expect(json.Resources[notifier]!.Properties.Environment.Variables.TOPIC_ARN).toBe(EXISTING_TOPIC);
      expect(publish.flatMap(resourcesOf)).toEqual([EXISTING_TOPIC]);
    } finally {
      existing.cleanup();
    }
  });

  it('fails with an e-mail address that is not one', () => {
    const stack = new Stack(new App(), 'Test');
    const stateMachine = new StateMachine(stack, 'Machine', {
      definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Pass')),
    });

    expect(() => new BackupAlerts(stack, 'Alerts', { stateMachine, emails: ['dba-oncall'] })).toThrow(
      'Test/Alerts: emails must be e-mail addresses, got "dba-oncall"',
    );
  });
});
