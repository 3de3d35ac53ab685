import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type Part,
  PartReader,
  type PartReaderOptions,
} from '../../../../functions/core/transfer/part-reader.js';

const KiB = 1024;

/** Bytes 0, 1, …, 250, 0, 1, … (251 is prime: no part or chunk boundary lines up with the pattern). */
function pattern(length: number, from = 0): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index += 1) bytes[index] = (from + index) % 251;
  return bytes;
}

function reader(body: Readable, overrides: Partial<PartReaderOptions> = {}): PartReader {
  return new PartReader({
    body,
    fileName: 'X-01.DMP',
    start: 0,
    offset: 0,
    firstPartNumber: 1,
    partSize: () => 100 * KiB,
    expectedEnd: null,
    limitBytes: 1024 * KiB * KiB,
    ...overrides,
  });
}

/** Every part until the end, each copied out and its buffer given back for the next part. */
async function readAll(parts: PartReader): Promise<Array<Omit<Part, 'data'> & { data: Buffer }>> {
  const read = [];
  for (let part = await parts.next(); part !== null; part = await parts.next()) {
    read.push({ ...part, data: Buffer.from(part.data) });
    parts.release(part);
  }
  return read;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('PartReader', () => {
  it('cuts chunks of any size into parts of the plan, each with the CRC-32 of its bytes', async () => {
    // GIVEN a body whose chunks straddle every part boundary (7 KiB + 1 against 100 KiB parts)
    const file = pattern(350 * KiB + 3);
    const chunks = [];
    for (let at = 0; at < file.length; at += 7 * KiB + 1) chunks.push(file.subarray(at, at + 7 * KiB + 1));

    const parts = await readAll(reader(Readable.from(chunks), { expectedEnd: file.length }));

    expect(parts.map((part) => [part.partNumber, part.offset, part.data.length])).toEqual([
      [1, 0, 100 * KiB],
      [2, 100 * KiB, 100 * KiB],
      [3, 200 * KiB, 100 * KiB],
      [4, 300 * KiB, 50 * KiB + 3],
    ]);
    expect(Buffer.concat(parts.map((part) => part.data)).equals(file)).toBe(true);
    for (const part of parts) expect(part.crc).toBe(zlib.crc32(part.data));
  });

  it('hands on the bytes in order when several chunks buffered before anyone read', async () => {
    // GIVEN a body that buffered three chunks before the first part was asked for (read() would
    // join them into a new buffer)
    const body = new PassThrough({ highWaterMark: 1024 * KiB });
    const written = [pattern(64 * KiB, 1), pattern(64 * KiB, 2), pattern(10, 3)];
    for (const chunk of written) body.write(chunk);
    body.end();
    const parts = reader(body);
    await turn();

    // WHEN the parts are taken
    const read = await readAll(parts);

    // THEN they hold the bytes written, in order
    expect(Buffer.concat(read.map((part) => part.data)).equals(Buffer.concat(written))).toBe(true);
  });

  it('pauses the body while no part is being filled and resumes it when the next is asked for', async () => {
    const body = new PassThrough();
    const parts = reader(body, { partSize: () => 100 });
    body.write(pattern(60));
    body.write(pattern(60, 60));
    await turn();

    // Nothing asked for yet: the first chunk is held and the body paused.
    expect(body.isPaused()).toBe(true);
    const first = await parts.next();
    expect(first?.data.length).toBe(100);
    // The part took the first chunk and 40 bytes of the second; the rest is held again.
    expect(body.isPaused()).toBe(true);
    const second = parts.next();
    // The held 20 bytes did not fill the part: the body flows again.
    expect(body.isPaused()).toBe(false);
    body.end(pattern(80, 120));
    expect((await second)?.data.equals(pattern(100, 100))).toBe(true);
    expect(await parts.next()).toBeNull();
  });

  it('skips the bytes before the offset of a body re-sent from byte 0, telling how many', async () => {
    const file = pattern(300);
    const skipped: number[] = [];
    const parts = reader(Readable.from([file.subarray(0, 70), file.subarray(70, 170), file.subarray(170)]), {
      offset: 100,
      firstPartNumber: 2,
      partSize: () => 100,
      expectedEnd: 300,
      onSkip: (bytes) => skipped.push(bytes),
    });

    const read = await readAll(parts);

    expect(skipped).toEqual([70, 100]);
    expect(read.map((part) => [part.partNumber, part.offset])).toEqual([
      [2, 100],
      [3, 200],
    ]);
    expect(Buffer.concat(read.map((part) => part.data)).equals(file.subarray(100))).toBe(true);
  });

  it('gives up skipping with the error onSkip throws', async () => {
    const parts = reader(Readable.from([pattern(70), pattern(70)]), {
      offset: 100,
      onSkip: (bytes) => {
        if (bytes > 50) throw new Error('no time left to skip');
      },
    });

    await expect(parts.next()).rejects.toThrow('no time left to skip');
  });

  it('fails after the bytes that came before a connection that closed before its end', async () => {
    const body = new PassThrough();
    const parts = reader(body, { partSize: () => 3 });
    body.write(Buffer.from('abcde'));
    await turn();
    body.destroy();
    await turn();

    expect((await parts.next())?.data).toEqual(Buffer.from('abc'));
    const failed = parts.next();
    await expect(failed).rejects.toThrow('The download of X-01.DMP failed at byte 5');
    await expect(failed).rejects.toMatchObject({
      name: 'TransferIncompleteError',
      cause: { code: 'ERR_STREAM_PREMATURE_CLOSE' },
    });
  });

  it("fails with the body's own error as the cause", async () => {
    const body = new Readable({ read() {} });
    const parts = reader(body);
    body.destroy(new Error('socket hang up'));

    await expect(parts.next()).rejects.toMatchObject({ cause: { message: 'socket hang up' } });
  });

  it('refuses a body longer than announced, and one growing past the limit', async () => {
    const long = reader(Readable.from([pattern(60), pattern(60)]), { expectedEnd: 100 });
    await expect(long.next()).rejects.toThrow('ORDS sent more of X-01.DMP than the 100 bytes announced');

    const huge = reader(Readable.from([pattern(60), pattern(60)]), { limitBytes: 100 });
    await expect(huge.next()).rejects.toMatchObject({
      name: 'StorageRejectedError',
      message: 'X-01.DMP holds more than the 100 bytes allowed (120 bytes read so far)',
    });
  });

  it('refuses a body shorter than announced', async () => {
    const parts = reader(Readable.from([pattern(60)]), { expectedEnd: 100 });

    await expect(parts.next()).rejects.toThrow('ORDS ended the body at byte 60 of 100 for X-01.DMP');
  });

  it('refuses a body that delivers something else than bytes', async () => {
    const parts = reader(Readable.from([{ not: 'bytes' }]));

    await expect(parts.next()).rejects.toThrow('download bodies must deliver bytes, got object');
  });

  it('answers null, again and again, at the end of an empty body', async () => {
    const parts = reader(Readable.from([]));
    expect(await parts.next()).toBeNull();
    expect(await parts.next()).toBeNull();
    expect(parts.atEnd).toBe(true);
  });

  it('waits for the end of the body after the announced last byte, and refuses one byte more', async () => {
    const body = new PassThrough();
    const parts = reader(body, { partSize: () => 100, expectedEnd: 100 });
    body.write(pattern(100));
    expect((await parts.next())?.data.length).toBe(100);

    const end = parts.next();
    body.end(Buffer.from('!'));

    await expect(end).rejects.toThrow('ORDS sent more of X-01.DMP than the 100 bytes announced');
  });

  it('reuses a released part buffer instead of allocating another', async () => {
    const parts = reader(Readable.from([pattern(250)]), { partSize: () => 100 });
    const first = (await parts.next()) as Part;
    parts.release(first);
    const second = (await parts.next()) as Part;

    expect(second.data.buffer).toBe(first.data.buffer);
    expect(second.data.equals(pattern(100, 100))).toBe(true);
  });
});
