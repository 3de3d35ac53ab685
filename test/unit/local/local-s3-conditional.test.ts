import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';
import { readObject } from '../core/transfer/transfer-fixtures.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(() => s3.stop());

const put = (key: string, body: string, condition: { IfNoneMatch?: string; IfMatch?: string }) =>
  s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ...condition }));
const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

describe('the local S3 conditional writes', () => {
  it('creates an object with If-None-Match: * once, then answers 412 and keeps the first', async () => {
    await put('c/a.json', 'first', { IfNoneMatch: '*' });
    const error = await put('c/a.json', 'second', { IfNoneMatch: '*' }).catch((e: unknown) => e);

    expect(statusOf(error)).toBe(412);
    expect((await readObject(s3, 'c/a.json')).toString()).toBe('first');
  });

  it('replaces an object with If-Match only while its ETag is the one given', async () => {
    await put('c/b.json', 'one', {});
    const { ETag } = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'c/b.json' }));
    await put('c/b.json', 'two', { IfMatch: ETag! });
    const error = await put('c/b.json', 'three', { IfMatch: ETag! }).catch((e: unknown) => e);

    expect(statusOf(error)).toBe(412);
    expect((await readObject(s3, 'c/b.json')).toString()).toBe('two');
  });

  it('lets exactly one of many simultaneous If-None-Match writes win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => put('c/race.json', `writer ${i}`, { IfNoneMatch: '*' })),
    );

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('checks If-None-Match: * at CompleteMultipartUpload: 412, the object kept, the upload still there', async () => {
    const key = 'c/mpu.bin';
    const { UploadId } = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
    );
    const { ETag } = await s3.client.send(
      new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: 1, Body: 'ours' }),
    );
    await put(key, 'foreign', {});
    const complete = (condition: { IfNoneMatch?: string; IfMatch?: string }) =>
      s3.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: s3.bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
          ...condition,
        }),
      );
    const error = await complete({ IfNoneMatch: '*' }).catch((e: unknown) => e);

    expect(statusOf(error)).toBe(412);
    expect((await readObject(s3, key)).toString()).toBe('foreign');
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    await complete({ IfMatch: head.ETag! });
    expect((await readObject(s3, key)).toString()).toBe('ours');
  });
});
