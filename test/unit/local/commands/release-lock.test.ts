import { DeleteObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { releaseLock } from '../../../../local/commands/release-lock.js';
import { UsageError } from '../../../../local/commands/state-machine.js';

const HOLDER_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Backup:orders_20261201T020000Z';
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);

function harness() {
  const out: string[] = [];
  const err: string[] = [];
  const deps = {
    s3: new S3Client({ region: 'eu-west-1' }),
    sfn: new SFNClient({ region: 'eu-west-1' }),
    out: (line: string) => out.push(line),
    err: (line: string) => err.push(line),
  };
  return { deps, out, err };
}

const options = (changes: Partial<Parameters<typeof releaseLock>[1]> = {}) => ({
  database: 'orders',
  bucket: 'backups',
  keyPrefix: 'prod/',
  force: false,
  ...changes,
});

/** The lock object as S3 answers HeadObject for it. */
const heldBy = (executionArn: string) =>
  s3.on(HeadObjectCommand, { Bucket: 'backups', Key: 'prod/_locks/orders.json' }).resolves({
    ETag: '"e1"',
    Metadata: {
      'execution-arn': executionArn,
      'execution-name': 'orders_20261201T020000Z',
      'started-at': '2026-12-01T02:00:00.000Z',
    },
  });

describe('release-lock', () => {
  beforeEach(() => {
    s3.reset();
    sfn.reset();
    s3.on(DeleteObjectCommand).resolves({});
  });

  it.each(['FAILED', 'PENDING_REDRIVE', 'SUCCEEDED'])(
    'releases the lock under the key prefix of an execution that is %s and exits 0',
    async (status) => {
      const { deps, out } = harness();
      heldBy(HOLDER_ARN);
      sfn.on(DescribeExecutionCommand, { executionArn: HOLDER_ARN }).resolves({ status: status as never });

      const code = await releaseLock(deps, options());

      expect(code).toBe(0);
      expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual([
        { Bucket: 'backups', Key: 'prod/_locks/orders.json' },
      ]);
      expect(out.join('\n')).toContain(
        `held by execution orders_20261201T020000Z (started 2026-12-01T02:00:00.000Z, ${status})`,
      );
    },
  );

  it('releases the lock of an execution Step Functions no longer knows', async () => {
    const { deps } = harness();
    heldBy(HOLDER_ARN);
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));

    expect(await releaseLock(deps, options())).toBe(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });

  it('fails with exit code 1 and deletes nothing while the holder still runs', async () => {
    const { deps, err } = harness();
    heldBy(HOLDER_ARN);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    const code = await releaseLock(deps, options());

    expect(code).toBe(1);
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
    expect(err.join('\n')).toContain('which still runs: not released');
    expect(err.join('\n')).toContain('--force');
  });

  it('releases the lock of a running holder with --force', async () => {
    const { deps } = harness();
    heldBy(HOLDER_ARN);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    expect(await releaseLock(deps, options({ force: true }))).toBe(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });

  it('says no lock is held and exits 0 when the lock object does not exist', async () => {
    const { deps, out } = harness();
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('not found'), { name: 'NotFound' }));

    expect(await releaseLock(deps, options())).toBe(0);
    expect(out.join('\n')).toContain(
      'No run lock is held for database "orders" (s3://backups/prod/_locks/orders.json',
    );
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toEqual([]);
  });

  it('fails with a UsageError (exit code 2) when S3 refuses the read, deleting nothing', async () => {
    const { deps } = harness();
    s3.on(HeadObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );

    await expect(releaseLock(deps, options())).rejects.toBeInstanceOf(UsageError);
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
  });

  it.each([
    ['a database id that is not one', { database: '../etc' }, 'is not a database id'],
    ['a key prefix that does not end with /', { keyPrefix: 'prod' }, 'is not a key prefix'],
  ])('fails with a UsageError on %s, before any AWS call', async (_, changes, words) => {
    const { deps } = harness();

    await expect(releaseLock(deps, options(changes))).rejects.toThrow(words);
    expect(s3.calls()).toEqual([]);
    expect(sfn.calls()).toEqual([]);
  });
});
