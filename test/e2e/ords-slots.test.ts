import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { originSlots } from '../../functions/core/run/index.js';
import { type Harness, startHarness } from './harness.js';

const HEALTHY = { dumpFiles: 2, dumpFileBytes: 4096, outcome: 'success', restSql: true } as const;
/**
 * One database user per run: ORDS names a job after the second it starts, so two runs of one user
 * within a second would meet ORA-31634 (runs of different databases never share a user).
 */
const USERS = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`SLOT${i + 1}`, 'pw']));
/** One slot for the simulator's origin: a slot left behind would keep every later run waiting. */
const ONE_SLOT = { originCap: 1 } as const;
/** Fast waits: a run that waits for a slot tries again every 50 ms. */
const FAST_WAITS = { 'Waiting for an ORDS slot': 50, 'Wait before polling': 20 };

describe('an ORDS slot is free again however the run that held it ended', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ users: { DBAPI_USER: 'secret-password', ...USERS } });
  });
  afterAll(() => h.stop());
  beforeEach(() => h.simulator.configure(HEALTHY));
  let n = 0;
  const run = (options: Parameters<Harness['run']>[0] = {}) => {
    const database = options.database ?? `slot${++n}`;
    const secret = JSON.stringify({ username: database.toUpperCase(), password: 'pw' });
    return h.run({ database, secret, slots: ONE_SLOT, waitOverridesMs: FAST_WAITS, ...options });
  };
  const folder = () => originSlots('', new URL(h.simulator.url).origin);
  const slotObjects = async () => {
    const listed = await h.s3.client.send(
      new ListObjectsV2Command({ Bucket: h.s3.bucket, Prefix: folder() }),
    );
    return (listed.Contents ?? []).map((object) => object.Key!);
  };
  /**
   * A new run, whose window closes 10 minutes from now: it completes only if it gets the one slot
   * (a slot left behind for good would end it in "Missed the backup window" instead).
   */
  const nextRunCompletes = async () => {
    const scheduledTime = new Date().toISOString();
    const closesAt = new Date(Date.now() + 600_000).toISOString();
    const next = await run({ scheduledTime, window: { closesAt, rank: 0 } });
    expect(next.status, `${next.error}: ${next.cause}`).toBe('SUCCEEDED');
    expect(await slotObjects()).toEqual([]);
  };
  const entered = (result: { events: ReadonlyArray<{ type: string; state?: { name: string } }> }) =>
    result.events.filter((event) => event.type === 'StateEntered').map((event) => event.state!.name);

  it('after a success: released by "Release run lock"', async () => {
    const done = await run();

    expect(done.status).toBe('SUCCEEDED');
    expect(entered(done).slice(0, 3)).toEqual([
      'Queue for an ORDS slot',
      'Take an ORDS slot',
      'ORDS slot taken?',
    ]);
    expect(await slotObjects()).toEqual([]);
    await nextRunCompletes();
  });

  it('after a failure: released by "Release run lock" on the way to the failed end state', async () => {
    h.simulator.configure({ outcome: 'fatal' });
    const failed = await run();
    h.simulator.configure(HEALTHY);

    expect(failed).toMatchObject({ status: 'FAILED', error: ErrorName.ExportFailed });
    expect(await slotObjects()).toEqual([]);
    await nextRunCompletes();
  });

  it.each(['TIMED_OUT', 'ABORTED'] as const)(
    'after the execution %s while it held the slot: the next run takes it over',
    async (status) => {
      const stopped = await run({ stopAt: { state: 'Wait before polling', status } });

      expect(stopped.status).toBe(status);
      expect(await slotObjects()).toEqual([`${folder()}0.json`]);
      await nextRunCompletes();
    },
  );

  it('after a redrive that lost the run lock: it keeps its own slot and releases it at its end', async () => {
    // GIVEN an execution that timed out while copying, holding the slot
    const database = `slot${++n}`;
    const executionName = `${database}_redriven`;
    const timedOut = await run({
      database,
      executionName,
      stopAt: { state: 'Copy files', status: 'TIMED_OUT' },
    });
    const copyInput = (
      timedOut.events.find(
        (event) =>
          event.type === 'StateEntered' && (event as { state: { name: string } }).state.name === 'Copy files',
      ) as unknown as { state: { input: unknown } }
    ).state.input;
    expect(await slotObjects()).toEqual([`${folder()}0.json`]);
    // AND a newer run that holds the database's run lock (its execution ended since)
    const lockKey = `_locks/${database}.json`;
    const newer = `arn:aws:states:us-east-1:000000000000:execution:local:${database}_newer`;
    await h.s3.client.send(
      new PutObjectCommand({
        Bucket: h.s3.bucket,
        Key: lockKey,
        Body: '{}',
        Metadata: {
          'execution-arn': newer,
          'execution-name': `${database}_newer`,
          'started-at': new Date().toISOString(),
        },
      }),
    );
    h.aws.putExecution(newer, 'SUCCEEDED');

    // WHEN the timed-out execution is redriven from "Copy files"
    const redriven = await run({
      database,
      executionName,
      redrive: { state: 'Copy files', input: copyInput },
    });

    // THEN it stores its backup, changes nothing on the server (it lost the lock) and frees its slot
    expect(redriven.status, `${redriven.error}: ${redriven.cause}`).toBe('SUCCEEDED');
    expect(entered(redriven).at(-1)).toBe('Backup complete, cleanup failed');
    expect(await slotObjects()).toEqual([]);
    await nextRunCompletes();
  });

  it('ends a run that gets no slot before its window closes in "Missed the backup window", naming why', async () => {
    // GIVEN the one slot held by a running execution of another database
    const holder = 'arn:aws:states:us-east-1:000000000000:execution:local:other_holding';
    h.aws.putExecution(holder, 'RUNNING');
    await h.s3.client.send(
      new PutObjectCommand({
        Bucket: h.s3.bucket,
        Key: `${folder()}0.json`,
        Body: '{}',
        Metadata: {
          'execution-arn': holder,
          'execution-name': 'other_holding',
          'started-at': new Date().toISOString(),
        },
      }),
    );
    const before = h.simulator.requests.length;

    // WHEN a run whose window closes in 2 seconds asks for it
    const scheduledTime = new Date().toISOString();
    const closesAt = new Date(Date.now() + 2000).toISOString();
    const missed = await run({ scheduledTime, window: { closesAt, rank: 3 } });

    // THEN it fails loudly in the named state, never reached ORDS, and left only the holder's slot
    expect(missed).toMatchObject({ status: 'FAILED', error: ErrorName.MissedBackupWindow });
    expect(missed.cause).toMatch(
      /^Missed the backup window: database "slot\d+" got no ORDS slot at http:\/\/127\.0\.0\.1:\d+ \(cap 1\) before its window closed at .* \(rank 3/,
    );
    expect(entered(missed)).toContain('Waiting for an ORDS slot');
    expect(entered(missed).at(-1)).toBe('Missed the backup window');
    expect(h.simulator.requests.length).toBe(before);
    expect(await slotObjects()).toEqual([`${folder()}0.json`]);
    h.aws.putExecution(holder, 'SUCCEEDED');
    await nextRunCompletes();
  });
});
