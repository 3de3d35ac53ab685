import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import type { LastRestoreDrill } from '../../../../functions/core/drill/restore-drill-record.js';
import { beginRun } from '../../../../functions/core/run/begin-run.js';
import { DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import { testBinding } from '../../../helpers/bindings.js';
import { FakeJobApi, recordingLogger } from '../../../helpers/job-fakes.js';

const restoreDrill = {
  schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' },
  targetSchema: 'HR_DRILL',
  schema: 'HR',
};
const payload = (input: unknown) => ({
  executionName: 'orders_20261207T020000Z',
  executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:backup:orders_20261207T020000Z',
  executionStartTime: '2026-12-07T02:00:01.000Z',
  input,
});
const lastDrill: LastRestoreDrill = {
  lastRestoreDrillVersion: 1,
  database: 'orders',
  attemptedFor: '2026-12-06T02:00:00.000Z',
  attemptedAt: '2026-12-06T02:12:00.000Z',
  succeeded: true,
  lastSuccessAt: '2026-12-06T02:12:00.000Z',
  report: 's3://backups/x/restore-drill.json',
};

function deps(options: { drill: boolean; last?: LastRestoreDrill | null; source?: 'server' | 's3' }) {
  const ords = new FakeJobApi();
  const reads: string[] = [];
  return {
    ords,
    reads,
    deps: {
      binding: async (database: string) =>
        DatabaseBindingSchema.parse(
          testBinding({
            database,
            ...(options.drill
              ? { restoreDrill: { ...restoreDrill, ...(options.source ? { source: options.source } : {}) } }
              : {}),
          }),
        ),
      lock: async () => {},
      ords: async () => ords,
      logger: recordingLogger(),
      now: () => new Date('2026-12-07T02:00:05Z'),
      sleep: async () => {},
      lastRestoreDrill: async (binding: { database: string }) => {
        reads.push(binding.database);
        return options.last ?? null;
      },
    },
  };
}

describe('beginRun and the restore drill', () => {
  it('drills when the database has a drill and none was ever attempted', async () => {
    const { deps: d } = deps({ drill: true });
    const run = await beginRun(d, payload({ database: 'orders', scheduledTime: '2026-12-07T02:00:00Z' }));
    expect(run.restoreDrill).toBe(true);
  });

  it('marks a drill night of a drill from S3, and only that (the drill then runs after the cleanup)', async () => {
    const night = payload({ database: 'orders', scheduledTime: '2026-12-07T02:00:00Z' });
    const fromS3 = await beginRun(deps({ drill: true, source: 's3' }).deps, night);
    expect(fromS3).toMatchObject({ restoreDrill: true, restoreDrillFromS3: true });
    for (const source of ['server', undefined] as const) {
      const run = await beginRun(deps({ drill: true, ...(source ? { source } : {}) }).deps, night);
      expect(run.restoreDrill, String(source)).toBe(true);
      expect(run, String(source)).not.toHaveProperty('restoreDrillFromS3');
    }
    const notDue = await beginRun(deps({ drill: true, source: 's3', last: lastDrill }).deps, night);
    expect(notDue).not.toHaveProperty('restoreDrillFromS3');
  });

  it('does not drill the night after a drill night', async () => {
    const { deps: d } = deps({ drill: true, last: lastDrill });
    const run = await beginRun(d, payload({ database: 'orders', scheduledTime: '2026-12-07T02:00:00Z' }));
    expect(run.restoreDrill).toBe(false);
  });

  it('drills when the input forces it, even when none is due', async () => {
    const { deps: d } = deps({ drill: true, last: lastDrill });
    const run = await beginRun(d, payload({ database: 'orders', restoreDrill: true }));
    expect(run.restoreDrill).toBe(true);
  });

  it('never drills, nor reads the record, for a database without a drill', async () => {
    const { deps: d, reads } = deps({ drill: false });
    const run = await beginRun(d, payload({ database: 'orders' }));
    expect(run.restoreDrill).toBe(false);
    expect(reads).toEqual([]);
  });

  it('fails before any export when the input forces a drill the database does not have', async () => {
    const { deps: d, ords } = deps({ drill: false });
    await expect(beginRun(d, payload({ database: 'orders', restoreDrill: true }))).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringMatching(/database "orders" has none/),
    });
    expect(ords.started).toEqual([]);
  });

  it('refuses a target schema in the input: it comes from the binding only', async () => {
    const { deps: d } = deps({ drill: true });
    await expect(
      beginRun(d, payload({ database: 'orders', restoreDrill: { targetSchema: 'SYS' } })),
    ).rejects.toMatchObject({ name: ErrorName.InvalidInput });
  });
});
