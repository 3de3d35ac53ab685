import zlib from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFile } from '../../../../functions/core/transfer/copy-file.js';
import { type LocalS3, localS3Client, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { FakeOrds, fileBytes } from '../../../helpers/fake-ords.js';
import {
  copyDeps,
  copyPayload,
  copyUntilDone,
  fullObjectCrc32,
  MiB,
  objectExists,
  pendingUploads,
  readObject,
} from './transfer-fixtures.js';

let s3: LocalS3;
const clients: S3Client[] = [];

beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: MiB });
});

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

afterAll(async () => {
  await s3.stop();
});

const FILE = fileBytes(3.5 * MiB, 11);

function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/**
 * A client of the local S3 whose `command` fails with `error` on the calls numbered in `calls`
 * (1-based; every call when omitted). Injected before the SDK's retry step: the failure is final.
 */
function failingClient(
  command: string,
  error: () => Error,
  calls?: number[],
): S3Client & { calls: string[] } {
  const client = Object.assign(localS3Client(s3.endpoint), { calls: [] as string[] });
  let seen = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      client.calls.push(context.commandName ?? '');
      if (context.commandName === command) {
        seen += 1;
        if (calls === undefined || calls.includes(seen)) throw error();
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectFailure' },
  );
  clients.push(client);
  return client;
}

describe('copyFile with S3 failures', () => {
  it('fails with StorageUnavailableError when UploadPart answers 500, and aborts the upload', async () => {
    const client = failingClient('UploadPartCommand', () => s3Error('InternalError', 500), [2]);
    const ords = new FakeOrds({ 'A-01.DMP': FILE });

    await expect(
      copyFile(copyDeps(ords, { client, bucket: s3.bucket }), copyPayload('A-01.DMP', 'e/A-01.DMP')),
    ).rejects.toMatchObject({
      name: 'StorageUnavailableError',
      message: expect.stringMatching(/s3:\/\/local-bucket\/e\/A-01\.DMP.*InternalError/),
    });
    expect(client.calls).toContain('AbortMultipartUploadCommand');
    expect(await pendingUploads(s3, 'e/A-01.DMP')).toEqual([]);
    expect(await objectExists(s3, 'e/A-01.DMP')).toBe(false);
  });

  it('fails with StorageUnavailableError when UploadPart answers SlowDown, and aborts the upload', async () => {
    const client = failingClient('UploadPartCommand', () =>
      s3Error('SlowDown', 503, 'Please reduce your request rate.'),
    );
    const ords = new FakeOrds({ 'B-01.DMP': FILE });

    await expect(
      copyFile(copyDeps(ords, { client, bucket: s3.bucket }), copyPayload('B-01.DMP', 'e/B-01.DMP')),
    ).rejects.toMatchObject({
      name: 'StorageUnavailableError',
      message: expect.stringContaining('SlowDown'),
    });
    expect(await pendingUploads(s3, 'e/B-01.DMP')).toEqual([]);
    expect(await objectExists(s3, 'e/B-01.DMP')).toBe(false);
  });

  it('fails with StorageUnavailableError when CompleteMultipartUpload answers SlowDown, and aborts the upload', async () => {
    const client = failingClient('CompleteMultipartUploadCommand', () => s3Error('SlowDown', 503));
    const ords = new FakeOrds({ 'C-01.DMP': FILE });

    await expect(
      copyFile(copyDeps(ords, { client, bucket: s3.bucket }), copyPayload('C-01.DMP', 'e/C-01.DMP')),
    ).rejects.toMatchObject({
      name: 'StorageUnavailableError',
    });
    expect(client.calls.at(-1)).toBe('AbortMultipartUploadCommand');
    expect(await pendingUploads(s3, 'e/C-01.DMP')).toEqual([]);
    expect(await objectExists(s3, 'e/C-01.DMP')).toBe(false);
  });

  it('fails with StorageUnavailableError when CompleteMultipartUpload answers 500, and aborts the upload', async () => {
    const client = failingClient('CompleteMultipartUploadCommand', () => s3Error('InternalError', 500));
    const ords = new FakeOrds({ 'D-01.DMP': FILE });

    await expect(
      copyFile(copyDeps(ords, { client, bucket: s3.bucket }), copyPayload('D-01.DMP', 'e/D-01.DMP')),
    ).rejects.toMatchObject({
      name: 'StorageUnavailableError',
    });
    expect(await pendingUploads(s3, 'e/D-01.DMP')).toEqual([]);
    expect(await objectExists(s3, 'e/D-01.DMP')).toBe(false);
  });

  it('fails with StorageUnavailableError when S3 cannot be reached', async () => {
    const client = failingClient('UploadPartCommand', () =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    );
    const ords = new FakeOrds({ 'E-01.DMP': FILE });

    await expect(
      copyFile(copyDeps(ords, { client, bucket: s3.bucket }), copyPayload('E-01.DMP', 'e/E-01.DMP')),
    ).rejects.toMatchObject({
      name: 'StorageUnavailableError',
    });
    expect(await pendingUploads(s3, 'e/E-01.DMP')).toEqual([]);
  });

  it('keeps the upload of a continuation after a retried S3 failure, and the retry completes it', async () => {
    const ords = new FakeOrds({ 'F-01.DMP': FILE });
    const first = await copyFile(
      copyDeps(ords, s3, { remainingTimeMs: () => 0 }),
      copyPayload('F-01.DMP', 'e/F-01.DMP'),
    );
    if (first.done) throw new Error('expected a continuation');
    const client = failingClient('UploadPartCommand', () => s3Error('SlowDown', 503));
    const resume = copyPayload('F-01.DMP', 'e/F-01.DMP', 'dump', first);

    await expect(copyFile(copyDeps(ords, { client, bucket: s3.bucket }), resume)).rejects.toMatchObject({
      name: 'StorageUnavailableError',
    });
    expect(client.calls).not.toContain('AbortMultipartUploadCommand');
    expect(await pendingUploads(s3, 'e/F-01.DMP')).toEqual([first.uploadId]);

    const { file } = await copyUntilDone(copyDeps(ords, s3), resume);
    expect(file).toMatchObject({ checksum: fullObjectCrc32(FILE), invocations: 2 });
    expect((await readObject(s3, 'e/F-01.DMP')).equals(FILE)).toBe(true);
  });

  it('aborts the upload of a continuation after an S3 failure that is not retried', async () => {
    const ords = new FakeOrds({ 'G-01.DMP': FILE });
    const first = await copyFile(
      copyDeps(ords, s3, { remainingTimeMs: () => 0 }),
      copyPayload('G-01.DMP', 'e/G-01.DMP'),
    );
    if (first.done) throw new Error('expected a continuation');
    const client = failingClient('UploadPartCommand', () => s3Error('AccessDenied', 403, 'Access Denied'));

    await expect(
      copyFile(
        copyDeps(ords, { client, bucket: s3.bucket }),
        copyPayload('G-01.DMP', 'e/G-01.DMP', 'dump', first),
      ),
    ).rejects.toMatchObject({ name: 'StorageRejectedError' });
    expect(await pendingUploads(s3, 'e/G-01.DMP')).toEqual([]);
  });
});

