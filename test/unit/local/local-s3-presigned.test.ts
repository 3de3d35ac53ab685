import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';

describe('local S3: presigned URLs, as DBMS_CLOUD.GET_OBJECT fetches them in a restore', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3({ bucket: 'presigned' });
    await s3.client.send(new PutObjectCommand({ Bucket: 'presigned', Key: 'a/x.DMP', Body: 'dump bytes' }));
  });
  afterAll(() => s3.stop());
  const presign = (expiresIn = 300) =>
    getSignedUrl(s3.client, new GetObjectCommand({ Bucket: 'presigned', Key: 'a/x.DMP' }), { expiresIn });

  it('serves a GET on a presigned URL without any header', async () => {
    const answer = await fetch(await presign());

    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('dump bytes');
  });

  it('fails a presigned URL whose signature was changed', async () => {
    const url = (await presign()).replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    );

    const answer = await fetch(url);

    expect(answer.status).toBe(403);
    expect(await answer.text()).toMatch(/SignatureDoesNotMatch/);
  });

  it('fails a presigned URL for another key', async () => {
    const url = (await presign()).replace('/a/x.DMP', '/a/y.DMP');

    expect((await fetch(url)).status).toBe(403);
  });

  it('fails an expired presigned URL', async () => {
    const url = new URL(await presign(60));
    url.searchParams.set('X-Amz-Date', '20200101T000000Z');

    const answer = await fetch(url);

    expect(answer.status).toBe(403);
    expect(await answer.text()).toMatch(/expired/);
  });

  it('fails a PUT on a presigned GET URL', async () => {
    expect((await fetch(await presign(), { method: 'PUT', body: 'other' })).status).toBe(403);
  });
});
