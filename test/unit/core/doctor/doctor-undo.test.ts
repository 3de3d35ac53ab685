import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elapsedSecondsOf, lastExportSeconds } from '../../../../functions/core/doctor/index.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';

describe('elapsedSecondsOf', () => {
  it('reads the elapsed time of a Data Pump final line, days included', () => {
    expect(
      elapsedSecondsOf('Job "HR"."J" successfully completed at Mon Dec 7 02:05:00 2026 elapsed 0 00:05:07'),
    ).toBe(307);
    expect(elapsedSecondsOf('Job "HR"."J" completed with 1 error(s) at … elapsed 1 02:00:00')).toBe(93_600);
  });

  it('is null without an elapsed time', () => {
    expect(elapsedSecondsOf('Job "HR"."J" stopped due to fatal error')).toBeNull();
  });
});

describe('lastExportSeconds', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(() => s3.stop());
  const put = (key: string, value: unknown) =>
    s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: JSON.stringify(value) }));

  it('reads the elapsed time from the manifest last-backup.json names, and null before any backup', async () => {
    const deps = { s3: s3.client, bucket: s3.bucket };
    expect(await lastExportSeconds(deps, { prefix: 'p/', database: 'orders' })).toBeNull();

    await put('p/orders/2026/12/07/J/manifest.json', {
      summary: 'Job "A"."J" successfully completed at x elapsed 0 00:20:00',
    });
    await put('p/orders/last-backup.json', {
      lastBackupVersion: 1,
      database: 'orders',
      finishedAt: '2026-12-07T02:30:00.000Z',
      jobName: 'J',
      verdict: 'succeeded',
      manifest: `s3://${s3.bucket}/p/orders/2026/12/07/J/manifest.json`,
    });
    expect(await lastExportSeconds(deps, { prefix: 'p/', database: 'orders' })).toBe(1200);
  });

  it('does not follow a record that names a manifest in another bucket', async () => {
    await put('q/orders/last-backup.json', {
      lastBackupVersion: 1,
      database: 'orders',
      finishedAt: '2026-12-07T02:30:00.000Z',
      jobName: 'J',
      verdict: 'succeeded',
      manifest: 's3://elsewhere/orders/manifest.json',
    });
    expect(
      await lastExportSeconds({ s3: s3.client, bucket: s3.bucket }, { prefix: 'q/', database: 'orders' }),
    ).toBeNull();
  });
});
