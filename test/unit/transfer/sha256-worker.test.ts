import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { promisify } from 'node:util';
import { createSHA256 } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { Sha256Worker } from '../../../functions/core/transfer/sha256-worker.js';

const MiB = 1024 * 1024;

/** Random bytes in shared memory, as `copyFile` hands its parts to the worker. */
function sharedBytes(length: number): Buffer {
  return randomFillSync(Buffer.from(new SharedArrayBuffer(length)));
}

function nativeSha256(...parts: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

describe('Sha256Worker', () => {
  it('hashes shared and unshared data given in several updates as node:crypto does', async () => {
    const shared = sharedBytes(3 * MiB + 17);
    const plain = randomFillSync(Buffer.alloc(100_001));
    const hasher = await Sha256Worker.start();

    await hasher.update(shared.subarray(0, 65));
    await hasher.update(plain);
    await hasher.update(shared.subarray(65));

    expect(await hasher.digest()).toBe(nativeSha256(shared.subarray(0, 65), plain, shared.subarray(65)));
    await hasher.close();
  });

  it('continues from a saved state in another worker to the digest of the whole data', async () => {
    const data = sharedBytes(2 * MiB + 5);
    const first = await Sha256Worker.start();
    await first.update(data.subarray(0, MiB + 3));
    const state = await first.save();
    await first.close();

    const second = await Sha256Worker.start(state);
    await second.update(data.subarray(MiB + 3));

    expect(await second.digest()).toBe(nativeSha256(data));
    await second.close();
  });

  it('loads a state saved by hash-wasm, as continuations from before the worker hold', async () => {
    const data = sharedBytes(MiB + 9);
    const legacy = await createSHA256();
    legacy.init().update(data.subarray(0, 1000));

    const hasher = await Sha256Worker.start(legacy.save());
    await hasher.update(data.subarray(1000));

    expect(await hasher.digest()).toBe(nativeSha256(data));
    await hasher.close();
  });

  it('saves a state that hash-wasm loads', async () => {
    const data = sharedBytes(MiB + 9);
    const hasher = await Sha256Worker.start();
    await hasher.update(data.subarray(0, 4096));
    const state = await hasher.save();
    await hasher.close();

    const legacy = await createSHA256();
    legacy.load(state).update(data.subarray(4096));

    expect(legacy.digest('hex')).toBe(nativeSha256(data));
  });

  it('fails to start from a state of the wrong length or of another implementation', async () => {
    const hasher = await Sha256Worker.start();
    const state = await hasher.save();
    await hasher.close();
    const foreign = Uint8Array.from(state);
    foreign[0] = (foreign[0] ?? 0) ^ 0xff;

    await expect(Sha256Worker.start(state.subarray(0, 50))).rejects.toThrow(/holds 116 bytes, got 50/);
    await expect(Sha256Worker.start(foreign)).rejects.toThrow(/another SHA-256 implementation/);
  });

  it('hashes off the main thread: the event loop keeps turning during a long update', async () => {
    const data = sharedBytes(32 * MiB);
    const hasher = await Sha256Worker.start();
    let turns = 0;
    let hashing = true;
    const turn = () => {
      turns += 1;
      if (hashing) setImmediate(turn);
    };

    setImmediate(turn);
    await hasher.update(data);
    hashing = false;

    // Hashing 32 MiB takes ~0.2 s; an update on the main thread would leave no turn to the loop.
    expect(turns).toBeGreaterThan(10);
    await hasher.close();
  });

  it('is done with shared data once update resolves: changing it afterwards changes nothing', async () => {
    const data = sharedBytes(16 * MiB);
    const expected = nativeSha256(data);
    const hasher = await Sha256Worker.start();

    await hasher.update(data);
    data.fill(0);

    expect(await hasher.digest()).toBe(expected);
    await hasher.close();
  });

  it('keeps a process alive while a call waits, and lets it end once idle', async () => {
    // A script whose only pending work is the worker's answer: it must print the digest, then exit.
    const script = [
      `import { Sha256Worker } from ${JSON.stringify(new URL('../../../functions/core/transfer/sha256-worker.ts', import.meta.url).href)};`,
      'const hasher = await Sha256Worker.start();',
      'await hasher.update(Buffer.from(new SharedArrayBuffer(32 * 1024 * 1024)));',
      'console.log(await hasher.digest());',
    ].join('\n');

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { timeout: 30_000 },
    );

    expect(stdout.trim()).toBe(nativeSha256(Buffer.alloc(32 * MiB)));
  });

  it('fails calls waiting and calls made once it is closed', async () => {
    const hasher = await Sha256Worker.start();
    const waiting = expect(hasher.update(sharedBytes(64 * MiB))).rejects.toThrow(/closed/);

    await hasher.close();

    await waiting;
    await expect(hasher.digest()).rejects.toThrow(/closed/);
  });
});