describe('copyFile with a mocked S3 client', () => {
  const bucket = 'backup-bucket';

  it('fails with StorageRejectedError naming the bucket, key and code when S3 denies access', async () => {
    const mock = mockClient(S3Client);
    mock.on(GetObjectTaggingCommand).rejects(s3Error('NoSuchKey', 404));
    mock.on(CreateMultipartUploadCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    const ords = new FakeOrds({ 'H-01.DMP': FILE });
    const deps = copyDeps(ords, { client: new S3Client({ region: 'eu-west-1' }), bucket });

    await expect(copyFile(deps, copyPayload('H-01.DMP', 'orders/H-01.DMP'))).rejects.toMatchObject({
      name: 'StorageRejectedError',
      message: expect.stringMatching(/s3:\/\/backup-bucket\/orders\/H-01\.DMP.*AccessDenied/),
    });
    expect(mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
    mock.restore();
  });

  it('fails with StorageRejectedError when the bucket does not exist, and aborts the upload it created', async () => {
    const mock = mockClient(S3Client);
    mock.on(GetObjectTaggingCommand).rejects(s3Error('NoSuchKey', 404));
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    mock.on(UploadPartCommand).rejects(s3Error('NoSuchBucket', 404, 'The specified bucket does not exist'));
    mock.on(AbortMultipartUploadCommand).resolves({});
    const ords = new FakeOrds({ 'I-01.DMP': FILE });

    await expect(
      copyFile(
        copyDeps(ords, { client: new S3Client({ region: 'eu-west-1' }), bucket }),
        copyPayload('I-01.DMP', 'orders/I-01.DMP'),
      ),
    ).rejects.toMatchObject({
      name: 'StorageRejectedError',
      message: expect.stringContaining('NoSuchBucket'),
    });
    expect(mock.commandCalls(AbortMultipartUploadCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: bucket, Key: 'orders/I-01.DMP', UploadId: 'upload-1' },
    ]);
    mock.restore();
  });

  it('fails with StorageRejectedError when it may not read the marker tags', async () => {
    const mock = mockClient(S3Client);
    mock.on(GetObjectTaggingCommand).rejects(s3Error('AccessDenied', 403));
    const ords = new FakeOrds({ 'J-01.DMP': FILE });

    await expect(
      copyFile(
        copyDeps(ords, { client: new S3Client({ region: 'eu-west-1' }), bucket }),
        copyPayload('J-01.DMP', 'orders/J-01.DMP'),
      ),
    ).rejects.toMatchObject({ name: 'StorageRejectedError' });
    expect(ords.downloads).toEqual([]);
    mock.restore();
  });

  it('sends every part as a Buffer with its CRC-32 and creates the upload with the CRC32 algorithm', async () => {
    const mock = mockClient(S3Client);
    mock.on(GetObjectTaggingCommand).rejects(s3Error('NoSuchKey', 404));
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-2' });
    mock.on(UploadPartCommand).resolves({ ETag: '"etag"' });
    const ords = new FakeOrds({ 'K-01.DMP': FILE });
    const deps = copyDeps(
      ords,
      { client: new S3Client({ region: 'eu-west-1' }), bucket },
      { remainingTimeMs: () => 0 },
    );

    await copyFile(deps, copyPayload('K-01.DMP', 'orders/K-01.DMP'));

    expect(mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      ChecksumAlgorithm: 'CRC32',
    });
    const part = mock.commandCalls(UploadPartCommand)[0]?.args[0].input;
    expect(Buffer.isBuffer(part?.Body)).toBe(true);
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(zlib.crc32(FILE.subarray(0, MiB)));
    expect(part).toMatchObject({
      PartNumber: 1,
      ContentLength: MiB,
      ChecksumCRC32: expected.toString('base64'),
    });
    mock.restore();
  });
});
