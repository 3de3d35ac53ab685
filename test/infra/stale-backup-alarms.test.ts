import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { StaleBackupAlarms } from '../../infra/constructs/stale-backup-alarms.js';
import type { OrdsDatapumpBackupDatabases } from '../../infra/ords-datapump-backup-databases.js';
import {
  configOf,
  crossStackReferenceTo,
  exampleConfig,
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
  let stack: OrdsDatapumpBackupDatabases;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        databases: [
          database('orders'),
          database('billing', { staleAfterHours: 50 }),
          database('retired', { enabled: false }),
          database('weekly', { schedule: { cron: '0 3 ? * SUN *' } }),
          database('monthly', { schedule: { cron: '0 3 1 * ? *' }, timeoutHours: 6 }),
          database('first-sunday', { schedule: { cron: '0 3 ? * 1#1 *' } }),
        ],
      }),
    );
    stack = synthesized.built.databaseSlices[0]!;
  });
  afterAll(() => synthesized.cleanup());

  const alarmOf = (id: string): Json =>
    synthesized.jsonOf(stack).Resources[logicalIdOf(stack.alarms.alarms.get(id)!)]!.Properties;

  it('creates one alarm per enabled database, whatever its cadence, and none for a disabled one', () => {
    expect([...stack.alarms.alarms.keys()]).toEqual([
      'orders',
      'billing',
      'weekly',
      'monthly',
      'first-sunday',
    ]);
  });

  it('alarms when the hourly maximum of HoursSinceLastBackup is above staleAfterHours twice in a row', () => {
    expect(alarmOf('billing')).toMatchObject({
      Namespace: 'OrdsDatapumpBackup',
      MetricName: 'HoursSinceLastBackup',
      Statistic: 'Maximum',
      Period: 3600,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 50,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('derives the default limit from the cadence plus the export timeout plus 2 hours', () => {
    // Nightly: 24 + 12 + 2; weekly: 168 + 12 + 2; monthly: 31 days + 6 + 2; 1st Sunday: 5 weeks + 12 + 2.
    expect(alarmOf('orders').Threshold).toBe(38);
    expect(alarmOf('weekly').Threshold).toBe(182);
    expect(alarmOf('monthly').Threshold).toBe(31 * 24 + 8);
    expect(alarmOf('first-sunday').Threshold).toBe(35 * 24 + 14);
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

  it('treats missing data as breaching, so a stopped age check or a backup that never ran alarms too', () => {
    for (const id of stack.alarms.alarms.keys()) expect(alarmOf(id).TreatMissingData, id).toBe('breaching');
  });

  it('notifies the alert topic when it goes off and when it recovers', () => {
    const topic = crossStackReferenceTo(synthesized.built.backup.alerts.topic);

    expect(alarmOf('orders').AlarmActions).toEqual([topic]);
    expect(alarmOf('orders').OKActions).toEqual([topic]);
    expect(alarmOf('orders').AlarmDescription).toContain('last verified backup of database "orders"');
  });

  it('fails with a limit that is not whole hours', () => {
    const { app, cleanup } = newApp();
    try {
      const { main, backup } = buildApp(app, configOf({ databases: [database('orders')] }));

      expect(
        () =>
          new StaleBackupAlarms(main, 'Alarms', {
            limits: [{ id: 'orders', staleAfter: Duration.minutes(90) }],
            topic: backup.alerts.topic,
          }),
      ).toThrow(
        'OrdsDatapumpBackup/Alarms: database "orders": staleAfter must be whole hours, at least 1, got 1 hour 30 minutes',
      );
    } finally {
      cleanup();
    }
  });
});

describe('stale-backup alarms of config/example.json', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
  });
  afterAll(() => synthesized.cleanup());

  it('gives every enabled database, weekly warehouse included, an alarm that treats missing data as breaching', () => {
    const enabled = exampleConfig().databases.filter((db) => db.enabled);
    for (const db of enabled) {
      const stack = synthesized.built.databaseSliceOf(db.id)!;
      const alarm = stack.alarms.alarms.get(db.id);

      expect(alarm, db.id).toBeDefined();
      const properties = synthesized.jsonOf(stack).Resources[logicalIdOf(alarm!)]!.Properties;
      expect(properties, db.id).toMatchObject({
        MetricName: 'HoursSinceLastBackup',
        TreatMissingData: 'breaching',
      });
    }
    expect(enabled.map((db) => db.id)).toContain('warehouse');
  });
});
