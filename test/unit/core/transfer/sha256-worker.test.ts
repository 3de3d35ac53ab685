import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256Worker } from '../../../../functions/core/transfer/sha256-worker.js';

function sha256(...parts: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

function sharedBytes(length: number, seed: number): Buffer {
  const data = Buffer.from(new SharedArrayBuffer(length));
  for (let i = 0; i < length; i += 1) data[i] = (i * 31 + seed) & 0xff;
  return data;
}

describe('Sha256Worker', () => {
  it('hashes shared and ordinary buffers in the order they were added', async () => {
    const a = sharedBytes(1_000_003, 1);
    const b = Buffer.from('between the parts');
    const c = sharedBytes(70_000, 9).subarray(5, 60_005);
    const worker = Sha256Worker.start();

    await Promise.all([worker.update(a), worker.update(b), worker.update(c)]);

    expect(await worker.digest()).toBe(sha256(a, b, c));
    expect(worker.failed).toBeUndefined();
  });

  it('hashes a part as it was when added, once update resolves the buffer may be reused', async () => {
    const part = sharedBytes(300_000, 3);
    const expected = sha256(part, Buffer.from('x'));
    const worker = Sha256Worker.start();

    await worker.update(part);
    part.fill(0);
    await worker.update(Buffer.from('x'));

    expect(await worker.digest()).toBe(expected);
  });

  it('answers null for a closed worker and resolves updates sent after it', async () => {
    const worker = Sha256Worker.start();
    await worker.update(Buffer.from('abc'));

    await worker.close();

    await expect(worker.update(Buffer.from('def'))).resolves.toBeUndefined();
    expect(await worker.digest()).toBeNull();
  });

  it('drops the hash instead of failing when the worker cannot take a message', async () => {
    const worker = Sha256Worker.start();
    await worker.update(Buffer.from('abc'));

    // Bytes the worker cannot hash make it throw: the worker ends with an error.
    await expect(worker.update({} as unknown as Uint8Array)).resolves.toBeUndefined();

    expect(await worker.digest()).toBeNull();
    expect(worker.failed).toBeInstanceOf(Error);
  });
});
