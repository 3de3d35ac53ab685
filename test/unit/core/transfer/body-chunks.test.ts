import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyChunks } from '../../../../functions/core/transfer/body-chunks.js';

const KiB = 1024;

describe('BodyChunks', () => {
  it('hands on each chunk as written, never several joined into a new buffer', async () => {
    // GIVEN a body that buffered three chunks before anyone read (read() would concat them)
    const body = new PassThrough({ highWaterMark: 1024 * KiB });
    const written = [Buffer.alloc(64 * KiB, 1), Buffer.alloc(64 * KiB, 2), Buffer.alloc(10, 3)];
    for (const chunk of written) body.write(chunk);
    body.end();

    // WHEN the chunks are taken
    const chunks = new BodyChunks(body, 1024 * KiB);
    const read: unknown[] = [];
    for (let chunk = await chunks.next(); chunk !== null; chunk = await chunks.next()) read.push(chunk);

    // THEN they are the very buffers written, in order
    expect(read).toHaveLength(3);
    for (const [index, chunk] of read.entries()) expect(chunk).toBe(written[index]);
  });

  it('pauses the body while the queue is full and resumes it once a chunk is taken', async () => {
    const body = new PassThrough();
    const chunks = new BodyChunks(body, 100);
    body.write(Buffer.alloc(60));
    body.write(Buffer.alloc(60));
    await new Promise((resolve) => setImmediate(resolve));

    expect(body.isPaused()).toBe(true);
    await chunks.next();
    expect(body.isPaused()).toBe(false);
  });

  it('fails after the chunks that came before a connection that closed before its end', async () => {
    const body = new PassThrough();
    const chunks = new BodyChunks(body, 1024 * KiB);
    body.write(Buffer.from('abc'));
    await new Promise((resolve) => setImmediate(resolve));
    body.destroy();

    expect(await chunks.next()).toEqual(Buffer.from('abc'));
    await expect(chunks.next()).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it("fails with the body's own error", async () => {
    const body = new Readable({ read() {} });
    const chunks = new BodyChunks(body, 1024 * KiB);
    body.destroy(new Error('socket hang up'));

    await expect(chunks.next()).rejects.toThrow('socket hang up');
  });

  it('answers null, again and again, at the end of an empty body', async () => {
    const chunks = new BodyChunks(Readable.from([]), 1024);
    expect(await chunks.next()).toBeNull();
    expect(await chunks.next()).toBeNull();
  });
});
