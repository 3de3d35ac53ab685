import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOf, type Json, type Synthesized, synthesize } from './synth.js';

const database = (id: string, settings: Record<string, unknown> = {}) => ({
  id,
  ordsUrl: `https://${id}.example.com/ords/hr/`,
  secret: `prod/ords/${id}`,
  ...settings,
});

/** The ServerCleanupFailed alarms of every stack of the app. */
function cleanupAlarms(synthesized: Synthesized): Json[] {
  return [...synthesized.jsons.values()].flatMap((json) =>
    Object.values(json.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::CloudWatch::Alarm' &&
        resource.Properties.MetricName === 'ServerCleanupFailed',
    ),
  );
}

describe('ServerCleanupAlarms', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    // GIVEN databases that clean up (by default or with "files"), one that does not, one disabled
    synthesized = synthesize(
      configOf({
        databases: [
          database('orders'),
          database('adb', { serverCleanup: 'files', autonomousDatabase: true }),
          database('keeper', { serverCleanup: 'off' }),
          database('retired', { enabled: false }),
        ],
      }),
    );
  });
  afterAll(() => synthesized.cleanup());

  it('creates one alarm per enabled database that cleans up, in its database stack, on its own metric', () => {
    const alarms = cleanupAlarms(synthesized);
    const slice = synthesized.jsonOf(synthesized.built.databaseSlices[0]!);

    expect(alarms.map((alarm) => alarm.Properties.AlarmName).sort()).toEqual([
      'ords-datapump-backup-adb-server-cleanup-failed',
      'ords-datapump-backup-orders-server-cleanup-failed',
    ]);
    for (const alarm of alarms) {
      expect(Object.values(slice.Resources)).toContain(alarm);
      const database = String(alarm.Properties.AlarmName).split('-').at(-4);
      expect(alarm.Properties.Dimensions).toHaveLength(2);
      expect(alarm.Properties).toMatchObject({
        Namespace: 'OrdsDatapumpBackup',
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: 'ords-datapump-backup' },
          { Name: 'Database', Value: database },
        ]),
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('names its database, notifies the alert topic and says how to enable REST-enabled SQL, the grants and how to turn cleanup off', () => {
    const alarm = cleanupAlarms(synthesized).find(
      (candidate) => candidate.Properties.AlarmName === 'ords-datapump-backup-orders-server-cleanup-failed',
    );

    expect(alarm!.Properties.AlarmActions).toHaveLength(1);
    expect(alarm!.Properties.OKActions).toEqual(alarm!.Properties.AlarmActions);
    expect(alarm!.Properties.AlarmDescription).toContain('database "orders"');
    expect(alarm!.Properties.AlarmDescription).toContain('Backup complete, cleanup failed');
    expect(alarm!.Properties.AlarmDescription).toContain('restEnabledSql.active');
    expect(alarm!.Properties.AlarmDescription).toContain('READ and WRITE');
    expect(alarm!.Properties.AlarmDescription).toContain('"serverCleanup": "off" for "orders"');
  });

  it('creates no cleanup alarm when no enabled database cleans up', () => {
    const none = synthesize(
      configOf({
        databases: [database('keeper', { serverCleanup: 'off' }), database('retired', { enabled: false })],
      }),
    );
    try {
      expect(cleanupAlarms(none)).toEqual([]);
    } finally {
      none.cleanup();
    }
  });

  it('binds each database with its cleanup settings', () => {
    const stack = synthesized.built.databaseSlices[0]!;
    const values = Object.values(synthesized.jsonOf(stack).Resources)
      .filter((resource) => resource.Type === 'AWS::SSM::Parameter')
      .map((resource) => JSON.parse(resource.Properties.Value));

    expect(
      values
        .map(({ database, serverCleanup, autonomousDatabase }) => [
          database,
          serverCleanup,
          autonomousDatabase,
        ])
        .sort(),
    ).toEqual([
      ['adb', 'files', true],
      ['keeper', 'off', false],
      ['orders', 'files-and-control-table', false],
    ]);
  });
});
