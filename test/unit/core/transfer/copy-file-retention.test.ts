import { crc32 } from 'node:zlib';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTimeTags } from '../../../../functions/core/retention/index.js';
import { putSmallObject } from '../../../../functions/core/transfer/stored-object.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { FakeOrds, fileBytes } from '../../../helpers/fake-ords.js';
import { copyDeps, copyPayload, copyUntilDone, MiB, objectTags, readObject } from './transfer-fixtures.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: MiB });
});
afterAll(async () => {
  await s3.stop();
});

const objectTagsOfPolicy = writeTimeTags({ daily: 7, weekly: 5, monthly: 12, yearly: 7 });

describe('copyFile with retention tiers', () => {
  it('writes a multipart file as a daily, and its marker keeps the daily tags', async () => {
    const data = fileBytes(2.5 * MiB, 3);
    const deps = { ...copyDeps(new FakeOrds({ 'A-01.DMP': data }), s3), objectTags: objectTagsOfPolicy };

    await copyUntilDone(deps, copyPayload('A-01.DMP', 'tiers/A-01.DMP'));

    expect((await readObject(s3, 'tiers/A-01.DMP')).equals(data)).toBe(true);
    expect(await objectTags(s3, 'tiers/A-01.DMP')).toMatchObject({ tier: 'daily', 'expire-after-days': '7' });
  });

  it('writes a file small enough for one request as a daily', async () => {
    const data = fileBytes(1000, 4);
    const deps = { ...copyDeps(new FakeOrds({ 'A.LOG': data }), s3), objectTags: objectTagsOfPolicy };

    await copyUntilDone(deps, copyPayload('A.LOG', 'tiers/A.LOG'));

    expect(await objectTags(s3, 'tiers/A.LOG')).toMatchObject({ tier: 'daily', 'expire-after-days': '7' });
  });

  it('tags the object in the write itself, before any marker: a copy killed after it leaves a daily', async () => {
    const data = fileBytes(1000, 6);
    const target = { s3: s3.client, bucket: s3.bucket, key: 'tiers/C.LOG', tags: objectTagsOfPolicy };

    await putSmallObject(target, data, crc32(data), 'text/plain');

    expect(await objectTags(s3, 'tiers/C.LOG')).toEqual({ tier: 'daily', 'expire-after-days': '7' });
  });

  it('tags a multipart upload with the tags it was created with, before any marker', async () => {
    const data = fileBytes(1000, 7);
    const key = 'tiers/D-01.DMP';
    const created = await s3.client.send(
      new CreateMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: key,
        Tagging: 'tier=daily&expire-after-days=7',
      }),
    );
    const part = await s3.client.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId: created.UploadId,
        PartNumber: 1,
        Body: data,
      }),
    );
    await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );

    expect(await objectTags(s3, key)).toEqual({ tier: 'daily', 'expire-after-days': '7' });
  });

  it('writes no tier tags without retention', async () => {
    const data = fileBytes(1000, 5);
    await copyUntilDone(copyDeps(new FakeOrds({ 'B.LOG': data }), s3), copyPayload('B.LOG', 'tiers/B.LOG'));

    expect(Object.keys(await objectTags(s3, 'tiers/B.LOG'))).not.toContain('tier');
  });
});
