import { describe, expect, it } from 'vitest';
import { DatabaseBusyError, ErrorName } from '../../../../functions/core/base/errors.js';
import { beginRun } from '../../../../functions/core/run/begin-run.js';
import { type DatabaseBinding, DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import type { LockRequest } from '../../../../functions/core/run/run-lock.js';
import { testBinding } from '../../../helpers/bindings.js';
import { FakeJobApi, recordingLogger } from '../../../helpers/job-fakes.js';

const payload = (input: unknown) => ({
  executionName: 'orders_20261201T020000Z',
  executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:backup:orders_20261201T020000Z',
  executionStartTime: '2026-12-01T02:00:00.000Z',
  input,
});

/** A run's dependencies, recording which binding, lock and ORDS each call used. */
function fakes(options: { busy?: boolean } = {}) {
  const ords = new FakeJobApi();
  const bindingsRead: string[] = [];
  const locks: LockRequest[] = [];
  const ordsFor: DatabaseBinding[] = [];
  const deps = {
    binding: async (database: string) => {
      bindingsRead.push(database);
      return DatabaseBindingSchema.parse(testBinding({ database, pollSeconds: 60 }));
    },
    lock: async (request: LockRequest) => {
      locks.push(request);
      if (options.busy) throw new DatabaseBusyError('held by execution nightly');
    },
    ords: async (binding: DatabaseBinding) => {
      ordsFor.push(binding);
      return ords;
    },
    logger: recordingLogger(),
    now: () => new Date('2026-12-01T02:00:05Z'),
    sleep: async () => {},
  };
  return { deps, ords, bindingsRead, locks, ordsFor };
}

describe('beginRun', () => {
  it("starts the export with the database's bound ORDS, export spec and poll interval", async () => {
    const { deps, ords, ordsFor, locks } = fakes();
    const run = await beginRun(deps, payload({ database: 'orders', scheduledTime: '2026-12-01T02:00:00Z' }));

    expect(ordsFor.map((binding) => binding.ordsUrl)).toEqual([
      'https://db.example.com/ords/pdb1/dbapi_user/',
    ]);
    expect(ords.started).toHaveLength(1);
    expect(ords.started[0]).toMatchObject({ filter: 'HR' });
    expect(locks).toEqual([
      expect.objectContaining({ database: 'orders', executionName: payload({}).executionName }),
    ]);
    expect(run).toMatchObject({ pollSeconds: 60, acceptCompletedWithErrors: false, job: { adopted: false } });
  });

  it('returns the scheduled time of a run its schedule started', async () => {
    // GIVEN an input from the schedule
    const { deps } = fakes();
    // WHEN the run begins
    const run = await beginRun(deps, payload({ database: 'orders', scheduledTime: '2026-12-01T02:00:00Z' }));

    // THEN the run carries the schedule's time
    expect(run).toMatchObject({ scheduledTime: '2026-12-01T02:00:00Z', startedBy: 'schedule' });
  });

  it('returns the execution start time as the scheduled time of a run by hand', async () => {
    // GIVEN an input without scheduledTime
    const { deps } = fakes();
    // WHEN the run begins
    const run = await beginRun(deps, payload({ database: 'orders' }));

    // THEN the field is still a string (a JSONPath to it must not fail) and says who started it
    expect(run).toMatchObject({ scheduledTime: '2026-12-01T02:00:00.000Z', startedBy: 'hand' });
  });

  it('takes a poll interval override from the input that keeps the run within its history budget', async () => {
    // GIVEN a database whose 12-hour timeout needs at least 18 s between polls (2,500 polls at most)
    const { deps } = fakes();
    const run = await beginRun(deps, payload({ database: 'orders', pollSeconds: 18 }));

    expect(run.pollSeconds).toBe(18);
  });

  it('fails with InvalidInputError naming pollSeconds when it would overrun the history budget, before the lock', async () => {
    const { deps, locks, ordsFor } = fakes();
    const error = await beginRun(deps, payload({ database: 'orders', pollSeconds: 17 })).catch(
      (e: Error) => e,
    );

    expect(error).toMatchObject({ name: ErrorName.InvalidInput });
    expect((error as Error).message).toContain('pollSeconds 17');
    expect((error as Error).message).toContain('allowed: 18 to 3600 seconds');
    expect(locks).toEqual([]);
    expect(ordsFor).toEqual([]);
  });

  it('fails on a pollSeconds below the deploy-time minimum of 10 whatever the timeout', async () => {
    const { deps } = fakes();
    await expect(beginRun(deps, payload({ database: 'orders', pollSeconds: 1 }))).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
    });
  });

  it.each([
    ['in 2099', '2099-01-01T00:00:00Z', 'lies after the execution started'],
    ['an hour after the start', '2026-12-01T03:00:00Z', 'lies after the execution started'],
    ['25 hours before the start', '2026-11-30T01:00:00Z', 'more than 24 hours before'],
  ])(
    'fails with InvalidInputError naming a scheduledTime %s, before the lock and ORDS',
    async (_, time, words) => {
      const { deps, locks, ordsFor } = fakes();
      const error = await beginRun(deps, payload({ database: 'orders', scheduledTime: time })).catch(
        (e: Error) => e,
      );

      expect(error).toMatchObject({ name: ErrorName.InvalidInput });
      expect((error as Error).message).toContain(`scheduledTime "${time}"`);
      expect((error as Error).message).toContain(words);
      expect(locks).toEqual([]);
      expect(ordsFor).toEqual([]);
    },
  );

  it.each([
    [
      'a closing time in 2099',
      { closesAt: '2099-01-01T00:00:00Z', rank: 0 },
      'window.closesAt "2099-01-01T00:00:00Z"',
    ],
    [
      'a closing time before the scheduled time',
      { closesAt: '2026-12-01T01:00:00Z', rank: 0 },
      'window.closesAt',
    ],
    ['a negative rank', { closesAt: '2026-12-01T03:00:00Z', rank: -1 }, 'window.rank -1'],
    ['a fractional rank', { closesAt: '2026-12-01T03:00:00Z', rank: 1.5 }, 'window.rank 1.5'],
    [
      'a rank past the queue keys',
      { closesAt: '2026-12-01T03:00:00Z', rank: 1_000_000 },
      'window.rank 1000000',
    ],
  ])(
    'fails with InvalidInputError naming a window with %s, before the lock and ORDS',
    async (_, window, words) => {
      const { deps, locks, ordsFor } = fakes();
      const input = { database: 'orders', scheduledTime: '2026-12-01T02:00:00Z', window };
      const error = await beginRun(deps, payload(input)).catch((e: Error) => e);

      expect(error).toMatchObject({ name: ErrorName.InvalidInput });
      expect((error as Error).message).toContain(words);
      expect(locks).toEqual([]);
      expect(ordsFor).toEqual([]);
    },
  );

  it('accepts a window that closes within 24 hours of the scheduled time', async () => {
    const { deps } = fakes();
    const window = { closesAt: '2026-12-01T03:00:00Z', rank: 3 };
    await expect(
      beginRun(deps, payload({ database: 'orders', scheduledTime: '2026-12-01T02:00:00Z', window })),
    ).resolves.toMatchObject({ startedBy: 'schedule' });
  });

  it('derives startedBy: a run the launcher did not name is by hand, whatever scheduledTime it carries', async () => {
    // GIVEN a hand-started execution whose input claims a scheduled time of 3 hours ago
    const { deps } = fakes();
    const byHand = { ...payload({ database: 'orders', scheduledTime: '2026-11-30T23:00:00Z' }) };
    byHand.executionName = 'orders-by-hand-1';

    // WHEN the run begins
    const run = await beginRun(deps, byHand);

    // THEN it counts as a run by hand; the time is still used for the drill's due date
    expect(run).toMatchObject({ startedBy: 'hand', scheduledTime: '2026-11-30T23:00:00Z' });
  });

  it.each([
    ['ordsUrl', { ordsUrl: 'https://attacker.example/ords/x/' }],
    ['secretId', { secretId: 'prod/ords/billing' }],
    ['prefix', { prefix: 'elsewhere/' }],
    ['export', { export: { jobMode: 'FULL' } }],
  ])('fails when the input sets %s, before reading any binding or reaching ORDS', async (field, extra) => {
    const { deps, bindingsRead, locks, ordsFor } = fakes();
    const error = await beginRun(deps, payload({ database: 'orders', ...extra })).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.InvalidInput });
    expect((error as Error).message).toContain(field);
    expect((error as Error).message).toContain('{"database":"orders"}');
    expect(bindingsRead).toEqual([]);
    expect(locks).toEqual([]);
    expect(ordsFor).toEqual([]);
  });

  it('fails on an input with an unknown field or without a database', async () => {
    for (const input of [{ database: 'orders', surprise: 1 }, {}, 'orders', null]) {
      const { deps, ordsFor } = fakes();
      await expect(beginRun(deps, payload(input))).rejects.toMatchObject({ name: ErrorName.InvalidInput });
      expect(ordsFor).toEqual([]);
    }
  });

  it('fails without reaching ORDS when another execution holds the database', async () => {
    const { deps, ords, ordsFor } = fakes({ busy: true });
    const error = await beginRun(deps, payload({ database: 'orders' })).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.DatabaseBusy });
    expect(ordsFor).toEqual([]);
    expect(ords.started).toEqual([]);
  });
});

