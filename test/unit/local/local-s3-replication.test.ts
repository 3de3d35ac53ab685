import zlib from 'node:zlib';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';

let s3: LocalS3;
const OFFSITE = 'offsite-bucket';

beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: 4, replication: { destinationBucket: OFFSITE, delayMs: 1 } });
});

afterAll(async () => {
  await s3.stop();
});

beforeEach(async () => {
  s3.replication?.release();
  await s3.replication?.settle();
});

const crc32 = (data: Uint8Array) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(zlib.crc32(data));
  return bytes.toString('base64');
};

const head = (Bucket: string, Key: string) =>
  s3.client.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));

async function put(Key: string, body: string, Tagging?: string) {
  const data = Buffer.from(body);
  await s3.client.send(
    new PutObjectCommand({ Bucket: s3.bucket, Key, Body: data, ChecksumCRC32: crc32(data), Tagging }),
  );
}

describe('local S3 replication', () => {
  it('marks a new object PENDING, then COMPLETED once bytes, tags and checksum are in the destination', async () => {
    s3.replication?.hold();
    await put('db/run-1/a.dmp', 'dump bytes', 'tier=daily&expire-after-days=7');
    expect((await head(s3.bucket, 'db/run-1/a.dmp')).ReplicationStatus).toBe('PENDING');
    await expect(head(OFFSITE, 'db/run-1/a.dmp')).rejects.toMatchObject({ name: 'NotFound' });

    s3.replication?.release();
    await s3.replication?.settle();
    expect((await head(s3.bucket, 'db/run-1/a.dmp')).ReplicationStatus).toBe('COMPLETED');
    const replica = await head(OFFSITE, 'db/run-1/a.dmp');
    expect(replica).toMatchObject({
      ReplicationStatus: 'REPLICA',
      ChecksumCRC32: crc32(Buffer.from('dump bytes')),
    });
    const got = await s3.client.send(new GetObjectCommand({ Bucket: OFFSITE, Key: 'db/run-1/a.dmp' }));
    expect(await got.Body?.transformToString()).toBe('dump bytes');
    const tags = await s3.client.send(
      new GetObjectTaggingCommand({ Bucket: OFFSITE, Key: 'db/run-1/a.dmp' }),
    );
    expect(tags.TagSet).toEqual([
      { Key: 'tier', Value: 'daily' },
      { Key: 'expire-after-days', Value: '7' },
    ]);
  });

  it('replicates a completed multipart upload with its FULL_OBJECT checksum', async () => {
    const Key = 'db/run-1/big.dmp';
    const parts = [Buffer.from('first part'), Buffer.from('second')];
    const { UploadId } = await s3.client.send(
      new CreateMultipartUploadCommand({
        Bucket: s3.bucket,
        Key,
        ChecksumAlgorithm: 'CRC32',
        ChecksumType: 'FULL_OBJECT',
      }),
    );
    const completed = [];
    for (const [index, Body] of parts.entries()) {
      const { ETag } = await s3.client.send(
        new UploadPartCommand({
          Bucket: s3.bucket,
          Key,
          UploadId,
          PartNumber: index + 1,
          Body,
          ChecksumCRC32: crc32(Body),
        }),
      );
      completed.push({ PartNumber: index + 1, ETag, ChecksumCRC32: crc32(Body) });
    }
    const whole = crc32(Buffer.concat(parts));
    await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key,
        UploadId,
        ChecksumCRC32: whole,
        ChecksumType: 'FULL_OBJECT',
        MultipartUpload: { Parts: completed },
      }),
    );
    await s3.replication?.settle();
    expect((await head(s3.bucket, Key)).ReplicationStatus).toBe('COMPLETED');
    expect((await head(OFFSITE, Key)).ChecksumCRC32).toBe(whole);
  });

  it('marks FAILED and copies nothing under a failing prefix, and replicates again once healed', async () => {
    s3.replication?.failPrefix('db/run-2/');
    await put('db/run-2/a.dmp', 'lost');
    await put('db/run-3/a.dmp', 'kept');
    await s3.replication?.settle();
    expect((await head(s3.bucket, 'db/run-2/a.dmp')).ReplicationStatus).toBe('FAILED');
    await expect(head(OFFSITE, 'db/run-2/a.dmp')).rejects.toMatchObject({ name: 'NotFound' });
    expect((await head(s3.bucket, 'db/run-3/a.dmp')).ReplicationStatus).toBe('COMPLETED');

    s3.replication?.healPrefix('db/run-2/');
    await put('db/run-2/a.dmp', 'retried');
    await s3.replication?.settle();
    expect((await head(s3.bucket, 'db/run-2/a.dmp')).ReplicationStatus).toBe('COMPLETED');
  });

  it('replicates tag changes, and not deletes', async () => {
    const Key = 'db/run-4/a.dmp';
    await put(Key, 'held', 'tier=monthly');
    await s3.replication?.settle();
    await s3.client.send(
      new PutObjectTaggingCommand({
        Bucket: s3.bucket,
        Key,
        Tagging: {
          TagSet: [
            { Key: 'tier', Value: 'monthly' },
            { Key: 'expire-after-days', Value: '372' },
          ],
        },
      }),
    );
    await s3.replication?.settle();
    const tags = await s3.client.send(new GetObjectTaggingCommand({ Bucket: OFFSITE, Key }));
    expect(tags.TagSet).toContainEqual({ Key: 'expire-after-days', Value: '372' });

    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key }));
    await s3.replication?.settle();
    expect((await head(OFFSITE, Key)).ContentLength).toBe(4);
  });

  it('drops the copy of an object deleted while it was PENDING, as S3 does', async () => {
    s3.replication?.hold();
    await put('db/run-5/gone.dmp', 'short-lived');
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'db/run-5/gone.dmp' }));
    s3.replication?.release();
    await s3.replication?.settle();
    await expect(head(OFFSITE, 'db/run-5/gone.dmp')).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('does not replicate writes to the destination itself, nor answer a status for an unreplicated bucket', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: OFFSITE, Key: 'other/x', Body: 'x' }));
    await s3.replication?.settle();
    expect((await head(OFFSITE, 'other/x')).ReplicationStatus).toBeUndefined();
  });

  it('refuses a destination that is the source bucket', async () => {
    await expect(
      startLocalS3({ bucket: 'same', replication: { destinationBucket: 'same' } }),
    ).rejects.toThrow('"same" is the source bucket itself');
  });
});
