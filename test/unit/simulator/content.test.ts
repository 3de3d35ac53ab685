import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentSource } from '../../../simulator/file-content.js';
import { dumpFileNames, logFileName } from '../../../simulator/file-names.js';
import { CHUNK_BYTES, fileContent, fileSha256 } from '../../../simulator/index.js';

const sha = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

describe('fileContent', () => {
  it('is a pure function of job name, file name and offset', () => {
    const whole = fileContent('JOB', 'A01.DMP', 0, 300_000);

    expect(fileContent('JOB', 'A01.DMP', 0, 300_000).equals(whole)).toBe(true);
    expect(fileContent('JOB', 'A01.DMP', 65_530, 131_080).equals(whole.subarray(65_530, 131_080))).toBe(true);
    expect(fileContent('JOB', 'A02.DMP', 0, 300_000).equals(whole)).toBe(false);
    expect(fileContent('JOB2', 'A01.DMP', 0, 300_000).equals(whole)).toBe(false);
  });

  it('stamps every 64 KiB chunk with its index', () => {
    const chunk = fileContent('JOB', 'A01.DMP', 17 * CHUNK_BYTES, 17 * CHUNK_BYTES + 8);

    expect(chunk.readBigUInt64BE(0)).toBe(17n);
  });

  it('changes the SHA-256 when two chunks swap, although the block repeats every 1 MiB', () => {
    const size = 2 * 1024 * 1024;
    const whole = fileContent('JOB', 'A01.DMP', 0, size);
    const swapped = Buffer.concat([whole.subarray(1024 * 1024, size), whole.subarray(0, 1024 * 1024)]);

    expect(sha(swapped)).not.toBe(sha(whole));
  });

  it('gives the same bytes as slices as it does as a copy', () => {
    const source = contentSource('JOB', 'A01.DMP');

    expect(Buffer.concat(source.slices(3, 200_003)).equals(source.read(3, 200_003))).toBe(true);
    expect(Buffer.concat(source.slices(65_540, 65_541)).equals(source.read(65_540, 65_541))).toBe(true);
  });

  it('fails for a range that ends before it starts', () => {
    expect(() => fileContent('JOB', 'A01.DMP', 10, 5)).toThrow(RangeError);
  });
});

describe('fileSha256', () => {
  it('agrees with hashing fileContent, for sizes on and off chunk boundaries', async () => {
    for (const size of [0, 5, CHUNK_BYTES, 3 * 1024 * 1024 + 11]) {
      expect(await fileSha256('JOB', 'A01.DMP', size)).toBe(sha(fileContent('JOB', 'A01.DMP', 0, size)));
    }
  });
});

describe('file names', () => {
  it('expands %U to 01, 02, … and names a single file without %U', () => {
    expect(dumpFileNames('X-%U.DMP', 2)).toEqual(['X-01.DMP', 'X-02.DMP']);
    expect(dumpFileNames('X.DMP', 3)).toEqual(['X.DMP']);
  });

  it('derives the log name by removing %U with the separator before it', () => {
    expect(logFileName('ORDERS-20261123T020000Z-1A2B-%U.DMP')).toBe('ORDERS-20261123T020000Z-1A2B.LOG');
    expect(logFileName('EXPDAT%U-2026-11-23-02_00_00.DMP')).toBe('EXPDAT-2026-11-23-02_00_00.LOG');
    expect(logFileName('backup_%u.dmp')).toBe('backup.LOG');
    expect(logFileName('plain')).toBe('plain.LOG');
  });
});
