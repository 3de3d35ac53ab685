import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import type { DatabaseConfig } from '../../infra/config.js';
import { StaleBackupAlarms } from '../../infra/constructs/stale-backup-alarms.js';
import type { DatabaseStack } from '../../infra/database-stack.js';
import {
  configOf,
  crossStackReferenceTo,
  type Json,
  logicalIdOf,
  newApp,
  type Synthesized,
  synthesize,
} from './synth.js';

const database = (id: string, settings: Record<string, unknown> = {}) => ({
  id,
  ordsUrl: `https://${id}.example.com/ords/hr/`,
  secret: `prod/ords/${id}`,
  ...settings,
});

describe('StaleBackupAlarms', () => {
  let synthesized: Synthesized;
  let stack: DatabaseStack;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        defaults: { staleAfterHours: 30 },
        databases: [
          database('orders'),
          database('billing', { staleAfterHours: 50 }),
          database('retired', { enabled: false }),
          database('weekly', { schedule: { cron: '0 3 ? * SUN *' }, staleAfterHours: 0 }),
        ],
      }),
    );
    stack = synthesized.built.databaseStacks[0]!;
  });
  afterAll(() => synthesized.cleanup());

  const alarmOf = (id: string): Json =>
    synthesized.jsonOf(stack).Resources[logicalIdOf(stack.alarms.alarms.get(id)!)]!.Properties;

  it('creates one alarm per enabled database, none for a disabled one or one with staleAfterHours 0', () => {
    expect([...stack.alarms.alarms.keys()]).toEqual(['orders', 'billing']);
    synthesized.templateOf(stack).resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  it('alarms when the hourly sum of BackupSucceeded stayed below 1 for staleAfterHours hours', () => {
    expect(alarmOf('orders')).toMatchObject({
      Namespace: 'OrdsDatapumpBackup',
      MetricName: 'BackupSucceeded',
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 30,
      DatapointsToAlarm: 30,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    });
    expect(alarmOf('billing')).toMatchObject({ EvaluationPeriods: 50, DatapointsToAlarm: 50 });
  });

  it('reads the metric with the dimensions Powertools Metrics writes: service and Database', () => {
    expect(alarmOf('orders').Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'service', Value: 'ords-datapump-backup' },
        { Name: 'Database', Value: 'orders' },
      ]),
    );
    expect(alarmOf('orders').Dimensions).toHaveLength(2);
  });

  it('treats missing data as breaching, so a backup that never ran alarms too', () => {
    expect(alarmOf('orders').TreatMissingData).toBe('breaching');
  });

  it('notifies the alert topic when it goes off and when it recovers', () => {
    const topic = crossStackReferenceTo(synthesized.built.main.alerts.topic);

    expect(alarmOf('orders').AlarmActions).toEqual([topic]);
    expect(alarmOf('orders').OKActions).toEqual([topic]);
    expect(alarmOf('orders').AlarmDescription).toContain('no successful backup of database "orders"');
  });

  it('fails when staleAfterHours exceeds the 7 days CloudWatch evaluates', () => {
    const { app, cleanup } = newApp();
    try {
      const { main } = buildApp(app, configOf({ databases: [database('orders')] }));
      const tooLong = {
        ...configOf({ databases: [database('orders')] }).databases[0]!,
        staleAfterHours: 169,
      };

      expect(
        () =>
          new StaleBackupAlarms(main, 'Alarms', {
            databases: [tooLong as DatabaseConfig],
            topic: main.alerts.topic,
          }),
      ).toThrow(
        'OrdsDatapumpBackup/Alarms: database "orders": staleAfterHours must be a whole number from 0 to 168 (CloudWatch evaluates at most 7 days), got 169',
      );
    } finally {
      cleanup();
    }
  });
});