describe('beginRun and the earlier runs left on the server', () => {
  const superseded = {
    execution: 'orders_20261130T020000Z',
    job: 'DBAPI_USER.DATAPUMP_REST_EXPORT_20261130020000',
    serverCleanup: 'done' as const,
    removedFiles: ['A-01.DMP'],
    droppedControlTable: null,
    keep: false,
  };

  it('settles earlier runs after the lock and before the export, records its job after, and shows what it removed', async () => {
    const { deps, ords } = fakes();
    const order: string[] = [];
    const run = await beginRun(
      {
        ...deps,
        lock: async () => {
          order.push('lock');
        },
        settleEarlierRuns: async (binding) => {
          order.push(`settle ${binding.database} (exports so far: ${ords.started.length})`);
          return [superseded];
        },
        recordRun: async (_binding, job) => {
          order.push(`record ${job.jobName}`);
        },
      },
      payload({ database: 'orders' }),
    );

    expect(order).toEqual(['lock', 'settle orders (exports so far: 0)', `record ${run.job.jobName}`]);
    expect(run.superseded).toEqual([superseded]);
  });

  it('settles nothing and records nothing when the lock is held by a running execution', async () => {
    const { deps } = fakes({ busy: true });
    const calls: string[] = [];

    await expect(
      beginRun(
        {
          ...deps,
          settleEarlierRuns: async () => {
            calls.push('settle');
            return [];
          },
          recordRun: async () => {
            calls.push('record');
          },
        },
        payload({ database: 'orders' }),
      ),
    ).rejects.toMatchObject({ name: ErrorName.DatabaseBusy });
    expect(calls).toEqual([]);
  });

  it('goes on with the started export when recording its job fails, and says so in the log', async () => {
    // GIVEN S3 refusing the write of the unfinished-runs record once the export has started
    const { deps, ords } = fakes();
    const logger = recordingLogger();

    // WHEN the run begins
    const run = await beginRun(
      {
        ...deps,
        logger,
        recordRun: async () => {
          throw Object.assign(new Error('Service Unavailable'), { name: 'SlowDown' });
        },
      },
      payload({ database: 'orders' }),
    );

    // THEN tonight's backup goes on with its export (bookkeeping for a later cleanup never fails it)
    expect(ords.started).toHaveLength(1);
    expect(run.job.jobName).toBeTruthy();
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('not recorded'),
        extra: expect.objectContaining({
          jobName: run.job.jobName,
          recordError: 'SlowDown: Service Unavailable',
        }),
      }),
    );
  });

  it('shows no superseded field when nothing was recorded', async () => {
    const { deps } = fakes();
    const run = await beginRun(
      { ...deps, settleEarlierRuns: async () => [] },
      payload({ database: 'orders' }),
    );

    expect(run).not.toHaveProperty('superseded');
  });
});
