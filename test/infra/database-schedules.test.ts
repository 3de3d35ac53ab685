import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBinding } from '../../functions/core/run/binding.js';
import { ExecutionInputSchema } from '../../functions/core/state/index.js';
import type { OrdsDatapumpBackupDatabases } from '../../infra/ords-datapump-backup-databases.js';
import {
  actionsOf,
  configOf,
  crossStackReferenceTo,
  type Json,
  logicalIdOf,
  resourcesOf,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

const DATABASES = [
  {
    id: 'orders',
    ordsUrl: 'https://db.example.com:8443/ords/pdb1/dbapi_user',
    secret: 'prod/ords/orders',
    export: { jobMode: 'SCHEMA', schemas: ['HR'], threads: 2 },
    prefix: 'oracle/',
  },
  {
    id: 'warehouse',
    ordsUrl: 'https://dwh.example.com/ords/dwh/backup/',
    secret: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:prod/ords/warehouse-AbC123',
    schedule: { cron: '30 1 ? * SUN *', timeZone: 'Europe/Berlin' },
    export: { jobMode: 'FULL' },
    pollIntervalSeconds: 120,
    timeoutHours: 20,
    acceptCompletedWithErrors: true,
    onRunningExport: 'adopt',
    recordSha256: true,
  },
  { id: 'retired', ordsUrl: 'https://old.example.com/ords/x/', secret: 'prod/ords/retired', enabled: false },
];

describe('DatabaseSchedules', () => {
  let synthesized: Synthesized;
  let stack: OrdsDatapumpBackupDatabases;
  let schedules: Array<{ id: string; properties: Json }>;
  beforeAll(() => {
    synthesized = synthesize(configOf({ databases: DATABASES }));
    stack = synthesized.built.databaseSlices[0]!;
    schedules = Object.entries(synthesized.templateOf(stack).findResources('AWS::Scheduler::Schedule')).map(
      ([id, resource]) => ({
        id,
        properties: resource.Properties,
      }),
    );
  });
  afterAll(() => synthesized.cleanup());

  const scheduleOf = (database: string) => {
    const schedule = stack.schedules.schedules.get(database)!;
    return schedules.find((found) => found.id === logicalIdOf(schedule))!.properties;
  };

  it('creates one schedule per enabled database and none for a disabled one', () => {
    expect(schedules).toHaveLength(2);
    expect([...stack.schedules.schedules.keys()]).toEqual(['orders', 'warehouse']);
  });

  it('runs nightly at 02:00 UTC by default', () => {
    expect(scheduleOf('orders')).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
  });

  it('uses the configured cron expression and time zone', () => {
    expect(scheduleOf('warehouse')).toMatchObject({
      ScheduleExpression: 'cron(30 1 ? * SUN *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
  });

  it('retries invoking the launcher for at most an hour, then sends the run to the missed-runs queue', () => {
    const queue = crossStackReferenceTo(synthesized.built.backup.launcher.deadLetterQueue);
    for (const { properties } of schedules) {
      expect(properties.Target.RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: 3600,
        MaximumRetryAttempts: 10,
      });
      expect(properties.Target.DeadLetterConfig).toEqual({ Arn: queue });
    }
  });

  it('invokes the launcher with only the database and the scheduled time', () => {
    // GIVEN the schedule of orders; THEN no URL, secret, prefix or setting travels in its input
    const target = scheduleOf('orders').Target;

    expect(JSON.parse(target.Input)).toEqual({
      database: 'orders',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(target.Arn).toEqual(crossStackReferenceTo(synthesized.built.backup.launcher.function));
    expect(
      ExecutionInputSchema.safeParse({ database: 'orders', scheduledTime: '2026-12-01T02:00:00Z' }).success,
    ).toBe(true);
  });

  it("binds each enabled database's URL, secret, prefix and settings in its parameter, in the shape the handlers parse", () => {
    const parameters = synthesized.templateOf(stack).findResources('AWS::SSM::Parameter');
    const byName = new Map(
      Object.values(parameters).map((resource) => [resource.Properties.Name, resource.Properties]),
    );

    expect([...byName.keys()].sort()).toEqual([
      '/ords-datapump-backup/databases/orders',
      '/ords-datapump-backup/databases/warehouse',
    ]);
    const orders = JSON.parse(byName.get('/ords-datapump-backup/databases/orders')!.Value);
    expect(parseBinding('orders', 'p', JSON.stringify(orders))).toMatchObject({
      ordsUrl: 'https://db.example.com:8443/ords/pdb1/dbapi_user/',
      secretId: 'prod/ords/orders',
      prefix: 'oracle/',
      export: { jobMode: 'SCHEMA', schemas: ['HR'], threads: 2, datapumpDir: 'DATA_PUMP_DIR' },
      pollSeconds: 60,
      timeoutSeconds: 43_200,
      serverCleanup: 'files-and-control-table',
      autonomousDatabase: false,
      recordSha256: false,
    });
    expect(orders).toMatchObject({ serverCleanup: 'files-and-control-table', autonomousDatabase: false });
    const input = JSON.parse(byName.get('/ords-datapump-backup/databases/warehouse')!.Value);
    expect(byName.get('/ords-datapump-backup/databases/warehouse')!.Type).toBe('String');
    expect(input).toMatchObject({
      secretId: DATABASES[1]!.secret,
      export: { jobMode: 'FULL' },
      pollSeconds: 120,
      timeoutSeconds: 72_000,
      acceptCompletedWithErrors: true,
      onRunningExport: 'adopt',
      recordSha256: true,
    });
  });

  it('puts no URL and no secret id in any schedule input', () => {
    for (const { properties } of schedules) {
      const input = JSON.parse(properties.Target.Input);

      expect(Object.keys(input).sort()).toEqual(['database', 'scheduledTime']);
      expect(properties.Target.Input).not.toMatch(/https?:|secret|prod\/ords/);
    }
  });

  it('lets the scheduler role only invoke the launcher and send to the missed-runs queue', () => {
    const { built } = synthesized;
    const roleId = logicalIdOf(stack.schedules.role);
    const statements = statementsOfRole(synthesized.jsonOf(stack), roleId);

    expect(statements.flatMap(actionsOf).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    const invoke = statements.filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoke.flatMap(resourcesOf))).toContain(
      logicalIdOf(built.backup.launcher.function),
    );
    const send = statements.filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
    expect(send.flatMap(resourcesOf)).toEqual([crossStackReferenceTo(built.backup.launcher.deadLetterQueue)]);
    for (const { properties } of schedules) {
      expect(properties.Target.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    }
  });

  it("alarms on the schedule group's dropped invocations and those the dead-letter queue did not take", () => {
    const { scheduleGroup } = synthesized.built.backup;
    const json = synthesized.jsonOf(scheduleGroup);
    const groupName = json.Resources[logicalIdOf(scheduleGroup.group)]!.Properties.Name;
    const alarms = scheduleGroup.alarms.map((alarm) => json.Resources[logicalIdOf(alarm)]!.Properties);
    const topic = { Ref: logicalIdOf(synthesized.built.backup.alerts.topic) };

    expect(alarms.map((alarm) => alarm.MetricName).sort()).toEqual([
      'InvocationDroppedCount',
      'InvocationsFailedToBeSentToDeadLetterCount',
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Scheduler',
        Dimensions: [{ Name: 'ScheduleGroup', Value: groupName }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topic],
      });
    }
  });

  it('lets only EventBridge Scheduler of this account and schedule group assume the role', () => {
    const json = synthesized.jsonOf(stack);
    const trust = json.Resources[logicalIdOf(stack.schedules.role)]!.Properties.AssumeRolePolicyDocument;

    expect(trust.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': crossStackReferenceTo(synthesized.built.backup.scheduleGroup.group),
          },
        },
      },
    ]);
  });
});
