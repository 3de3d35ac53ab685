import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from '../../helpers/local-s3.js';
import { readObject } from './transfer-fixtures.js';

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3();
});

afterAll(async () => {
  await s3.stop();
});

function crc32(data: Uint8Array): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(zlib.crc32(data));
  return bytes.toString('base64');
}

async function createUpload(key: string): Promise<string> {
  const { UploadId } = await s3.client.send(
    new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key, ChecksumAlgorithm: 'CRC32' }),
  );
  return UploadId as string;
}

async function uploadPart(
  key: string,
  uploadId: string,
  partNumber: number,
  body: Buffer,
  checksum = crc32(body),
) {
  return s3.client.send(
    new UploadPartCommand({
      Bucket: s3.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: body,
      ChecksumCRC32: checksum,
    }),
  );
}

describe('startLocalS3', () => {
  it('lists the parts of an upload page by page with their size and CRC-32', async () => {
    const uploadId = await createUpload('list/a');
    const bodies = [1, 2, 3].map((n) => Buffer.alloc(n * 10, n));
    for (const [index, body] of bodies.entries()) await uploadPart('list/a', uploadId, index + 1, body);

    const first = await s3.client.send(
      new ListPartsCommand({ Bucket: s3.bucket, Key: 'list/a', UploadId: uploadId, MaxParts: 2 }),
    );
    const second = await s3.client.send(
      new ListPartsCommand({
        Bucket: s3.bucket,
        Key: 'list/a',
        UploadId: uploadId,
        PartNumberMarker: first.NextPartNumberMarker,
      }),
    );

    expect(first.IsTruncated).toBe(true);
    expect(first.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32])).toEqual([
      [1, 10, crc32(bodies[0] as Buffer)],
      [2, 20, crc32(bodies[1] as Buffer)],
    ]);
    expect(second.IsTruncated).toBe(false);
    expect(second.Parts?.map((p) => p.PartNumber)).toEqual([3]);
  });

  it('aborts an upload, after which its parts and completion fail with NoSuchUpload', async () => {
    const uploadId = await createUpload('abort/a');
    await uploadPart('abort/a', uploadId, 1, Buffer.from('x'));

    await s3.client.send(
      new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: 'abort/a', UploadId: uploadId }),
    );

    await expect(uploadPart('abort/a', uploadId, 2, Buffer.from('y'))).rejects.toMatchObject({
      name: 'NoSuchUpload',
    });
    await expect(
      s3.client.send(new ListPartsCommand({ Bucket: s3.bucket, Key: 'abort/a', UploadId: uploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('fails a part whose CRC-32 does not match its bytes with BadDigest', async () => {
    const uploadId = await createUpload('digest/a');

    await expect(
      uploadPart('digest/a', uploadId, 1, Buffer.from('data'), crc32(Buffer.from('other'))),
    ).rejects.toMatchObject({
      name: 'BadDigest',
    });
  });

  it('fails a completion that names a checksum or size other than the parts hold', async () => {
    const uploadId = await createUpload('complete/a');
    const { ETag } = await uploadPart('complete/a', uploadId, 1, Buffer.from('data'));
    const complete = (part: object, size?: number) =>
      s3.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: s3.bucket,
          Key: 'complete/a',
          UploadId: uploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag, ...part }] },
          ...(size === undefined ? {} : { MpuObjectSize: size }),
        }),
      );

    await expect(complete({ ChecksumCRC32: crc32(Buffer.from('nope')) })).rejects.toMatchObject({
      name: 'InvalidPart',
    });
    await expect(complete({}, 5)).rejects.toMatchObject({ name: 'InvalidRequest' });
    await complete({ ChecksumCRC32: crc32(Buffer.from('data')) }, 4);
    expect((await readObject(s3, 'complete/a')).toString()).toBe('data');
    await expect(complete({})).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('drops the tags of an object that is replaced, as S3 does', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'tags/a', Body: 'one' }));
    await s3.client.send(
      new PutObjectTaggingCommand({
        Bucket: s3.bucket,
        Key: 'tags/a',
        Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] },
      }),
    );

    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'tags/a', Body: 'two' }));

    const { TagSet } = await s3.client.send(
      new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: 'tags/a' }),
    );
    expect(TagSet ?? []).toEqual([]);
  });

  it('refuses an aws-chunked upload instead of storing its framing', async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_S3_CREDENTIALS,
      forcePathStyle: true,
    });
    try {
      await expect(
        client.send(
          new PutObjectCommand({
            Bucket: s3.bucket,
            Key: 'chunked/a',
            Body: Readable.from([Buffer.alloc(1000, 1)]),
            ContentLength: 1000,
            ChecksumAlgorithm: 'CRC32',
          }),
        ),
      ).rejects.toMatchObject({ name: 'NotImplemented' });
    } finally {
      client.destroy();
    }
  });
});
