import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_S3_CREDENTIALS,
  type LocalS3,
  localS3Client,
  startLocalS3,
} from '../../../local/s3/local-s3.js';
import { readObject } from '../core/transfer/transfer-fixtures.js';

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

async function createUpload(key: string, fullObject = false): Promise<string> {
  const { UploadId } = await s3.client.send(
    new CreateMultipartUploadCommand({
      Bucket: s3.bucket,
      Key: key,
      ChecksumAlgorithm: 'CRC32',
      ...(fullObject ? { ChecksumType: 'FULL_OBJECT' as const } : {}),
    }),
  );
  return UploadId as string;
}

const MiB = 1024 * 1024;

/** Uploads the bodies as parts 1…n of a FULL_OBJECT upload; returns the completion's parts. */
async function fullObjectUpload(key: string, bodies: Buffer[]) {
  const uploadId = await createUpload(key, true);
  const parts: Array<{ PartNumber: number; ETag?: string; ChecksumCRC32: string }> = [];
  for (const [index, body] of bodies.entries()) {
    const { ETag } = await uploadPart(key, uploadId, index + 1, body);
    parts.push({ PartNumber: index + 1, ETag, ChecksumCRC32: crc32(body) });
  }
  const complete = (wholeCrc: string) =>
    s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ChecksumCRC32: wholeCrc,
        ChecksumType: 'FULL_OBJECT',
        MpuObjectSize: bodies.reduce((sum, body) => sum + body.length, 0),
      }),
    );
  return { uploadId, complete };
}

const head = (key: string) =>
  s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key, ChecksumMode: 'ENABLED' }));

const put = (key: string, body: string, extra: Partial<PutObjectCommand['input']> = {}) =>
  s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ...extra }));

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

  it('fails a FULL_OBJECT completion whose whole-object CRC-32 is wrong with BadDigest, keeping the upload', async () => {
    const bodies = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(1000, 2)];
    const { complete } = await fullObjectUpload('full/bad', bodies);

    await expect(complete(crc32(bodies[0] as Buffer))).rejects.toMatchObject({ name: 'BadDigest' });
    await complete(crc32(Buffer.concat(bodies)));
    expect((await readObject(s3, 'full/bad')).equals(Buffer.concat(bodies))).toBe(true);
  });

  it('shows the FULL_OBJECT CRC-32 of a completed upload on HEAD and GET with checksum mode', async () => {
    const bodies = [Buffer.alloc(5 * MiB, 3), Buffer.alloc(5 * MiB, 4), Buffer.from('tail')];
    const whole = crc32(Buffer.concat(bodies));
    await (await fullObjectUpload('full/good', bodies)).complete(whole);

    expect(await head('full/good')).toMatchObject({
      ChecksumCRC32: whole,
      ChecksumType: 'FULL_OBJECT',
      ContentLength: 10 * MiB + 4,
    });
    const plain = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'full/good' }));
    expect(plain.ChecksumCRC32).toBeUndefined();
  });

  it('fails a completion with a part under 5 MiB before the last with EntityTooSmall', async () => {
    const bodies = [Buffer.alloc(5 * MiB - 1, 1), Buffer.alloc(10, 2)];
    const { complete } = await fullObjectUpload('small/a', bodies);

    await expect(complete(crc32(Buffer.concat(bodies)))).rejects.toMatchObject({ name: 'EntityTooSmall' });
  });

  it('verifies the CRC-32 of a PutObject and shows it as FULL_OBJECT', async () => {
    await expect(put('put/a', 'data', { ChecksumCRC32: crc32(Buffer.from('other')) })).rejects.toMatchObject({
      name: 'BadDigest',
    });
    await put('put/a', 'data', { ChecksumCRC32: crc32(Buffer.from('data')) });

    expect(await head('put/a')).toMatchObject({
      ChecksumCRC32: crc32(Buffer.from('data')),
      ChecksumType: 'FULL_OBJECT',
    });
  });

  it('answers 412 to PutObject with If-None-Match: * when the key exists, and writes it when absent', async () => {
    await put('cond/new', 'first', { IfNoneMatch: '*' });

    await expect(put('cond/new', 'second', { IfNoneMatch: '*' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect((await readObject(s3, 'cond/new')).toString()).toBe('first');
  });

  it('answers 412 to PutObject with If-Match when the ETag differs, and writes it when it matches', async () => {
    const { ETag } = await put('cond/match', 'first');

    await expect(
      put('cond/match', 'second', { IfMatch: '"0123456789abcdef0123456789abcdef"' }),
    ).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    await put('cond/match', 'third', { IfMatch: ETag });
    expect((await readObject(s3, 'cond/match')).toString()).toBe('third');
  });

  it('fails a request signed with another secret key with SignatureDoesNotMatch', async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: LOCAL_S3_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' },
      forcePathStyle: true,
    });
    try {
      await expect(
        client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'sig/a', Body: 'x' })),
      ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
      await expect(
        client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'put/a' })),
      ).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      client.destroy();
    }
  });

  it('fails a body that does not match its signed x-amz-content-sha256 with XAmzContentSHA256Mismatch', async () => {
    const client = localS3Client(s3.endpoint);
    client.middlewareStack.add(
      (next) => async (args) => {
        // After signing: the body changes, the signed hash of the original stays.
        (args.request as { body: unknown }).body = 'tampered';
        return next(args);
      },
      { step: 'finalizeRequest', name: 'tamperBody', priority: 'low' },
    );
    try {
      await expect(
        client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'sig/body', Body: 'original' })),
      ).rejects.toMatchObject({ name: 'XAmzContentSHA256Mismatch' });
    } finally {
      client.destroy();
    }
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
