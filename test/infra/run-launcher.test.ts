import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { RunLauncher } from '../../infra/constructs/run-launcher.js';
import type { OrdsDatapumpBackup } from '../../infra/ords-datapump-backup.js';
import {
  actionsOf,
  configOf,
  exampleConfig,
  logicalIdOf,
  newApp,
  resourcesOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

describe('RunLauncher', () => {
  let synthesized: Synthesized;
  let main: OrdsDatapumpBackup;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
    main = synthesized.built.backup;
  });
  afterAll(() => synthesized.cleanup());

  const launcherProps = () => synthesized.json.Resources[logicalIdOf(main.launcher.function)]!.Properties;

  it('gives the launcher the state machine to start and nothing else to reach', () => {
    expect(launcherProps().Environment.Variables).toMatchObject({
      STATE_MACHINE_ARN: { Ref: logicalIdOf(main.stateMachine) },
    });
    expect(launcherProps().Handler).toBe('index.handler');
  });

  it('lets the launcher only start executions of the backup state machine and fill its queue', () => {
    const { json } = synthesized;
    const statements = statementsOfRole(json, roleOfFunction(json, logicalIdOf(main.launcher.function)));
    const nonLogging = statements.filter((statement) =>
      actionsOf(statement).every((action) => !action.startsWith('logs:') && !action.startsWith('xray:')),
    );

    const byAction = Object.fromEntries(
      nonLogging.map((statement) => [actionsOf(statement).join(','), resourcesOf(statement)]),
    );

    expect(byAction).toEqual({
      'states:StartExecution': [{ Ref: logicalIdOf(main.stateMachine) }],
      'sqs:SendMessage': [{ 'Fn::GetAtt': [logicalIdOf(main.launcher.deadLetterQueue), 'Arn'] }],
    });
  });

  it('retries a failed asynchronous invocation twice within an hour, then keeps it in the missed-runs queue', () => {
    const queueArn = { 'Fn::GetAtt': [logicalIdOf(main.launcher.deadLetterQueue), 'Arn'] };
    const config = Object.values(synthesized.template.findResources('AWS::Lambda::EventInvokeConfig'));

    expect(launcherProps().DeadLetterConfig).toEqual({ TargetArn: queueArn });
    expect(config.map((resource) => resource.Properties)).toEqual([
      expect.objectContaining({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 }),
    ]);
  });

  it('keeps missed runs 14 days in an encrypted queue that accepts TLS only', () => {
    const { json } = synthesized;
    const queue = json.Resources[logicalIdOf(main.launcher.deadLetterQueue)]!.Properties;
    const policy = Object.values(json.Resources).find(
      (resource) =>
        resource.Type === 'AWS::SQS::QueuePolicy' &&
        JSON.stringify(resource.Properties.Queues).includes(logicalIdOf(main.launcher.deadLetterQueue)),
    )!;

    expect(queue).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    );
  });

  it('alarms on the alert topic as soon as one missed run waits in the queue', () => {
    const alarm = synthesized.json.Resources[logicalIdOf(main.launcher.alarm)]!.Properties;

    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalIdOf(main.launcher.deadLetterQueue), 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalIdOf(main.alerts.topic) }],
    });
  });

  it('fails with more than the 2 retries Lambda allows', () => {
    const { app, cleanup } = newApp();
    try {
      const built = buildApp(
        app,
        configOf({
          databases: [
            { id: 'orders', ordsUrl: 'https://db.example.com/ords/hr/', secret: 'prod/ords/orders' },
          ],
        }),
      );

      expect(
        () =>
          new RunLauncher(built.main, 'Other', {
            stateMachine: built.backup.stateMachine,
            topic: built.backup.alerts.topic,
            retryAttempts: 3,
          }),
      ).toThrow("OrdsDatapumpBackup/Other: retryAttempts must be 0, 1 or 2 (Lambda's limit), got 3");
    } finally {
      cleanup();
    }
  });
});
