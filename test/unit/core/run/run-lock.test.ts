import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import {
  acquireRunLock,
  assertRunLock,
  databaseOfInput,
  type LockRequest,
  releaseOwnRunLock,
  releaseRunLock,
  runLockKey,
} from '../../../../functions/core/run/run-lock.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(() => s3.stop());

const ARN = 'arn:aws:states:eu-central-1:123456789012:execution:backup:';
const request = (name: string, database = 'orders', prefix = ''): LockRequest => ({
  database,
  prefix,
  executionArn: `${ARN}${name}`,
  executionName: name,
  executionStartTime: '2026-12-01T02:00:00.000Z',
});

describe('acquireRunLock', () => {
  /** Step Functions as the lock sees it: the status of each execution by ARN. */
  let statuses: Map<string, string>;
  let described: string[];
  const deps = () => ({
    s3: s3.client,
    bucket: s3.bucket,
    logger: recordingLogger(),
    executionStatus: async (arn: string) => {
      described.push(arn);
      return statuses.get(arn) ?? 'GONE';
    },
  });
  let database = 0;
  let db: string;
  beforeEach(() => {
    statuses = new Map();
    described = [];
    db = `db${++database}`;
  });
  const holderOf = async (name: string) => {
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: runLockKey('', name) }),
    );
    return head.Metadata?.['execution-name'];
  };

  it('takes a free lock and records the execution that holds it', async () => {
    await acquireRunLock(deps(), request('orders_20261201T020000Z', db));

    expect(await holderOf(db)).toBe('orders_20261201T020000Z');
    const body = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: runLockKey('', db) }));
    expect(JSON.parse(await body.Body!.transformToString())).toMatchObject({ database: db });
  });

  it('lets a retry of the holding execution through without asking Step Functions', async () => {
    await acquireRunLock(deps(), request('first', db));
    await acquireRunLock(deps(), request('first', db));

    expect(described).toEqual([]);
  });

  it('fails with DatabaseBusyError naming the running execution that holds the lock', async () => {
    await acquireRunLock(deps(), request('nightly', db));
    statuses.set(`${ARN}nightly`, 'RUNNING');
    const error = await acquireRunLock(deps(), request('by-hand', db)).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.DatabaseBusy });
    expect((error as Error).message).toContain('execution nightly');
    expect(await holderOf(db)).toBe('nightly');
  });

  it.each(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT', 'PENDING_REDRIVE', 'GONE'])(
    'takes over the lock of an execution that is %s',
    async (status) => {
      await acquireRunLock(deps(), request('last-night', db));
      statuses.set(`${ARN}last-night`, status);
      await acquireRunLock(deps(), request('tonight', db));

      expect(await holderOf(db)).toBe('tonight');
    },
  );

  it('takes over a lock object that names no execution', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: runLockKey('', db), Body: '{}' }));
    await acquireRunLock(deps(), request('tonight', db));

    expect(await holderOf(db)).toBe('tonight');
    expect(described).toEqual([]);
  });

  it('grants the lock to exactly one of several executions starting at the same moment', async () => {
    const names = ['a', 'b', 'c', 'd'];
    for (const name of names) statuses.set(`${ARN}${name}`, 'RUNNING');
    const results = await Promise.allSettled(names.map((name) => acquireRunLock(deps(), request(name, db))));

    const won = results.filter((result) => result.status === 'fulfilled');
    const busy = results.filter(
      (result) => result.status === 'rejected' && result.reason.name === ErrorName.DatabaseBusy,
    );
    expect(won).toHaveLength(1);
    expect(busy).toHaveLength(3);
    expect(names[results.indexOf(won[0]!)]).toBe(await holderOf(db));
  });

  it('lets two stale-lock takeovers at the same moment produce one holder', async () => {
    await acquireRunLock(deps(), request('old', db));
    statuses.set(`${ARN}old`, 'SUCCEEDED');
    statuses.set(`${ARN}x`, 'RUNNING');
    statuses.set(`${ARN}y`, 'RUNNING');
    const results = await Promise.allSettled([
      acquireRunLock(deps(), request('x', db)),
      acquireRunLock(deps(), request('y', db)),
    ]);

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(['x', 'y']).toContain(await holderOf(db));
  });

  it('keeps the lock under the database prefix, so two deployments in one bucket do not block each other', async () => {
    // GIVEN a running execution of "prod/" that holds its database's lock
    await acquireRunLock(deps(), request('prod-nightly', db, 'prod/'));
    statuses.set(`${ARN}prod-nightly`, 'RUNNING');

    // WHEN the deployment with prefix "test/" starts a run of a database with the same id
    await acquireRunLock(deps(), request('test-nightly', db, 'test/'));

    // THEN each holds its own lock under its own prefix
    expect(runLockKey('prod/', db)).toBe(`prod/_locks/${db}.json`);
    const holder = async (prefix: string) =>
      (await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: runLockKey(prefix, db) })))
        .Metadata?.['execution-name'];
    expect(await holder('prod/')).toBe('prod-nightly');
    expect(await holder('test/')).toBe('test-nightly');
  });
});

