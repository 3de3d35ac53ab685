import { describe, expect, it } from 'vitest';
import { restoreDrillAgeHours } from '../../../../functions/core/drill/restore-drill-age.js';

const NOW = new Date('2026-12-10T12:00:00Z');
const parameter = (binding: Record<string, unknown>) => ({
  Name: '/ords-datapump-backup/databases/orders',
  Value: JSON.stringify(binding),
  LastModifiedDate: new Date('2026-12-01T12:00:00Z'),
});
const drill = {
  schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' },
  targetSchema: 'HR_DRILL',
  schema: 'HR',
};
const s3 = (record: unknown) => ({
  send: async () => {
    if (record === null) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => JSON.stringify(record) } };
  },
});
const deps = (record: unknown) => ({ s3: s3(record) as never, bucket: 'backups', now: () => NOW });

describe('restoreDrillAgeHours', () => {
  it('is null for a database without a drill', async () => {
    expect(await restoreDrillAgeHours(deps(null), 'orders', parameter({ prefix: '' }))).toBeNull();
  });

  it('counts from the last successful drill, not the last attempt', async () => {
    const record = {
      lastRestoreDrillVersion: 1,
      database: 'orders',
      attemptedFor: '2026-12-10T02:00:00.000Z',
      attemptedAt: '2026-12-10T02:10:00.000Z',
      succeeded: false,
      lastSuccessAt: '2026-12-06T12:00:00.000Z',
      report: 's3://backups/x/restore-drill.json',
    };
    expect(
      await restoreDrillAgeHours(deps(record), 'orders', parameter({ prefix: '', restoreDrill: drill })),
    ).toBe(96);
  });

  it('counts from the binding while no drill ever succeeded', async () => {
    expect(
      await restoreDrillAgeHours(deps(null), 'orders', parameter({ prefix: '', restoreDrill: drill })),
    ).toBe(216);
  });
});
