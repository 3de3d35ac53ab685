import { AbortMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CopyProgress } from '../../../../functions/core/state/index.js';
import { copyFile } from '../../../../functions/core/transfer/copy-file.js';
import { type LocalS3, localS3Client, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { FakeOrds, fileBytes } from '../../../helpers/fake-ords.js';
import {
  copyDeps,
  copyPayload,
  copyUntilDone,
  fullObjectCrc32,
  MiB,
  objectTags,
  pendingUploads,
  readObject,
} from './transfer-fixtures.js';

/** Issue 18: every dump and log is created once; a foreign object under its key fails the copy and stays. */

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: MiB });
});
afterAll(() => s3.stop());

const FILE = fileBytes(3.5 * MiB, 18);
const SMALL = fileBytes(1000, 19);
const putForeign = (key: string, body: Buffer | string) =>
  s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
const continuation = (progress: CopyProgress) => {
  if (progress.done) throw new Error('expected a continuation');
  return progress;
};

describe('copyFile write-once', () => {
  it('fails naming the key when a foreign object holds a dump key, keeps it byte for byte, leaves no upload', async () => {
    const ords = new FakeOrds({ 'F-01.DMP': FILE });
    const foreign = fileBytes(2 * MiB, 99);
    await putForeign('foreign/F-01.DMP', foreign);

    const error = await copyFile(copyDeps(ords, s3), copyPayload('F-01.DMP', 'foreign/F-01.DMP')).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({
      name: 'StorageRejectedError',
      message: expect.stringMatching(/foreign\/F-01\.DMP already holds an object of 2097152 bytes, ETag/),
    });
    expect((await readObject(s3, 'foreign/F-01.DMP')).equals(foreign)).toBe(true);
    expect(await pendingUploads(s3, 'foreign/F-01.DMP')).toEqual([]);
  });

  it('fails the same way for a small log file (one PutObject) whose key holds other bytes', async () => {
    const ords = new FakeOrds({ 'F.LOG': SMALL });
    await putForeign('foreign/F.LOG', 'not the log');

    const error = await copyFile(copyDeps(ords, s3), copyPayload('F.LOG', 'foreign/F.LOG', 'log')).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({
      name: 'StorageRejectedError',
      message: expect.stringContaining('foreign/F.LOG'),
    });
    expect((await readObject(s3, 'foreign/F.LOG')).toString()).toBe('not the log');
  });

  it('recognises its own small object stored by an invocation killed before it answered', async () => {
    const ords = new FakeOrds({ 'K.LOG': SMALL });
    // The killed invocation's PutObject reached S3; its marker tags were never written.
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'own/K.LOG',
        Body: SMALL,
        ChecksumCRC32: fullObjectCrc32(SMALL).value,
      }),
    );

    const { file } = await copyUntilDone(copyDeps(ords, s3), copyPayload('K.LOG', 'own/K.LOG', 'log'));

    expect(file).toMatchObject({ bytes: SMALL.length, checksum: fullObjectCrc32(SMALL) });
    expect(await objectTags(s3, 'own/K.LOG')).toMatchObject({ bytes: String(SMALL.length) });
  });

  it('recognises the upload its continuation completed, by the token, when the invocation was killed after Complete', async () => {
    const ords = new FakeOrds({ 'T-01.DMP': FILE });
    const payload = copyPayload('T-01.DMP', 'own/T-01.DMP');
    const first = continuation(await copyFile(copyDeps(ords, s3, { remainingTimeMs: () => 0 }), payload));
    expect(first.copyToken).toMatch(/^[0-9a-f-]{36}$/);
    // The next invocation completes the upload, then is killed before it writes the marker.
    const killing = localS3Client(s3.endpoint);
    killing.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'CompleteMultipartUploadCommand') throw new Error('killed');
        return result;
      },
      { step: 'initialize', name: 'killAfterComplete' },
    );
    await expect(
      copyFile(copyDeps(ords, { client: killing, bucket: s3.bucket }), { ...payload, progress: first }),
    ).rejects.toThrow('killed');

    const retried = await copyFile(copyDeps(ords, s3), { ...payload, progress: first });

    expect(retried).toMatchObject({
      done: true,
      file: { bytes: FILE.length, checksum: fullObjectCrc32(FILE) },
    });
    // Without the token the retry would copy again and meet its own object as a foreign one (412).
    expect((await readObject(s3, 'own/T-01.DMP')).equals(FILE)).toBe(true);
    expect(await objectTags(s3, 'own/T-01.DMP')).toMatchObject({ bytes: String(FILE.length) });
  });

  it('does not take a foreign object for its own after its upload is gone: fails and keeps it', async () => {
    const ords = new FakeOrds({ 'G-01.DMP': FILE });
    const payload = copyPayload('G-01.DMP', 'gone/G-01.DMP');
    const first = continuation(await copyFile(copyDeps(ords, s3, { remainingTimeMs: () => 0 }), payload));
    await s3.client.send(
      new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: 'gone/G-01.DMP', UploadId: first.uploadId }),
    );
    // Someone stores the very bytes of the file, with forged marker tags.
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'gone/G-01.DMP',
        Body: Buffer.concat([FILE.subarray(0, MiB), Buffer.alloc(FILE.length - MiB)]),
        Tagging: `crc32=${encodeURIComponent(fullObjectCrc32(FILE).value)}&bytes=${FILE.length}`,
      }),
    );

    const error = await copyFile(copyDeps(ords, s3), { ...payload, progress: first }).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({
      name: 'StorageRejectedError',
      message: expect.stringContaining('gone/G-01.DMP'),
    });
    expect((await readObject(s3, 'gone/G-01.DMP')).subarray(MiB).every((byte) => byte === 0)).toBe(true);
  });
});
