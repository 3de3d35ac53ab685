import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile } from '../../../functions/core/transfer/copy-file.js';
import { FakeOrds, fileBytes } from '../../helpers/fake-ords.js';
import { type LocalS3, localS3Client, startLocalS3 } from '../../helpers/local-s3.js';
import { copyDeps, copyPayload, copyUntilDone, MiB, readObject, sha256 } from './transfer-fixtures.js';

/** How copyFile hashes and sends parts: the SHA-256 in a worker thread, parts unsigned with a CRC-32. */

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3();
});

afterAll(async () => {
  await s3.stop();
});

describe('copyFile hashing', () => {
  it('keeps the SHA-256 exact over invocations that stop with several parts in flight', async () => {
    // 24 parts and a bit; every 6th check of the time left says the budget is spent.
    const file = fileBytes(24 * MiB + 12_345, 11);
    const ords = new FakeOrds({ 'H-01.DMP': file });
    let checks = 0;
    const deps = copyDeps(ords, s3, {
      partsInFlight: 3,
      remainingTimeMs: () => {
        checks += 1;
        return checks % 6 === 0 ? 0 : 600_000;
      },
    });

    const { file: stored, continuations } = await copyUntilDone(
      deps,
      copyPayload('H-01.DMP', 'hash/H-01.DMP'),
    );

    expect(continuations.length).toBeGreaterThanOrEqual(3);
    expect(stored.sha256).toBe(sha256(file));
    expect((await readObject(s3, 'hash/H-01.DMP')).equals(file)).toBe(true);
  });

  it('fails with InvalidInputError when progress.hashState is not a saved SHA-256 state', async () => {
    const file = fileBytes(3 * MiB, 12);
    const ords = new FakeOrds({ 'I-01.DMP': file });
    const deps = copyDeps(ords, s3, { remainingTimeMs: () => 0 });
    const first = await copyFile(deps, copyPayload('I-01.DMP', 'hash/I-01.DMP'));
    if (first.done) throw new Error('expected a continuation');
    const broken = { ...first, hashState: Buffer.from('not a state').toString('base64') };

    await expect(
      copyFile(deps, copyPayload('I-01.DMP', 'hash/I-01.DMP', 'dump', broken)),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('hashState'),
    });
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

    const { file: stored } = await copyUntilDone(
      copyDeps(ords, { client, bucket: s3.bucket }),
      copyPayload('J-01.DMP', 'hash/J-01.DMP'),
    );
    client.destroy();

    expect(parts).toHaveLength(3);
    for (const headers of parts) {
      expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
      expect(headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
      const signed = /SignedHeaders=([^,]+)/.exec(headers.authorization ?? '')?.[1]?.split(';');
      expect(signed).toEqual(expect.arrayContaining(['x-amz-checksum-crc32', 'x-amz-content-sha256']));
    }
    expect(stored.sha256).toBe(sha256(file));
    expect((await readObject(s3, 'hash/J-01.DMP')).equals(file)).toBe(true);
  });
});
