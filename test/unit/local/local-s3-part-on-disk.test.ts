import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partOnDisk } from '../../../local/s3/multipart.js';

describe('partOnDisk (UploadPart answers only once s3rver has flushed the part file)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'part-on-disk-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('waits while the file is still being written, then returns', async () => {
    // GIVEN a part file that holds half its bytes and gets the rest a little later
    const file = join(dir, '1');
    await writeFile(file, Buffer.alloc(512, 1));
    const rest = new Promise((resolve) => setTimeout(resolve, 30)).then(() =>
      appendFile(file, Buffer.alloc(512, 2)),
    );
    // WHEN waiting for 1024 bytes
    const sizeWhenDone = partOnDisk(file, 1024).then(async () => (await stat(file)).size);
    // THEN it returns only once the file holds them all
    await rest;
    expect(await sizeWhenDone).toBe(1024);
  });

  it('waits for a part file that does not exist yet', async () => {
    const file = join(dir, '2');
    setTimeout(() => void writeFile(file, 'abc'), 20);
    await expect(partOnDisk(file, 3)).resolves.toBeUndefined();
  });

  it('fails, naming both sizes, when the file never holds the whole body', async () => {
    const file = join(dir, '3');
    await writeFile(file, Buffer.alloc(100));
    await expect(partOnDisk(file, 101, 50)).rejects.toThrow(
      `Part file ${file} holds 100 bytes, the request body held 101`,
    );
  });

  it('fails at once when the file holds more than the body', async () => {
    const file = join(dir, '4');
    await writeFile(file, Buffer.alloc(10));
    await expect(partOnDisk(file, 9, 60_000)).rejects.toThrow('holds 10 bytes, the request body held 9');
  });
});