describe('assertRunLock (check-before-act)', () => {
  let database = 0;
  let db: string;
  beforeEach(() => {
    db = `fence${++database}`;
  });
  const store = () => ({ s3: s3.client, bucket: s3.bucket });
  const lockDeps = (statuses: Record<string, string>) => ({
    ...store(),
    logger: recordingLogger(),
    executionStatus: async (arn: string) => statuses[arn] ?? 'GONE',
  });
  const fence = (name: string, step = 'Clean up server') => ({
    database: db,
    prefix: 'p/',
    executionArn: `${ARN}${name}`,
    step,
  });

  it('lets the execution that holds the lock act', async () => {
    await acquireRunLock(lockDeps({}), request('nightly', db, 'p/'));

    await expect(assertRunLock(store(), fence('nightly'))).resolves.toBeUndefined();
  });

  it('stops a redriven execution whose lock a newer run took, naming the holder', async () => {
    // GIVEN an execution that failed (PENDING_REDRIVE) and a newer run that took its lock
    await acquireRunLock(lockDeps({}), request('old', db, 'p/'));
    await acquireRunLock(lockDeps({ [`${ARN}old`]: 'PENDING_REDRIVE' }), request('newer', db, 'p/'));

    // WHEN the old execution is redriven and reaches a step that changes the server
    const error = await assertRunLock(store(), fence('old', 'Drop drill schema')).catch((e: Error) => e);

    // THEN it stops with RunLockLostError naming the step and the holder
    expect(error).toMatchObject({ name: ErrorName.RunLockLost });
    expect((error as Error).message).toContain('"Drop drill schema" changes nothing');
    expect((error as Error).message).toContain('held by execution newer');
    expect((error as Error).message).toContain(`p/_locks/${db}.json`);
  });

  it('stops an execution whose lock was released by hand', async () => {
    await acquireRunLock(lockDeps({}), request('nightly', db, 'p/'));
    const released = await releaseRunLock(store(), 'p/', db);

    expect(released).toMatchObject({ executionName: 'nightly' });
    const error = await assertRunLock(store(), fence('nightly')).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.RunLockLost });
    expect((error as Error).message).toContain('an operator released it by hand');
  });

  it('releases nothing and says so when no lock is held', async () => {
    expect(await releaseRunLock(store(), 'p/', db)).toBeNull();
  });

  const release = (name: string) =>
    releaseOwnRunLock(
      { ...store(), logger: recordingLogger() },
      { database: db, prefix: 'p/', executionArn: `${ARN}${name}` },
    );

  it('releases its own lock when the run ends, so the next run takes it without a takeover', async () => {
    await acquireRunLock(lockDeps({}), request('nightly', db, 'p/'));

    expect(await release('nightly')).toEqual({ released: true });

    expect(await releaseRunLock(store(), 'p/', db)).toBeNull();
    // The next run takes a free lock: it asks Step Functions about nobody
    const described: string[] = [];
    await acquireRunLock(
      {
        ...lockDeps({}),
        executionStatus: async (arn: string) => {
          described.push(arn);
          return 'GONE';
        },
      },
      request('next', db, 'p/'),
    );
    expect(described).toEqual([]);
  });

  it("never releases another execution's lock (a run refused as busy, or one that lost the lock)", async () => {
    await acquireRunLock(lockDeps({}), request('holder', db, 'p/'));

    const result = await release('refused');

    expect(result).toEqual({ released: false, reason: `p/_locks/${db}.json is held by execution holder` });
    await expect(assertRunLock(store(), fence('holder'))).resolves.toBeUndefined();
  });

  it('releases nothing when no lock is there, and reads the database only from a valid input', async () => {
    expect(await release('nightly')).toMatchObject({
      released: false,
      reason: `no run lock at p/_locks/${db}.json`,
    });
    expect(databaseOfInput({ database: 'orders' })).toBe('orders');
    expect(databaseOfInput({ database: '../orders' })).toBeNull();
    expect(databaseOfInput({ database: 7 })).toBeNull();
    expect(databaseOfInput(null)).toBeNull();
    expect(databaseOfInput('orders')).toBeNull();
  });
});
