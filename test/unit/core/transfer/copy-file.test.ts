import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import { copyFile } from '../../../../functions/core/transfer/copy-file.js';
import { type LocalS3, localS3Client, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { FakeOrds, fileBytes } from '../../../helpers/fake-ords.js';
import {
  copyDeps,
  copyPayload,
  copyUntilDone,
  fullObjectCrc32,
  MiB,
  objectChecksum,
  objectExists,
  objectTags,
  pendingUploads,
  readObject,
  sha256,
} from './transfer-fixtures.js';

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: MiB });
});

afterAll(async () => {
  await s3.stop();
});

/** 5.5 MiB: five full 1 MiB parts and a half one. */
const FILE = fileBytes(5.5 * MiB, 7);

describe('copyFile', () => {
  it('copies a file in one invocation, byte for byte, with the FULL_OBJECT CRC-32 S3 shows and no SHA-256 by default', async () => {
    const ords = new FakeOrds({ 'A0-01.DMP': FILE });

    const { file } = await copyUntilDone(copyDeps(ords, s3), copyPayload('A0-01.DMP', 'one/A0-01.DMP'));

    expect(file).toEqual({
      name: 'A0-01.DMP',
      kind: 'dump',
      key: 'one/A0-01.DMP',
      bytes: FILE.length,
      checksum: fullObjectCrc32(FILE),
      invocations: 1,
      transferSeconds: expect.any(Number),
      transferMiBps: expect.any(Number),
    });
    expect((await readObject(s3, 'one/A0-01.DMP')).equals(FILE)).toBe(true);
    expect(await objectTags(s3, 'one/A0-01.DMP')).not.toHaveProperty('sha256');
  });

  it('records the SHA-256 of a file copied in one invocation when the database asks for it', async () => {
    const ords = new FakeOrds({ 'A-01.DMP': FILE });
    const deps = copyDeps(ords, s3, { recordSha256: true });

    const { file, continuations } = await copyUntilDone(deps, copyPayload('A-01.DMP', 'one/A-01.DMP'));

    expect(continuations).toEqual([]);
    expect(file).toEqual({
      name: 'A-01.DMP',
      kind: 'dump',
      key: 'one/A-01.DMP',
      bytes: FILE.length,
      checksum: fullObjectCrc32(FILE),
      sha256: sha256(FILE),
      invocations: 1,
      transferSeconds: expect.any(Number),
      transferMiBps: expect.any(Number),
    });
    expect((await readObject(s3, 'one/A-01.DMP')).equals(FILE)).toBe(true);
    expect(await objectChecksum(s3, 'one/A-01.DMP')).toEqual({
      bytes: FILE.length,
      value: fullObjectCrc32(FILE).value,
      type: 'FULL_OBJECT',
    });
    expect(await objectTags(s3, 'one/A-01.DMP')).toEqual({
      crc32: fullObjectCrc32(FILE).value,
      sha256: sha256(FILE),
      bytes: String(FILE.length),
      invocations: '1',
      'transfer-ms': expect.stringMatching(/^\d+$/),
    });
    expect(await pendingUploads(s3, 'one/A-01.DMP')).toEqual([]);
  });

  it('copies a file over one invocation per part when the time budget is already spent', async () => {
    const ords = new FakeOrds({ 'B-01.DMP': FILE });
    const deps = copyDeps(ords, s3, { remainingTimeMs: () => 0, safetyMarginMs: 60_000 });

    const { file, continuations } = await copyUntilDone(deps, copyPayload('B-01.DMP', 'many/B-01.DMP'));

    expect(continuations.map((c) => [c.nextPartNumber, c.offset, c.invocations])).toEqual([
      [2, 1 * MiB, 1],
      [3, 2 * MiB, 2],
      [4, 3 * MiB, 3],
      [5, 4 * MiB, 4],
      [6, 5 * MiB, 5],
    ]);
    expect(new Set(continuations.map((c) => c.uploadId)).size).toBe(1);
    expect(file.invocations).toBe(6);
    expect(file.checksum).toEqual(fullObjectCrc32(FILE));
    expect(file.sha256).toBeUndefined();
    expect((await readObject(s3, 'many/B-01.DMP')).equals(FILE)).toBe(true);
    expect(await objectChecksum(s3, 'many/B-01.DMP')).toMatchObject({
      value: file.checksum.value,
      type: 'FULL_OBJECT',
    });
  });

  it('resumes with a Range request from the stored offset', async () => {
    const ords = new FakeOrds({ 'C-01.DMP': FILE });
    const deps = copyDeps(ords, s3, { remainingTimeMs: () => 0 });

    await copyUntilDone(deps, copyPayload('C-01.DMP', 'range/C-01.DMP'));

    expect(ords.downloads.map((d) => [d.offset, d.start])).toEqual(
      [0, 1, 2, 3, 4, 5].map((n) => [n * MiB, n * MiB]),
    );
  });

  it('resumes from a server that ignores Range by skipping the stored bytes when the whole file fits the budget', async () => {
    const ords = new FakeOrds({ 'D-01.DMP': FILE }, { range: false });
    const first = await copyFile(
      copyDeps(ords, s3, { remainingTimeMs: () => 0 }),
      copyPayload('D-01.DMP', 'norange/D-01.DMP'),
    );
    if (first.done) throw new Error('expected a continuation');

    const { file } = await copyUntilDone(
      copyDeps(ords, s3),
      copyPayload('D-01.DMP', 'norange/D-01.DMP', 'dump', first),
    );

    expect(ords.downloads.map((d) => [d.offset, d.start])).toEqual([
      [0, 0],
      [MiB, 0],
    ]);
    expect(file).toMatchObject({ checksum: fullObjectCrc32(FILE), invocations: 2 });
    expect((await readObject(s3, 'norange/D-01.DMP')).equals(FILE)).toBe(true);
  });

  it('copies a chunked body of unknown length over several invocations, confirming its end with a 416', async () => {
    const ords = new FakeOrds({ 'E-01.DMP': FILE }, { contentLength: false });
    const deps = copyDeps(ords, s3, { remainingTimeMs: () => 0 });

    const { file, continuations } = await copyUntilDone(deps, copyPayload('E-01.DMP', 'chunked/E-01.DMP'));

    expect(continuations.every((c) => c.totalBytes === null && c.partSizeBytes === MiB)).toBe(true);
    // Part 1 waits for part 2 (a file of one part is one PutObject): the first invocation stores two.
    expect(file).toMatchObject({ bytes: FILE.length, checksum: fullObjectCrc32(FILE), invocations: 5 });
    expect(ords.downloads.at(-1)).toMatchObject({ offset: FILE.length, start: FILE.length, bytesServed: 0 });
    expect((await readObject(s3, 'chunked/E-01.DMP')).equals(FILE)).toBe(true);
  });

  it('returns the last stored part boundary when the connection resets mid-part, and resumes from there', async () => {
    const ords = new FakeOrds({ 'F-01.DMP': FILE }).next({ resetAfterBytes: 2.5 * MiB });
    const deps = copyDeps(ords, s3, { partsInFlight: 3 });

    const { file, continuations } = await copyUntilDone(deps, copyPayload('F-01.DMP', 'reset/F-01.DMP'));

    expect(continuations.map((c) => [c.nextPartNumber, c.offset])).toEqual([[3, 2 * MiB]]);
    expect(ords.downloads.map((d) => d.offset)).toEqual([0, 2 * MiB]);
    expect(deps.logger.lines.some((line) => line.level === 'warn' && /failed/.test(line.message))).toBe(true);
    expect(file).toMatchObject({ bytes: FILE.length, checksum: fullObjectCrc32(FILE), invocations: 2 });
    expect((await readObject(s3, 'reset/F-01.DMP')).equals(FILE)).toBe(true);
  });

  it('fails with TransferIncompleteError when the connection resets before a part is stored, leaving no upload', async () => {
    const ords = new FakeOrds({ 'G-01.DMP': FILE }).next({ resetAfterBytes: MiB / 2 });
    const deps = copyDeps(ords, s3);

    await expect(copyFile(deps, copyPayload('G-01.DMP', 'reset/G-01.DMP'))).rejects.toMatchObject({
      name: 'TransferIncompleteError',
      message: expect.stringContaining('G-01.DMP'),
    });
    expect(await objectExists(s3, 'reset/G-01.DMP')).toBe(false);
    expect(await pendingUploads(s3, 'reset/G-01.DMP')).toEqual([]);
  });

  it('keeps the upload of a continuation when a resumed download breaks, so the retry resumes it', async () => {
    const ords = new FakeOrds({ 'H-01.DMP': FILE });
    const deps = copyDeps(ords, s3, { remainingTimeMs: () => 0 });
    const first = await copyFile(deps, copyPayload('H-01.DMP', 'retry/H-01.DMP'));
    if (first.done) throw new Error('expected a continuation');
    ords.next({ resetAfterBytes: 1000 });

    await expect(
      copyFile(deps, copyPayload('H-01.DMP', 'retry/H-01.DMP', 'dump', first)),
    ).rejects.toMatchObject({
      name: 'TransferIncompleteError',
    });
    expect(await pendingUploads(s3, 'retry/H-01.DMP')).toContain(first.uploadId);

    const { file } = await copyUntilDone(
      copyDeps(ords, s3),
      copyPayload('H-01.DMP', 'retry/H-01.DMP', 'dump', first),
    );
    expect(file).toMatchObject({ checksum: fullObjectCrc32(FILE), invocations: 2 });
    expect((await readObject(s3, 'retry/H-01.DMP')).equals(FILE)).toBe(true);
  });

  it('keeps the upload of a continuation when ORDS is unavailable, and aborts it when ORDS refuses for good', async () => {
    const ords = new FakeOrds({ 'I-01.DMP': FILE });
    const deps = copyDeps(ords, s3, { remainingTimeMs: () => 0 });
    const first = await copyFile(deps, copyPayload('I-01.DMP', 'ords/I-01.DMP'));
    if (first.done) throw new Error('expected a continuation');
    const resume = copyPayload('I-01.DMP', 'ords/I-01.DMP', 'dump', first);

    ords.next({ reject: new OrdsUnavailableError('ORDS answered 503') });
    await expect(copyFile(deps, resume)).rejects.toMatchObject({ name: 'OrdsUnavailableError' });
    expect(await pendingUploads(s3, 'ords/I-01.DMP')).toContain(first.uploadId);

    ords.next({ reject: Object.assign(new Error('ORDS answered 404'), { name: 'OrdsRequestError' }) });
    await expect(copyFile(deps, resume)).rejects.toMatchObject({ name: 'OrdsRequestError' });
    expect(await pendingUploads(s3, 'ords/I-01.DMP')).not.toContain(first.uploadId);
  });

  it('fails and never completes the upload when the body ends before its Content-Length', async () => {
    const ords = new FakeOrds({ 'J-01.DMP': FILE }, { shortByBytes: 100 });
    const deps = copyDeps(ords, s3);

    const first = await copyFile(deps, copyPayload('J-01.DMP', 'short/J-01.DMP'));
    expect(first).toMatchObject({ done: false, offset: 5 * MiB, nextPartNumber: 6 });
    if (first.done) throw new Error('expected a continuation');
    await expect(
      copyFile(deps, copyPayload('J-01.DMP', 'short/J-01.DMP', 'dump', first)),
    ).rejects.toMatchObject({
      name: 'TransferIncompleteError',
      message: expect.stringContaining(`ended the body at byte ${FILE.length - 100} of ${FILE.length}`),
    });
    expect(await objectExists(s3, 'short/J-01.DMP')).toBe(false);
  });

  it('fails for a file smaller than a part whose body ends short, storing nothing', async () => {
    const small = fileBytes(300_000, 3);
    const ords = new FakeOrds({ 'K.LOG': small }, { shortByBytes: 1 });

    await expect(
      copyFile(copyDeps(ords, s3), copyPayload('K.LOG', 'short/K.LOG', 'log')),
    ).rejects.toMatchObject({
      name: 'TransferIncompleteError',
    });
    expect(await objectExists(s3, 'short/K.LOG')).toBe(false);
    expect(await pendingUploads(s3, 'short/K.LOG')).toEqual([]);
  });

  it('returns the stored file at once when the key already holds a verified copy', async () => {
    const ords = new FakeOrds({ 'L-01.DMP': FILE });
    const { file } = await copyUntilDone(
      copyDeps(ords, s3, { remainingTimeMs: () => 0 }),
      copyPayload('L-01.DMP', 'again/L-01.DMP'),
    );
    const downloads = ords.downloads.length;

    const again = await copyFile(copyDeps(ords, s3), copyPayload('L-01.DMP', 'again/L-01.DMP'));

    expect(again).toEqual({ done: true, file });
    expect(file.invocations).toBe(6);
    expect(ords.downloads.length).toBe(downloads);
  });

  it('copies the file again from its start when S3 no longer knows the upload', async () => {
    const ords = new FakeOrds({ 'M-01.DMP': FILE });
    const deps = copyDeps(ords, s3, { remainingTimeMs: () => 0 });
    const first = await copyFile(deps, copyPayload('M-01.DMP', 'gone/M-01.DMP'));
    if (first.done) throw new Error('expected a continuation');
    await s3.client.send(
      new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: 'gone/M-01.DMP', UploadId: first.uploadId }),
    );

    const { file } = await copyUntilDone(
      copyDeps(ords, s3),
      copyPayload('M-01.DMP', 'gone/M-01.DMP', 'dump', first),
    );

    expect(ords.downloads.map((d) => d.offset)).toEqual([0, MiB, 0]);
    expect(file).toMatchObject({ bytes: FILE.length, checksum: fullObjectCrc32(FILE), invocations: 2 });
    expect((await readObject(s3, 'gone/M-01.DMP')).equals(FILE)).toBe(true);
  });

  it('returns the stored copy when an invocation was killed after completing the upload', async () => {
    const ords = new FakeOrds({ 'N-01.DMP': FILE });
    const first = await copyFile(
      copyDeps(ords, s3, { remainingTimeMs: () => 0 }),
      copyPayload('N-01.DMP', 'killed/N-01.DMP'),
    );
    if (first.done) throw new Error('expected a continuation');
    const done = await copyFile(
      copyDeps(ords, s3),
      copyPayload('N-01.DMP', 'killed/N-01.DMP', 'dump', first),
    );
    const copies = await readObject(s3, 'killed/N-01.DMP');

    // The state machine retries with the continuation it passed to the killed invocation.
    const retried = await copyFile(
      copyDeps(ords, s3),
      copyPayload('N-01.DMP', 'killed/N-01.DMP', 'dump', first),
    );

    expect(retried).toEqual(done);
    expect((await readObject(s3, 'killed/N-01.DMP')).equals(copies)).toBe(true);
    expect(await pendingUploads(s3, 'killed/N-01.DMP')).toEqual([]);
  });

  it('stores an empty log file with PutObject', async () => {
    const ords = new FakeOrds({ 'O.LOG': Buffer.alloc(0) });

    const { file } = await copyUntilDone(
      copyDeps(ords, s3, { recordSha256: true }),
      copyPayload('O.LOG', 'empty/O.LOG', 'log'),
    );

    expect(file).toMatchObject({
      bytes: 0,
      checksum: fullObjectCrc32(Buffer.alloc(0)),
      sha256: sha256(Buffer.alloc(0)),
      invocations: 1,
    });
    expect((await readObject(s3, 'empty/O.LOG')).length).toBe(0);
    expect(await objectTags(s3, 'empty/O.LOG')).toMatchObject({ bytes: '0' });
  });

  it('stores a dump smaller than a part with one PutObject that S3 verifies', async () => {
    const small = fileBytes(300_000, 4);
    const ords = new FakeOrds({ 'O2-01.DMP': small });

    const { file } = await copyUntilDone(
      copyDeps(ords, s3, { recordSha256: true }),
      copyPayload('O2-01.DMP', 'small/O2-01.DMP'),
    );

    expect(file).toMatchObject({
      bytes: small.length,
      checksum: fullObjectCrc32(small),
      sha256: sha256(small),
    });
    expect(await objectChecksum(s3, 'small/O2-01.DMP')).toEqual({
      bytes: small.length,
      value: fullObjectCrc32(small).value,
      type: 'FULL_OBJECT',
    });
    expect(await pendingUploads(s3, 'small/O2-01.DMP')).toEqual([]);
  });

  it('copies a log file in a single part sized to the file', async () => {
    const log = Buffer.from(
      'Job "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020000" successfully completed\n'.repeat(100),
    );
    const ords = new FakeOrds({ 'P.LOG': log });

    const { file } = await copyUntilDone(
      copyDeps(ords, s3, { minPartSizeBytes: 8 * MiB, recordSha256: true }),
      copyPayload('P.LOG', 'log/P.LOG', 'log'),
    );

    expect(file).toMatchObject({
      kind: 'log',
      bytes: log.length,
      checksum: fullObjectCrc32(log),
      sha256: sha256(log),
    });
    expect((await readObject(s3, 'log/P.LOG')).equals(log)).toBe(true);
  });

  it('fails before uploading anything when the file is larger than maxFileBytes', async () => {
    const ords = new FakeOrds({ 'Q-01.DMP': FILE });

    await expect(
      copyFile(copyDeps(ords, s3, { maxFileBytes: 4 * MiB }), copyPayload('Q-01.DMP', 'big/Q-01.DMP')),
    ).rejects.toMatchObject({
      name: 'StorageRejectedError',
      message: expect.stringMatching(/Q-01\.DMP holds 5767168 bytes, more than the 4194304 bytes allowed/),
    });
    expect(ords.downloads[0]?.body?.destroyed).toBe(true);
    expect(await objectExists(s3, 'big/Q-01.DMP')).toBe(false);
  });

  it('fails and aborts the upload when a body of unknown length grows beyond maxFileBytes', async () => {
    const ords = new FakeOrds({ 'R-01.DMP': FILE }, { contentLength: false });

    await expect(
      copyFile(copyDeps(ords, s3, { maxFileBytes: 4 * MiB }), copyPayload('R-01.DMP', 'big/R-01.DMP')),
    ).rejects.toMatchObject({ name: 'StorageRejectedError' });
    expect(await objectExists(s3, 'big/R-01.DMP')).toBe(false);
    expect(await pendingUploads(s3, 'big/R-01.DMP')).toEqual([]);
  });

  it('stops at a part boundary once the time left is less than a part takes', async () => {
    let clock = 0;
    // Reading 64 KiB takes 10 ms of the fake clock: a 1 MiB part takes ~160 ms.
    const ords = new FakeOrds({ 'S-01.DMP': FILE }, { onChunk: () => (clock += 10) });
    const deps = copyDeps(ords, s3, {
      now: () => clock,
      remainingTimeMs: () => 1000 - clock,
      safetyMarginMs: 200,
      partsInFlight: 1,
    });

    const result = await copyFile(deps, copyPayload('S-01.DMP', 'budget/S-01.DMP'));

    expect(result.done).toBe(false);
    if (result.done) return;
    expect(result.offset % MiB).toBe(0);
    expect(result.offset).toBeGreaterThanOrEqual(3 * MiB);
    expect(result.offset).toBeLessThanOrEqual(5 * MiB);
    expect(1000 - clock).toBeGreaterThan(0);
    expect(ords.downloads[0]?.body?.destroyed).toBe(true);
  });

  it('stops computing the SHA-256 once the rate shows the file cannot end in this invocation', async () => {
    let clock = 0;
    // 64 KiB per 10 ms of the fake clock: 5.5 MiB take 880 ms, and 500 ms are left.
    const ords = new FakeOrds({ 'W-01.DMP': FILE }, { onChunk: () => (clock += 10) });
    const deps = copyDeps(ords, s3, {
      now: () => clock,
      remainingTimeMs: () => 500 - clock,
      partsInFlight: 1,
      recordSha256: true,
    });

    const first = await copyFile(deps, copyPayload('W-01.DMP', 'sha/W-01.DMP'));
    const { file } = await copyUntilDone(
      copyDeps(ords, s3),
      copyPayload('W-01.DMP', 'sha/W-01.DMP', 'dump', first),
    );

    expect(first.done).toBe(false);
    expect(deps.logger.lines.map((line) => line.message)).toContain(
      'The file will not be copied within this invocation: no SHA-256 for it',
    );
    expect(file).toMatchObject({ checksum: fullObjectCrc32(FILE), invocations: 2 });
    expect(file.sha256).toBeUndefined();
  });

  it('keeps the SHA-256 of a file that ends within the invocation', async () => {
    const ords = new FakeOrds({ 'X-01.DMP': FILE });
    const deps = copyDeps(ords, s3, { recordSha256: true });

    const { file } = await copyUntilDone(deps, copyPayload('X-01.DMP', 'sha/X-01.DMP'));

    expect(deps.logger.lines.map((line) => line.message)).not.toContain(
      'The file will not be copied within this invocation: no SHA-256 for it',
    );
    expect(file.sha256).toBe(sha256(FILE));
  });

  it('uploads at most partsInFlight parts at once and holds the download back meanwhile', async () => {
    const client = localS3Client(s3.endpoint);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inFlight = 0;
    let maxInFlight = 0;
    let twoInFlight: () => void = () => {};
    const reachedTwoInFlight = new Promise<void>((resolve) => {
      twoInFlight = resolve;
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UploadPartCommand') return next(args);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (inFlight === 2) twoInFlight();
        try {
          await gate;
          return await next(args);
        } finally {
          inFlight -= 1;
        }
      },
      { step: 'initialize', name: 'holdParts' },
    );
    let served = 0;
    let thirdPartServed: () => void = () => {};
    const reachedThirdPart = new Promise<void>((resolve) => {
      thirdPartServed = resolve;
    });
    const ords = new FakeOrds(
      { 'T-01.DMP': FILE },
      {
        onChunk: (bytes) => {
          served += bytes;
          if (served >= 3 * MiB) thirdPartServed();
        },
      },
    );
    const deps = copyDeps(ords, { client, bucket: s3.bucket }, { partsInFlight: 2, recordSha256: true });

    const copying = copyFile(deps, copyPayload('T-01.DMP', 'memory/T-01.DMP'));
    // Two parts held at S3 and a third one read: the copy now waits for a slot. The download is
    // in memory (ticks and microtasks, no I/O), so a copy that did not hold it back would read on,
    // to the end of the file, within these event-loop turns; no sleep, whatever the machine's load.
    await Promise.all([reachedTwoInFlight, reachedThirdPart]);
    for (let turn = 0; turn < 10; turn += 1) await new Promise((resolve) => setImmediate(resolve));

    expect(inFlight).toBe(2);
    // Two parts in flight, a third full one waiting for a slot, the stream's read-ahead.
    expect(ords.downloads[0]?.bytesServed).toBeLessThanOrEqual(3 * MiB + 256 * 1024);
    release();
    const result = await copying;
    client.destroy();
    expect(maxInFlight).toBe(2);
    expect(result).toMatchObject({
      done: true,
      file: { checksum: fullObjectCrc32(FILE), sha256: sha256(FILE) },
    });
  });

  it('logs bytes, MiB/s and the time left every 10 seconds and at the end', async () => {
    let clock = 0;
    // 64 KiB a second of the fake clock: 5.5 MiB take 88 s.
    const ords = new FakeOrds({ 'U-01.DMP': FILE }, { onChunk: () => (clock += 1000) });
    // 100 ms of CPU per 64 KiB chunk (a tenth of the fake clock): 1,638.4 CPU-s per GiB.
    const deps = copyDeps(ords, s3, { now: () => clock, cpuMicros: () => clock * 100, recordSha256: true });

    await copyFile(deps, copyPayload('U-01.DMP', 'logs/U-01.DMP'));

    const progress = deps.logger.lines.filter((line) => line.message === 'Copying');
    expect(progress.length).toBeGreaterThanOrEqual(7);
    expect(progress.length).toBeLessThanOrEqual(9);
    expect(progress[0]?.extra).toMatchObject({
      file: 'U-01.DMP',
      totalBytes: FILE.length,
      MiBps: expect.closeTo(0.06, 1),
      cpuSecondsPerGiB: expect.any(Number),
      remainingSeconds: expect.any(Number),
    });
    expect(deps.logger.lines.at(-1)).toMatchObject({
      level: 'info',
      message: 'Copied the file',
      extra: {
        bytes: FILE.length,
        invocations: 1,
        crc32: fullObjectCrc32(FILE).value,
        sha256: sha256(FILE),
        MiBps: expect.closeTo(0.06, 1),
        cpuSecondsPerGiB: expect.closeTo(1638.4, -2),
        transferMiBps: expect.closeTo(0.06, 1),
      },
    });
  });
});
