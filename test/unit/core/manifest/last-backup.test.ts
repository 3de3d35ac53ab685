import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import {
  countsAsSuccess,
  LastBackupSchema,
  recordLastBackup,
} from '../../../../functions/core/manifest/last-backup.js';
import type { BackupSummary } from '../../../../functions/core/state/index.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const summary: BackupSummary = {
  database: 'orders',
  verdict: 'succeeded',
  jobName: 'DATAPUMP_REST_EXPORT_20261201020004',
  manifest: 's3://backups/oracle/orders/2026/12/01/DATAPUMP_REST_EXPORT_20261201020004/manifest.json',
  files: [],
  totalBytes: 100,
  durationSeconds: 60,
  throughputMiBps: 1,
  consistency: 'per-table',
};

describe('recordLastBackup', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const deps = () => ({
    s3: new S3Client({ region: 'eu-central-1' }),
    bucket: 'backups',
    logger: recordingLogger(),
    now: () => new Date('2026-12-01T02:41:17.002Z'),
  });

  it("writes <prefix><database>/last-backup.json with the backup's time, job and manifest", async () => {
    // GIVEN S3 accepts the write
    s3.on(PutObjectCommand).resolves({});

    // WHEN the record of a verified backup is written
    await recordLastBackup(deps(), { prefix: 'oracle/', summary });

    // THEN it lands beside the backup folders, checksummed, in the shape the age check reads
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      Bucket: 'backups',
      Key: 'oracle/orders/last-backup.json',
      ContentType: 'application/json',
      ChecksumSHA256: expect.any(String),
    });
    const record = JSON.parse(String(put.Body));
    expect(LastBackupSchema.parse(record)).toEqual({
      lastBackupVersion: 1,
      database: 'orders',
      finishedAt: '2026-12-01T02:41:17.002Z',
      jobName: summary.jobName,
      verdict: 'succeeded',
      manifest: summary.manifest,
      totalBytes: summary.totalBytes,
      durationSeconds: summary.durationSeconds,
    });
  });

  it('replaces the record only over the one it read (If-Match on its ETag), creates it only if absent', async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(HeadObjectCommand)
      .resolvesOnce({ ETag: '"read-etag"' })
      .rejectsOnce(
        Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
      )
      // A missing key, to a role without s3:ListBucket.
      .rejectsOnce(
        Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }),
      );

    for (let run = 0; run < 3; run += 1) await recordLastBackup(deps(), { prefix: '', summary });

    const [replaced, created, unseen] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(replaced).toMatchObject({ IfMatch: '"read-etag"' });
    expect(replaced?.IfNoneMatch).toBeUndefined();
    expect(created).toMatchObject({ IfNoneMatch: '*' });
    expect(unseen).toMatchObject({ IfNoneMatch: '*' });
  });

  it('fails naming the key when the record changed since it was read (412), never overwriting it', async () => {
    s3.on(HeadObjectCommand).resolves({ ETag: '"read-etag"' });
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );

    await expect(recordLastBackup(deps(), { prefix: '', summary })).rejects.toMatchObject({
      name: ErrorName.StorageRejected,
      message: expect.stringContaining('s3://backups/orders/last-backup.json'),
    });
  });

  it('fails with StorageRejectedError naming the key when S3 refuses the write', async () => {
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );

    await expect(recordLastBackup(deps(), { prefix: '', summary })).rejects.toMatchObject({
      name: ErrorName.StorageRejected,
      message: expect.stringContaining('s3://backups/orders/last-backup.json'),
    });
  });

  it('counts a completed-with-errors backup as a success only when the database accepts it', () => {
    expect(countsAsSuccess('succeeded', false)).toBe(true);
    expect(countsAsSuccess('completed-with-errors', true)).toBe(true);
    expect(countsAsSuccess('completed-with-errors', false)).toBe(false);
    expect(countsAsSuccess('failed', true)).toBe(false);
  });
});
