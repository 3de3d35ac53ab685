import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_VERSION } from '../../../functions/core/manifest/manifest.js';
import type { StoredFile } from '../../../functions/core/state/index.js';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';
import { verifyManifest } from '../../../local/verify/verify-manifest.js';
import { FakeOrds, fileBytes } from '../../helpers/fake-ords.js';
import { copyDeps, copyPayload, copyUntilDone, MiB, readObject } from '../core/transfer/transfer-fixtures.js';

/** Issue 18: verify reads the version a manifest recorded, on a versioned bucket of the local S3. */

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ versioned: true, minPartBytes: MiB });
});
afterAll(() => s3.stop());

const body = async (output: { Body?: { transformToByteArray(): Promise<Uint8Array> } }) =>
  Buffer.from(await output.Body!.transformToByteArray());

describe('the local S3, versioned', () => {
  it('keeps each write as a version: GET with the first versionId returns the first bytes', async () => {
    const first = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'v/a', Body: 'one' }));
    const second = await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'v/a', Body: 'three' }),
    );

    expect(first.VersionId).toMatch(/^[0-9a-f]{32}$/);
    expect(second.VersionId).not.toBe(first.VersionId);
    const old = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: 'v/a', VersionId: first.VersionId }),
    );
    expect((await body(old)).toString()).toBe('one');
    expect(old.VersionId).toBe(first.VersionId);
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: 'v/a', VersionId: first.VersionId }),
    );
    expect(head.ContentLength).toBe(3);
    expect((await readObject(s3, 'v/a')).toString()).toBe('three');
    const missing = await s3.client
      .send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'v/a', VersionId: 'f'.repeat(32) }))
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('lets verify pass on the versions a backup recorded, after its keys were written again', async () => {
    const dump = fileBytes(3.5 * MiB, 41);
    const log = Buffer.from('Job "DBAPI_USER"."EXPORT" successfully completed\n');
    const ords = new FakeOrds({ 'V-01.DMP': dump, 'V.LOG': log });
    const deps = copyDeps(ords, s3);
    const files: StoredFile[] = [
      (await copyUntilDone({ ...deps, remainingTimeMs: () => 0 }, copyPayload('V-01.DMP', 'ver/V-01.DMP')))
        .file,
      (await copyUntilDone(deps, copyPayload('V.LOG', 'ver/V.LOG', 'log'))).file,
    ];
    expect(files.map((file) => file.versionId)).toEqual([
      expect.stringMatching(/^[0-9a-f]{32}$/),
      expect.stringMatching(/^[0-9a-f]{32}$/),
    ]);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'ver/manifest.json',
        Body: JSON.stringify({ manifestVersion: MANIFEST_VERSION, files }),
      }),
    );
    // Someone writes new versions over both keys (a bucket without the copy's write-once policy).
    for (const file of files) {
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: file.key, Body: 'replaced' }));
    }

    const result = await verifyManifest({
      s3: s3.client,
      manifestUri: `s3://${s3.bucket}/ver/manifest.json`,
      download: true,
    });

    expect(result.files.map((file) => file.problems)).toEqual([[], []]);
    expect(result.ok).toBe(true);
    // Without the version, the same manifest fails: what makes the check above mean something.
    const unversioned = files.map(({ versionId: _, ...file }) => file);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'ver/unversioned/manifest.json',
        Body: JSON.stringify({ manifestVersion: MANIFEST_VERSION, files: unversioned }),
      }),
    );
    const current = await verifyManifest({
      s3: s3.client,
      manifestUri: `s3://${s3.bucket}/ver/unversioned/manifest.json`,
      download: true,
    });
    expect(current.ok).toBe(false);
  });
});
