import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/local-run.js';
import { type LocalS3, startLocalS3 } from '../../local/s3/local-s3.js';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;
const DAY = 86_400_000;
const RETENTION = { daily: 7, weekly: 5, monthly: 12, yearly: 7, timeZone: 'Europe/Berlin' };
const run = promisify(execFile);

/**
 * Issue 18: a whole run and `npm run verify` on a bucket with S3 Object Lock and a default retention,
 * in the local S3 that refuses, as S3 does, every object or part written without Content-MD5 or a
 * checksum header, and every shortening of a COMPLIANCE retention.
 */
describe('an Object Lock bucket end to end', () => {
  let h: Harness;
  let governance: LocalS3;
  let compliance: LocalS3;
  beforeAll(async () => {
    h = await startHarness();
    // A multipart dump (parts of 8 MiB), a single-part dump and the log.
    h.simulator.configure({ dumpFiles: 2, dumpFileBytes: [10 * MiB, 1000], outcome: 'success' });
    governance = await startLocalS3({
      bucket: 'locked-governance',
      objectLock: { mode: 'GOVERNANCE', days: 1 },
    });
    compliance = await startLocalS3({
      bucket: 'locked-compliance',
      objectLock: { mode: 'COMPLIANCE', days: 1 },
    });
  });
  afterAll(async () => {
    await governance.stop();
    await compliance.stop();
    await h.stop();
  });

  /** `npm run verify -- <manifest> --download --s3-endpoint …` in its own process. */
  const npmRunVerify = (s3: LocalS3, manifestKey: string) =>
    run(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
      ['local/verify.ts', `s3://${s3.bucket}/${manifestKey}`, '--download', '--s3-endpoint', s3.endpoint],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
      },
    ).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: `${error.stdout}${error.stderr}`,
      }),
    );
  const lockOf = (s3: LocalS3, key: string, versionId?: string) =>
    s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key, VersionId: versionId }));

  it('stores, locks (GOVERNANCE default) and verifies a backup', async () => {
    const before = Date.now();
    const result = await h.run({ s3Endpoint: governance.endpoint, bucket: governance.bucket });

    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    const manifest = result.manifest!;
    expect(manifest.files).toHaveLength(3);
    for (const file of manifest.files) {
      const head = await lockOf(governance, file.key, file.versionId);
      expect(head.ObjectLockMode, file.key).toBe('GOVERNANCE');
      expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThanOrEqual(before + DAY - 60_000);
    }
    const folder = manifest.files[0]!.key.slice(0, manifest.files[0]!.key.lastIndexOf('/') + 1);
    const verified = await npmRunVerify(governance, `${folder}manifest.json`);
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('extends the COMPLIANCE lock of a run with retention tiers to its tier, and verifies it', async () => {
    const result = await h.run({
      s3Endpoint: compliance.endpoint,
      bucket: compliance.bucket,
      database: 'tiered',
      retention: RETENTION,
    });

    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    const manifest = result.manifest!;
    const deletableFrom = Date.parse(manifest.retention!.deletableFrom);
    expect(deletableFrom).toBeGreaterThan(Date.now() + 2 * DAY);
    for (const file of manifest.files) {
      const head = await lockOf(compliance, file.key, file.versionId);
      expect(head.ObjectLockMode, file.key).toBe('COMPLIANCE');
      // "Write manifest" lengthened the default day to the tier's date (PutObjectRetention).
      expect(head.ObjectLockRetainUntilDate!.getTime(), file.key).toBeGreaterThanOrEqual(deletableFrom);
    }
    const folder = manifest.files[0]!.key.slice(0, manifest.files[0]!.key.lastIndexOf('/') + 1);
    const verified = await npmRunVerify(compliance, `${folder}manifest.json`);
    expect(verified.code, verified.stdout).toBe(0);
  });
});
