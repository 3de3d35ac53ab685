import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filePresigner, type SourceFile } from '../../../../functions/core/restore/index.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';

/**
 * The one presigner of the restore (deployed and `npm run restore`) and the drill from S3, against
 * the local S3 with a versioned bucket, as DBMS_CLOUD.GET_OBJECT fetches its URLs.
 */

const KEY = 'orders/2026-12-07/ORDS_EXPORT_1/EXPDAT01.DMP';

describe('filePresigner', () => {
  let s3: LocalS3;
  let file: SourceFile;
  beforeAll(async () => {
    s3 = await startLocalS3({ bucket: 'backups', versioned: true });
    const put = await s3.client.send(
      new PutObjectCommand({ Bucket: 'backups', Key: KEY, Body: 'backed up' }),
    );
    file = { name: 'EXPDAT01.DMP', key: KEY, bytes: 9, sha256: 'ab', versionId: put.VersionId as string };
    // A later write under the key: the restore must still fetch the version the manifest recorded.
    await s3.client.send(new PutObjectCommand({ Bucket: 'backups', Key: KEY, Body: 'overwritten later' }));
  });
  afterAll(() => s3.stop());

  it('presigns the recorded version, which a later write under the key does not replace', async () => {
    const url = await filePresigner(s3.client, 300)('backups', file);

    const answer = await fetch(url);

    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('backed up');
  });

  it('presigns the current object of a file without a version', async () => {
    const { versionId: _, ...unversioned } = file;
    const url = await filePresigner(s3.client, 300)('backups', unversioned);

    expect(new URL(url).searchParams.has('versionId')).toBe(false);
    expect(await (await fetch(url)).text()).toBe('overwritten later');
  });

  it('makes URLs valid for the time it is given (the local command passes --presign-seconds)', async () => {
    for (const seconds of [60, 3600]) {
      const url = new URL(await filePresigner(s3.client, seconds)('backups', file));
      expect(url.searchParams.get('X-Amz-Expires')).toBe(String(seconds));
    }
  });
});
