import { PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRYABLE_ERRORS } from '../../../../functions/core/base/errors.js';
import { CopyProgressSchema } from '../../../../functions/core/state/index.js';
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

/** The ways a backup could be reported complete while holding other bytes than the file's (issue 9). */

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: MiB });
});

afterAll(async () => {
  await s3.stop();
});

const FILE = fileBytes(5.5 * MiB, 21);

async function firstContinuation(ords: FakeOrds, name: string, key: string) {
  const first = await copyFile(copyDeps(ords, s3, { remainingTimeMs: () => 0 }), copyPayload(name, key));
  if (first.done) throw new Error('expected a continuation');
  return first;
}

describe('copyFile integrity', () => {
  it('fails when a chunked file is resumed with a legal 206 bytes X-Y/* that ends early, storing nothing', async () => {
    // GIVEN a chunked first answer, and a proxy that answers the resume 206 bytes 2097152-3145727/*
    const file = fileBytes(6 * MiB, 22);
    const ords = new FakeOrds({ 'T-01.DMP': file }, { contentLength: false });
    const first = await firstContinuation(ords, 'T-01.DMP', 'holes/T-01.DMP');
    ords.behaviour = { contentLength: false, endRangeAt: first.offset + MiB };

    // WHEN the copy resumes THEN the unconfirmed end fails it, and no object exists
    await expect(
      copyFile(copyDeps(ords, s3), copyPayload('T-01.DMP', 'holes/T-01.DMP', 'dump', first)),
    ).rejects.toMatchObject({
      name: 'TransferIncompleteError',
      message: expect.stringMatching(/never announced the size of T-01\.DMP .*the end is unconfirmed/),
    });
    expect(await objectExists(s3, 'holes/T-01.DMP')).toBe(false);
  });

  it('fails when a chunked body ends and a request from its end is not answered 416', async () => {
    const ords = new FakeOrds({ 'U-01.DMP': FILE }, { contentLength: false, range: false });

    await expect(
      copyFile(copyDeps(ords, s3), copyPayload('U-01.DMP', 'holes/U-01.DMP')),
    ).rejects.toMatchObject({
      name: 'TransferIncompleteError',
      message: expect.stringContaining(`a request from byte ${FILE.length} (Range: bytes=${FILE.length}-)`),
    });
    expect(await objectExists(s3, 'holes/U-01.DMP')).toBe(false);
  });

  it.each([['text/html; charset=utf-8'], ['application/json'], ['application/problem+json']])(
    'fails for a dump answered with Content-Type %s, naming it, and stores nothing',
    async (type) => {
      const page = Buffer.from('<html><body>Down for maintenance</body></html>');
      const ords = new FakeOrds({ 'H-01.DMP': page }, { contentType: type });

      await expect(
        copyFile(copyDeps(ords, s3), copyPayload('H-01.DMP', 'holes/H-01.DMP')),
      ).rejects.toMatchObject({
        name: 'OrdsResponseError',
        message: expect.stringContaining(`Content-Type ${type}`),
      });
      expect(await objectExists(s3, 'holes/H-01.DMP')).toBe(false);
    },
  );

  it('fails for a dump answered with an empty body, naming its content type', async () => {
    const ords = new FakeOrds({ 'E-01.DMP': Buffer.alloc(0) });

    await expect(
      copyFile(copyDeps(ords, s3), copyPayload('E-01.DMP', 'holes/E-01.DMP')),
    ).rejects.toMatchObject({
      name: 'OrdsResponseError',
      message: expect.stringContaining('empty body (Content-Type application/octet-stream)'),
    });
    expect(await objectExists(s3, 'holes/E-01.DMP')).toBe(false);
  });

  it('fails fast and is not retried when ORDS ignores Range and the file cannot be re-read in the time left', async () => {
    // GIVEN one stored part, then a server that ignores Range at 6.4 MiB/s and 0.5 s left
    const first = await firstContinuation(new FakeOrds({ 'R-01.DMP': FILE }), 'R-01.DMP', 'holes/R-01.DMP');
    let clock = 0;
    const ords = new FakeOrds({ 'R-01.DMP': FILE }, { range: false, onChunk: () => (clock += 10) });
    const deps = copyDeps(ords, s3, { now: () => clock, remainingTimeMs: () => 500 - clock });

    // WHEN the copy resumes
    const failure = await copyFile(deps, copyPayload('R-01.DMP', 'holes/R-01.DMP', 'dump', first)).catch(
      (error: Error) => error,
    );

    // THEN it names the size, the rate and the remedy, before reading the file to its end
    expect(failure).toMatchObject({
      name: 'RangeNotSupportedError',
      message: expect.stringMatching(
        /holds 5767168 bytes and at the measured 6 MiB\/s .*honour "Range: bytes=…"/,
      ),
    });
    expect(RETRYABLE_ERRORS).not.toContain((failure as Error).name);
    expect(ords.downloads[0]?.bytesServed).toBeLessThan(2 * MiB);
    expect(await pendingUploads(s3, 'holes/R-01.DMP')).toEqual([]);
  });

  it('copies a file that changed size since the last invocation again from byte 0, once, in the same invocation', async () => {
    const ords = new FakeOrds({ 'C-01.DMP': FILE });
    const first = await firstContinuation(ords, 'C-01.DMP', 'holes/C-01.DMP');
    const changed = fileBytes(6.5 * MiB, 23);
    ords.files.set('C-01.DMP', changed);

    const result = await copyFile(
      copyDeps(ords, s3),
      copyPayload('C-01.DMP', 'holes/C-01.DMP', 'dump', first),
    );

    expect(result).toMatchObject({
      done: true,
      file: { bytes: changed.length, checksum: fullObjectCrc32(changed), invocations: 2 },
    });
    expect(ords.downloads.map((d) => d.offset)).toEqual([0, MiB, 0]);
    expect((await readObject(s3, 'holes/C-01.DMP')).equals(changed)).toBe(true);
    expect(await pendingUploads(s3, 'holes/C-01.DMP')).toEqual([]);
  });

  it('sends If-Range with the ETag seen, and copies a file whose ETag changed again from byte 0', async () => {
    const ords = new FakeOrds({ 'V-01.DMP': FILE }, { validator: '"v1"' });
    const first = await firstContinuation(ords, 'V-01.DMP', 'holes/V-01.DMP');
    const edited = Buffer.from(FILE);
    edited[0] = (edited[0] ?? 0) ^ 0xff;
    ords.files.set('V-01.DMP', edited);
    ords.behaviour = { validator: '"v2"' };

    const result = await copyFile(
      copyDeps(ords, s3),
      copyPayload('V-01.DMP', 'holes/V-01.DMP', 'dump', first),
    );

    expect(first.validator).toBe('"v1"');
    expect(ords.downloads[1]).toMatchObject({ offset: MiB, ifRange: '"v1"', start: 0 });
    expect(result).toMatchObject({ done: true, file: { checksum: fullObjectCrc32(edited) } });
    expect((await readObject(s3, 'holes/V-01.DMP')).equals(edited)).toBe(true);
  });

  it('restarts a continuation written before CRC-32 (with hashState) from byte 0 and aborts its upload', async () => {
    const ords = new FakeOrds({ 'O-01.DMP': FILE });
    const current = await firstContinuation(ords, 'O-01.DMP', 'holes/O-01.DMP');
    const { crc32: _crc, validator: _validator, ...rest } = current;
    const old = CopyProgressSchema.parse({
      ...rest,
      hashState: Buffer.from('saved state').toString('base64'),
    });

    const { file } = await copyUntilDone(
      copyDeps(ords, s3),
      copyPayload('O-01.DMP', 'holes/O-01.DMP', 'dump', old),
    );

    expect(file).toMatchObject({ checksum: fullObjectCrc32(FILE), invocations: 2 });
    expect(ords.downloads.map((d) => d.offset)).toEqual([0, 0]);
    expect(await pendingUploads(s3, 'holes/O-01.DMP')).toEqual([]);
  });

  it('never replaces a stored object whose marker tags were changed: the copy fails naming the key', async () => {
    const ords = new FakeOrds({ 'M-01.DMP': FILE });
    await copyUntilDone(copyDeps(ords, s3), copyPayload('M-01.DMP', 'holes/M-01.DMP'));
    const stored = await readObject(s3, 'holes/M-01.DMP');
    await s3.client.send(
      new PutObjectTaggingCommand({
        Bucket: s3.bucket,
        Key: 'holes/M-01.DMP',
        Tagging: {
          TagSet: [
            { Key: 'crc32', Value: 'AAAAAA==' },
            { Key: 'bytes', Value: String(FILE.length) },
          ],
        },
      }),
    );

    const error = await copyFile(copyDeps(ords, s3), copyPayload('M-01.DMP', 'holes/M-01.DMP')).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({
      name: 'StorageRejectedError',
      message: expect.stringContaining('holes/M-01.DMP'),
    });
    expect((await readObject(s3, 'holes/M-01.DMP')).equals(stored)).toBe(true);
    expect(await pendingUploads(s3, 'holes/M-01.DMP')).toEqual([]);
  });

  it('fails with BadDigest from S3 when the whole-object CRC-32 sent at Complete is wrong', async () => {
    const client = localS3Client(s3.endpoint);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const { headers } = args.request as { headers: Record<string, string> };
        if (context.commandName === 'CompleteMultipartUploadCommand')
          headers['x-amz-checksum-crc32'] = 'AAAAAA==';
        return next(args);
      },
      { step: 'build', name: 'spoilChecksum' },
    );
    const ords = new FakeOrds({ 'B-01.DMP': FILE });

    await expect(
      copyFile(copyDeps(ords, { client, bucket: s3.bucket }), copyPayload('B-01.DMP', 'holes/B-01.DMP')),
    ).rejects.toMatchObject({ name: 'StorageRejectedError', message: expect.stringContaining('BadDigest') });
    client.destroy();
    expect(await objectExists(s3, 'holes/B-01.DMP')).toBe(false);
    expect(await pendingUploads(s3, 'holes/B-01.DMP')).toEqual([]);
  });

  it('sends each part unsigned, its CRC-32 among the signed headers', async () => {
    const client = localS3Client(s3.endpoint);
    const parts: Array<Record<string, string>> = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // The deserialize step sees the request as sent: built and signed.
        if (context.commandName === 'UploadPartCommand') {
          parts.push({ ...(args.request as { headers: Record<string, string> }).headers });
        }
        return next(args);
      },
      { step: 'deserialize', name: 'recordParts' },
    );
    const file = fileBytes(2.5 * MiB, 13);
    const ords = new FakeOrds({ 'J-01.DMP': file });

    await copyUntilDone(
      copyDeps(ords, { client, bucket: s3.bucket }),
      copyPayload('J-01.DMP', 'holes/J-01.DMP'),
    );
    client.destroy();

    expect(parts).toHaveLength(3);
    for (const headers of parts) {
      expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
      const signed = /SignedHeaders=([^,]+)/.exec(headers.authorization ?? '')?.[1]?.split(';');
      expect(signed).toEqual(expect.arrayContaining(['x-amz-checksum-crc32', 'x-amz-content-sha256']));
    }
  });
});
