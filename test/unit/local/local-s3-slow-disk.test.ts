import fs from 'node:fs';
import zlib from 'node:zlib';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MANIFEST_VERSION } from '../../../functions/core/manifest/index.js';
import type { StoredFile } from '../../../functions/core/state/index.js';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';
import { verifyManifest } from '../../../local/verify/verify-manifest.js';
import { readObject } from '../core/transfer/transfer-fixtures.js';

/**
 * S3 answers a write once the object is stored: a HEAD or GET right after sees every byte. s3rver
 * 3.7.1 answered once the body had passed its hash, while its file stream still held bytes, so a
 * read that followed at once (verify's HEAD of an off-site replica, a version or replica copied from
 * the object) could see a short object under load. A slow disk makes that gap wide every time.
 */

const KiB = 1024;
const SLOW_WRITE_MS = 300;
let servers: LocalS3[] = [];
/** Writes the slow disk held back in the current test (none held: the test proved nothing). */
let held = 0;

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.map((server) => server.stop()));
  servers = [];
  expect(
    held,
    'the slow disk held no write back: file streams no longer go through fs.write',
  ).toBeGreaterThan(0);
  held = 0;
});

async function localS3(options: Parameters<typeof startLocalS3>[0] = {}): Promise<LocalS3> {
  const server = await startLocalS3(options);
  servers.push(server);
  return server;
}

/**
 * From now on, each write of at least `minBytes` into a file reaches the disk `SLOW_WRITE_MS` late
 * (small writes, such as s3rver's metadata, go through at once). Every file stream goes through
 * `fs.write` and `fs.writev`.
 */
function slowLargeWrites(minBytes: number): void {
  const { write, writev } = fs;
  const later = (bytes: number, go: () => void) => {
    if (bytes < minBytes) return go();
    held += 1;
    setTimeout(go, SLOW_WRITE_MS);
  };
  vi.spyOn(fs, 'write').mockImplementation(((...args: unknown[]) => {
    const data = args[1] as { byteLength?: number };
    later(data.byteLength ?? 0, () => Reflect.apply(write, fs, args));
  }) as typeof fs.write);
  vi.spyOn(fs, 'writev').mockImplementation(((...args: unknown[]) => {
    const buffers = args[1] as readonly NodeJS.ArrayBufferView[];
    const bytes = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
    later(bytes, () => Reflect.apply(writev, fs, args));
  }) as typeof fs.writev);
}

function crc32(data: Uint8Array): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(zlib.crc32(data));
  return bytes.toString('base64');
}

function body(bytes: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: bytes }, (_, index) => (index * 31 + seed) % 251));
}

