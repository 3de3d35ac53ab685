import { HeadObjectCommand, PutObjectRetentionCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { extendObjectLock } from '../../../../functions/core/manifest/object-lock.js';

const s3 = mockClient(S3Client);
const deps = () => ({ s3: new S3Client({ region: 'eu-central-1' }), bucket: 'backups' });
const UNTIL = new Date('2033-12-13T00:00:00Z');

describe('extendObjectLock', () => {
  beforeEach(() => s3.reset());

  it("extends a locked object's retain-until date to its tier's, in its own mode", async () => {
    s3.on(HeadObjectCommand).resolves({
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date('2026-12-14T02:00:00Z'),
    });
    s3.on(PutObjectRetentionCommand).resolves({});

    expect(await extendObjectLock(deps(), 'orders/a.DMP', UNTIL)).toBe(true);

    expect(s3.commandCalls(PutObjectRetentionCommand)[0]!.args[0].input).toEqual({
      Bucket: 'backups',
      Key: 'orders/a.DMP',
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: UNTIL },
    });
  });

  it('never shortens a lock that already lasts longer', async () => {
    s3.on(HeadObjectCommand).resolves({
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: new Date('2040-01-01T00:00:00Z'),
    });

    expect(await extendObjectLock(deps(), 'orders/a.DMP', UNTIL)).toBe(false);
    expect(s3.commandCalls(PutObjectRetentionCommand)).toHaveLength(0);
  });

  it('leaves an object without a lock alone (a bucket without Object Lock)', async () => {
    s3.on(HeadObjectCommand).resolves({});

    expect(await extendObjectLock(deps(), 'orders/a.DMP', UNTIL)).toBe(false);
    expect(s3.commandCalls(PutObjectRetentionCommand)).toHaveLength(0);
  });

  it('ignores a lock mode it does not know rather than sending it back', async () => {
    s3.on(HeadObjectCommand).resolves({
      ObjectLockMode: 'FOREVER' as never,
      ObjectLockRetainUntilDate: new Date('2026-12-14T02:00:00Z'),
    });

    expect(await extendObjectLock(deps(), 'orders/a.DMP', UNTIL)).toBe(false);
  });

  it('fails naming the object when S3 refuses the extension', async () => {
    s3.on(HeadObjectCommand).resolves({
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date('2026-12-14T02:00:00Z'),
    });
    s3.on(PutObjectRetentionCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );

    await expect(extendObjectLock(deps(), 'orders/a.DMP', UNTIL)).rejects.toThrow(
      /s3:\/\/backups\/orders\/a\.DMP/,
    );
  });
});
