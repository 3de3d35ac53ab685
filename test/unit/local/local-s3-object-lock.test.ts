import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';

/**
 * Issue 18: the local S3's Object Lock plays what S3 requires of a bucket with a default retention:
 * a checksum on every object and part write, the retention on each new version, and retentions that
 * only grow (COMPLIANCE), or shrink only with the bypass (GOVERNANCE).
 */

const DAY = 86_400_000;
let compliance: LocalS3;
let governance: LocalS3;
beforeAll(async () => {
  compliance = await startLocalS3({ objectLock: { mode: 'COMPLIANCE', days: 1 } });
  governance = await startLocalS3({ objectLock: { mode: 'GOVERNANCE', days: 1 } });
});
afterAll(async () => {
  await compliance.stop();
  await governance.stop();
});

const put = (s3: LocalS3, key: string, checksum: boolean) =>
  s3.client.send(
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: key,
      Body: Buffer.from('dump'),
      ...(checksum ? { ChecksumCRC32: 'R2xxJQ==' } : {}),
    }),
  );
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('the local S3 with Object Lock', () => {
  it('refuses a PutObject without Content-MD5 or a checksum header, as S3 does', async () => {
    const error = await refusal(put(compliance, 'l/no-checksum', false));

    expect(error).toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringContaining('Content-MD5 OR x-amz-checksum- HTTP header is required'),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses an UploadPart without a checksum header', async () => {
    const { UploadId } = await compliance.client.send(
      new CreateMultipartUploadCommand({ Bucket: compliance.bucket, Key: 'l/parts' }),
    );
    const error = await refusal(
      compliance.client.send(
        new UploadPartCommand({
          Bucket: compliance.bucket,
          Key: 'l/parts',
          UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(16),
        }),
      ),
    );

    expect(error).toMatchObject({ name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } });
  });

  it('gives a new version the default retention, shown by HeadObject', async () => {
    const before = Date.now();
    const written = await put(compliance, 'l/locked', true);

    const head = await compliance.client.send(
      new HeadObjectCommand({ Bucket: compliance.bucket, Key: 'l/locked', VersionId: written.VersionId }),
    );
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThanOrEqual(before + DAY - 1000);
    const current = await compliance.client.send(
      new HeadObjectCommand({ Bucket: compliance.bucket, Key: 'l/locked' }),
    );
    expect(current.ObjectLockMode).toBe('COMPLIANCE');
  });

  it('lengthens a COMPLIANCE retention, never shortens it, and refuses deleting the locked version', async () => {
    const written = await put(compliance, 'l/extend', true);
    const target = { Bucket: compliance.bucket, Key: 'l/extend', VersionId: written.VersionId };
    const later = new Date(Date.now() + 30 * DAY);

    await compliance.client.send(
      new PutObjectRetentionCommand({ ...target, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: later } }),
    );
    const read = await compliance.client.send(new GetObjectRetentionCommand(target));
    expect(read.Retention?.RetainUntilDate?.toISOString()).toBe(later.toISOString());

    const shorter = new Date(Date.now() + 2 * DAY);
    expect(
      await refusal(
        compliance.client.send(
          new PutObjectRetentionCommand({
            ...target,
            Retention: { Mode: 'COMPLIANCE', RetainUntilDate: shorter },
            BypassGovernanceRetention: true,
          }),
        ),
      ),
    ).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await refusal(compliance.client.send(new DeleteObjectCommand(target)))).toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('shortens a GOVERNANCE retention only with the bypass header', async () => {
    const written = await put(governance, 'l/gov', true);
    const target = { Bucket: governance.bucket, Key: 'l/gov', VersionId: written.VersionId };
    const shorter = { Mode: 'GOVERNANCE' as const, RetainUntilDate: new Date(Date.now() + DAY / 2) };

    expect(
      await refusal(governance.client.send(new PutObjectRetentionCommand({ ...target, Retention: shorter }))),
    ).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await governance.client.send(
      new PutObjectRetentionCommand({ ...target, Retention: shorter, BypassGovernanceRetention: true }),
    );
    const head = await governance.client.send(new HeadObjectCommand(target));
    expect(head.ObjectLockRetainUntilDate?.toISOString()).toBe(shorter.RetainUntilDate.toISOString());
  });
});
