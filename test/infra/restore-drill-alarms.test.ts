import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrdsDatapumpBackupDatabases } from '../../infra/ords-datapump-backup-databases.js';
import { configOf, exampleConfig, type Json, logicalIdOf, type Synthesized, synthesize } from './synth.js';

const database = (id: string, settings: Record<string, unknown> = {}) => ({
  id,
  ordsUrl: `https://${id}.example.com/ords/hr/`,
  secret: `prod/ords/${id}`,
  export: { jobMode: 'SCHEMA', schemas: ['HR'] },
  ...settings,
});
const drill = { schedule: { cron: '0 2 ? * SUN *' }, targetSchema: 'HR_DRILL' };

describe('RestoreDrillAlarms', () => {
  let synthesized: Synthesized;
  let slice: OrdsDatapumpBackupDatabases;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        databases: [
          database('orders', { restoreDrill: drill }),
          database('billing'),
          database('retired', { enabled: false, restoreDrill: drill }),
        ],
      }),
    );
    slice = synthesized.built.databaseSlices[0]!;
  });
  afterAll(() => synthesized.cleanup());

  const propertiesOf = (alarm: unknown): Json =>
    synthesized.jsonOf(synthesized.built.databaseStacks[0]!).Resources[logicalIdOf(alarm as never)]!
      .Properties;

  it('gives a database with a restore drill both alarms, and one without none', () => {
    expect([...slice.drillAlarms.failed.keys()]).toEqual(['orders']);
    expect([...slice.drillAlarms.overdue.keys()]).toEqual(['orders']);
  });

  it('alarms when a drill failed: RestoreDrillSucceeded below 1', () => {
    expect(propertiesOf(slice.drillAlarms.failed.get('orders'))).toMatchObject({
      Namespace: 'OrdsDatapumpBackup',
      MetricName: 'RestoreDrillSucceeded',
      Dimensions: expect.arrayContaining([{ Name: 'Database', Value: 'orders' }]),
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when no drill succeeded within twice the weekly cadence, missing data breaching', () => {
    expect(propertiesOf(slice.drillAlarms.overdue.get('orders'))).toMatchObject({
      MetricName: 'HoursSinceLastRestoreDrill',
      Statistic: 'Maximum',
      Threshold: 2 * 168,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('notifies the alert topic when the alarms go off and when they recover', () => {
    for (const alarm of [slice.drillAlarms.failed.get('orders'), slice.drillAlarms.overdue.get('orders')]) {
      const properties = propertiesOf(alarm);
      expect(properties.AlarmActions).toHaveLength(1);
      expect(properties.OKActions).toEqual(properties.AlarmActions);
    }
  });

  it('shows both alarms for the shipped example, whose orders database drills on Sundays', () => {
    const example = synthesize(exampleConfig());
    try {
      const alarms = example.built.databaseSlices[0]!.drillAlarms;
      expect([...alarms.failed.keys()]).toEqual(['orders']);
      expect([...alarms.overdue.keys()]).toEqual(['orders']);
    } finally {
      example.cleanup();
    }
  });
});
