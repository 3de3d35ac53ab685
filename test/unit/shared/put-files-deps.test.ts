import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SourceFile } from '../../../functions/core/restore/index.js';
import { putFilesDeps } from '../../../functions/shared/put-files-deps.js';

const s3 = new S3Client({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
});

const FILE: SourceFile = { name: 'EXPDAT01.DMP', key: 'orders/x/EXPDAT01.DMP', bytes: 10, sha256: 'ab' };

/** A Lambda context with `remainingMs` left. */
function contextWith(remainingMs: number): Context {
  return { getRemainingTimeInMillis: () => remainingMs } as unknown as Context;
}

describe('putFilesDeps: the presigner and stop test of the restore and the drill from S3', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('presigns a GetObject of the file in the given bucket, valid for 300 seconds', async () => {
    const { presign } = putFilesDeps(s3, contextWith(600_000), 'RESTORE_SAFETY_MARGIN_SECONDS');

    const url = new URL(await presign('backups', FILE));

    expect(url.pathname).toMatch(/orders\/x\/EXPDAT01\.DMP$/);
    expect(url.hostname).toMatch(/^backups\./);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.has('versionId')).toBe(false);
  });

  it('presigns the version of a file that has one', async () => {
    const { presign } = putFilesDeps(s3, contextWith(600_000), 'RESTORE_SAFETY_MARGIN_SECONDS');

    const url = new URL(await presign('backups', { ...FILE, versionId: 'v-7' }));

    expect(url.searchParams.get('versionId')).toBe('v-7');
  });

  it("stops once less time is left than the step's own margin", () => {
    vi.stubEnv('RESTORE_SAFETY_MARGIN_SECONDS', '30');
    vi.stubEnv('COPY_SAFETY_MARGIN_SECONDS', '90');

    expect(putFilesDeps(s3, contextWith(29_999), 'RESTORE_SAFETY_MARGIN_SECONDS').shouldStop()).toBe(true);
    expect(putFilesDeps(s3, contextWith(30_000), 'RESTORE_SAFETY_MARGIN_SECONDS').shouldStop()).toBe(false);
  });

  it("falls back to the copy's margin, then to 60 seconds", () => {
    vi.stubEnv('RESTORE_DRILL_SAFETY_MARGIN_SECONDS', '');
    vi.stubEnv('COPY_SAFETY_MARGIN_SECONDS', '90');
    expect(putFilesDeps(s3, contextWith(89_000), 'RESTORE_DRILL_SAFETY_MARGIN_SECONDS').shouldStop()).toBe(
      true,
    );

    vi.stubEnv('COPY_SAFETY_MARGIN_SECONDS', '');
    expect(putFilesDeps(s3, contextWith(59_000), 'RESTORE_DRILL_SAFETY_MARGIN_SECONDS').shouldStop()).toBe(
      true,
    );
    expect(putFilesDeps(s3, contextWith(61_000), 'RESTORE_DRILL_SAFETY_MARGIN_SECONDS').shouldStop()).toBe(
      false,
    );
  });

  it('fails when the margin variable is not a positive number, naming it', () => {
    vi.stubEnv('RESTORE_SAFETY_MARGIN_SECONDS', 'soon');

    expect(() => putFilesDeps(s3, contextWith(600_000), 'RESTORE_SAFETY_MARGIN_SECONDS')).toThrow(
      /RESTORE_SAFETY_MARGIN_SECONDS must be a positive number, got "soon"/,
    );
  });
});