describe('the local S3 on a slow disk: a write is answered once its object holds every byte', () => {
  it('PutObject: a HEAD and a GET right after see the whole object and its checksum', async () => {
    // GIVEN a local S3 whose disk takes its time with large writes
    const s3 = await localS3();
    const data = body(1024 * KiB, 7);
    slowLargeWrites(64 * KiB);
    // WHEN an object is put
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'slow/put.bin',
        Body: data,
        ChecksumCRC32: crc32(data),
      }),
    );
    // THEN what the bucket answers right after is the object written, whole
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: 'slow/put.bin', ChecksumMode: 'ENABLED' }),
    );
    expect({ bytes: head.ContentLength, crc32: head.ChecksumCRC32 }).toEqual({
      bytes: data.length,
      crc32: crc32(data),
    });
    expect((await readObject(s3, 'slow/put.bin')).equals(data)).toBe(true);
  });

  it('PutObject replacing an object: a HEAD right after sees the new size, not the old one', async () => {
    // GIVEN an object of 256 KiB on a local S3 whose disk then slows down
    const s3 = await localS3();
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'slow/twice.bin', Body: body(256 * KiB, 1) }),
    );
    const data = body(128 * KiB, 2);
    slowLargeWrites(64 * KiB);
    // WHEN it is replaced by a smaller one
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'slow/twice.bin', Body: data }));
    // THEN the bucket answers the new object at once
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'slow/twice.bin' }));
    expect(head.ContentLength).toBe(data.length);
    expect((await readObject(s3, 'slow/twice.bin')).equals(data)).toBe(true);
  });

  it('CompleteMultipartUpload: the object assembled from the parts is whole when the call is answered', async () => {
    // GIVEN two uploaded parts of 64 KiB (the smallest part lowered to that)
    const s3 = await localS3({ minPartBytes: 64 * KiB });
    const key = 'slow/multipart.bin';
    const parts = [body(64 * KiB, 3), body(64 * KiB, 4)];
    const { UploadId } = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
    );
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const { ETag } = await s3.client.send(
        new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: index + 1, Body: part }),
      );
      etags.push(ETag as string);
    }
    // WHEN the disk slows down and the upload is completed
    slowLargeWrites(32 * KiB);
    await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );
    // THEN the object holds both parts at once
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(head.ContentLength).toBe(128 * KiB);
    expect((await readObject(s3, key)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('UploadPart: ListParts and CompleteMultipartUpload right after see every byte of each part', async () => {
    // GIVEN a local S3 whose disk takes its time (the smallest part lowered to 64 KiB)
    const s3 = await localS3({ minPartBytes: 64 * KiB });
    const key = 'slow/parts.bin';
    const parts = [body(64 * KiB, 9), body(48 * KiB, 10)];
    const { UploadId } = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
    );
    slowLargeWrites(32 * KiB);
    // WHEN the parts are uploaded, then listed and completed at once
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const { ETag } = await s3.client.send(
        new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: index + 1, Body: part }),
      );
      etags.push(ETag as string);
    }
    const listed = await s3.client.send(new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId }));
    await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );
    // THEN the parts were whole when their upload was answered, and so is the object
    expect(listed.Parts?.map((part) => part.Size)).toEqual([64 * KiB, 48 * KiB]);
    expect((await readObject(s3, key)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('a versioned bucket keeps the whole object as the version written, not the bytes flushed so far', async () => {
    // GIVEN a versioned local S3 whose disk takes its time
    const s3 = await localS3({ versioned: true });
    const data = body(512 * KiB, 5);
    slowLargeWrites(64 * KiB);
    // WHEN an object is put
    const { VersionId } = await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'slow/versioned.bin', Body: data }),
    );
    // THEN the version kept is the whole object
    const version = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: 'slow/versioned.bin', VersionId }),
    );
    expect(version.ContentLength).toBe(data.length);
  });

  it('a replica copied from a fresh object is the whole object', async () => {
    // GIVEN a local S3 replicating at once into an off-site bucket, on a slow disk
    const s3 = await localS3({ replication: { destinationBucket: 'offsite', delayMs: 1 } });
    const data = body(512 * KiB, 6);
    slowLargeWrites(64 * KiB);
    // WHEN an object is put and replicated
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'slow/replicated.bin', Body: data }));
    await s3.replication?.settle();
    // THEN the replica holds every byte
    const replica = await s3.client.send(
      new HeadObjectCommand({ Bucket: 'offsite', Key: 'slow/replicated.bin' }),
    );
    expect(replica.ContentLength).toBe(data.length);
  });
});

describe('verify of off-site replicas written just before (the flaky verify-manifest case, on a slow disk)', () => {
  it('finds every replica whole when it checks right after they were written', async () => {
    // GIVEN a manifest listing a dump file, and an off-site bucket on a disk that takes its time
    const s3 = await localS3();
    const offsite = await localS3({ bucket: 'offsite' });
    const dump = body(1024 * KiB, 8);
    const file: StoredFile = {
      name: 'A-01.DMP',
      kind: 'dump',
      key: 'slow/A-01.DMP',
      bytes: dump.length,
      checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: crc32(dump) },
      invocations: 1,
    };
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'slow/manifest.json',
        Body: JSON.stringify({ manifestVersion: MANIFEST_VERSION, files: [file] }),
      }),
    );
    slowLargeWrites(64 * KiB);
    // WHEN the replica is written and verify checks the off-site bucket at once
    await offsite.client.send(
      new PutObjectCommand({ Bucket: offsite.bucket, Key: file.key, Body: dump, ChecksumCRC32: crc32(dump) }),
    );
    const result = await verifyManifest({
      s3: s3.client,
      manifestUri: `s3://${s3.bucket}/slow/manifest.json`,
      download: false,
      offsite: { s3: offsite.client, bucket: offsite.bucket },
    });
    // THEN the replica matches the manifest
    expect(result.files.flatMap((verdict) => verdict.problems)).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
