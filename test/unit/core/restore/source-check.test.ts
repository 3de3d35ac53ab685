import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  checkRestoreSource,
  readRestoreSource,
  type SourceCheck,
} from '../../../../functions/core/restore/index.js';

const BUCKET = 'backups';
const FOLDER = 'orders/2026/12/07/DATAPUMP_REST_EXPORT_20261207020000/';
const URI = `s3://${BUCKET}/${FOLDER}manifest.json`;

interface StoredObject {
  body: Buffer;
  etag: string;
  versionId?: string;
}

const crcOf = (bytes: Buffer) => {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(zlib.crc32(bytes));
  return value.toString('base64');
};
const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * An S3 bucket in memory that answers as S3 does: HeadObject with the FULL_OBJECT CRC-32 and the
 * ETag, GetObject with `Range: bytes=N-` (206 with Content-Range), `If-Match` (412) and `VersionId`,
 * the body in chunks of `chunkBytes`. `ignoreRange` plays a server that answers a ranged read whole.
 */
class MemoryS3 {
  readonly objects = new Map<string, StoredObject>();
  readonly gets: { key: string; range?: string; ifMatch?: string; versionId?: string }[] = [];
  chunkBytes = 1000;
  ignoreRange = false;

  put(key: string, body: Buffer, versionId?: string): StoredObject {
    const object = { body, etag: `"${sha256Of(body).slice(0, 32)}"`, ...(versionId ? { versionId } : {}) };
    this.objects.set(key, object);
    return object;
  }

  async send(command: unknown): Promise<unknown> {
    const input = (command as { input: Record<string, string | undefined> }).input;
    const object = this.objects.get(input.Key as string);
    if (!object)
      throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    if (command instanceof HeadObjectCommand) {
      return { ContentLength: object.body.length, ChecksumCRC32: crcOf(object.body), ETag: object.etag };
    }
    if (!(command instanceof GetObjectCommand)) throw new Error('unexpected command');
    this.gets.push({
      key: input.Key as string,
      ...(input.Range ? { range: input.Range } : {}),
      ...(input.IfMatch ? { ifMatch: input.IfMatch } : {}),
      ...(input.VersionId ? { versionId: input.VersionId } : {}),
    });
    if (input.IfMatch !== undefined && input.IfMatch !== object.etag) {
      throw Object.assign(new Error('PreconditionFailed'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      });
    }
    const from = !this.ignoreRange && input.Range ? Number(/^bytes=(\d+)-$/.exec(input.Range)?.[1]) : 0;
    const bytes = object.body.subarray(from);
    const chunkBytes = this.chunkBytes;
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
    }
    const body = Object.assign(chunks(), { transformToString: async () => bytes.toString('utf8') });
    return {
      Body: body,
      ETag: object.etag,
      ...(from > 0 ? { ContentRange: `bytes ${from}-${object.body.length - 1}/${object.body.length}` } : {}),
    };
  }
}

const dump = (name: string, body: Buffer, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'dump',
  key: `${FOLDER}${name}`,
  bytes: body.length,
  checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: crcOf(body) },
  invocations: 1,
  ...extra,
});

function manifestOf(files: unknown[]) {
  return Buffer.from(
    JSON.stringify({
      manifestVersion: 3,
      database: 'orders',
      jobName: 'DATAPUMP_REST_EXPORT_20261207020000',
      runId: '1A2B',
      dumpFile: 'ORDERS-%U.DMP',
      verdict: 'succeeded',
      files,
      exportSpec: { datapumpDir: 'DATA_PUMP_DIR' },
      exported: null,
    }),
  );
}

/** Calls the check again with its progress until it is done; every progress it returned. */
async function checkInCalls(s3: MemoryS3, minBytesPerCall: number) {
  const seen: SourceCheck[] = [];
  let progress: SourceCheck | undefined;
  for (let call = 0; call < 1000; call += 1) {
    const step = await checkRestoreSource(s3 as never, URI, progress, {
      shouldStop: () => true,
      minBytesPerCall,
    });
    if (step.done) return { source: step.source, seen };
    progress = JSON.parse(JSON.stringify(step.progress)) as SourceCheck; // through the state, as JSON
    seen.push(progress);
  }
  throw new Error('the check never ended');
}

describe('the check of a backup in S3, across calls', () => {
  let s3: MemoryS3;
  let one: Buffer;
  let two: Buffer;
  beforeEach(() => {
    s3 = new MemoryS3();
    one = randomBytes(25_000);
    two = randomBytes(12_345);
    s3.put(`${FOLDER}ONE.DMP`, one);
    s3.put(`${FOLDER}TWO.DMP`, two);
    s3.put(`${FOLDER}manifest.json`, manifestOf([dump('ONE.DMP', one), dump('TWO.DMP', two)]));
  });

  it('finds in many calls exactly what one call finds: each file read once, every byte, the same SHA-256', async () => {
    // WHEN the check runs with a budget that is always spent, reading at least 4,000 bytes per call
    const { source, seen } = await checkInCalls(s3, 4_000);

    // THEN it took a call per 4,000 bytes or so, each showing more bytes checked
    expect(seen.length).toBeGreaterThanOrEqual(8);
    const bytes = seen.map((progress) => progress.checkedBytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(new Set(bytes).size).toBe(bytes.length);
    expect(seen.every((progress) => progress.totalBytes === one.length + two.length)).toBe(true);
    // AND found what a single call finds, with the SHA-256 of the bytes S3 holds
    const whole = await readRestoreSource(new MemoryS3Clone(s3) as never, URI);
    expect(source.files).toEqual(whole.files);
    expect(source.files.map((file) => file.sha256)).toEqual([sha256Of(one), sha256Of(two)]);
    // AND every read after the first of a file started where the last call stopped, pinned by ETag
    const reads = s3.gets.filter((get) => get.key.endsWith('ONE.DMP'));
    expect(reads[0]?.range).toBeUndefined();
    expect(reads.slice(1).every((get) => /^bytes=\d+-$/.test(get.range ?? ''))).toBe(true);
    expect(reads.every((get) => get.ifMatch === s3.objects.get(`${FOLDER}ONE.DMP`)?.etag)).toBe(true);
  });

  it('reads at least the minimum per call before it honours the budget', async () => {
    const { seen } = await checkInCalls(s3, 10_000);
    // Each call read at least 10,000 bytes, unless it ended a file on the way (the last call ends the check)
    const bytes = [0, ...seen.map((progress) => progress.checkedBytes)];
    for (let call = 1; call < bytes.length; call += 1) {
      expect((bytes[call] as number) - (bytes[call - 1] as number)).toBeGreaterThanOrEqual(10_000);
    }
  });

  it('fails, naming the object, when a file is replaced between two calls', async () => {
    // GIVEN a check that stopped in the middle of the first file
    const first = await checkRestoreSource(s3 as never, URI, undefined, {
      shouldStop: () => true,
      minBytesPerCall: 5_000,
    });
    expect(first.done).toBe(false);
    // WHEN someone replaces the file with other bytes of the same size, and the check goes on
    s3.put(`${FOLDER}ONE.DMP`, randomBytes(one.length));
    const next = checkRestoreSource(s3 as never, URI, first.done ? undefined : first.progress, {});

    // THEN it fails loudly, naming the object: it never mixes the bytes of two objects
    await expect(next).rejects.toThrow(
      new RegExp(`s3://${BUCKET}/${FOLDER}ONE.DMP was replaced while the restore was checking it`),
    );
  });

  it('fails when the manifest is replaced between two calls', async () => {
    const first = await checkRestoreSource(s3 as never, URI, undefined, {
      shouldStop: () => true,
      minBytesPerCall: 5_000,
    });
    s3.put(`${FOLDER}manifest.json`, manifestOf([dump('TWO.DMP', two)]));
    await expect(
      checkRestoreSource(s3 as never, URI, first.done ? undefined : first.progress, {}),
    ).rejects.toThrow(/manifest.json was replaced while the restore was checking its files/);
  });

  it('fails, naming the object, when S3 answers a ranged read with the whole object', async () => {
    const first = await checkRestoreSource(s3 as never, URI, undefined, {
      shouldStop: () => true,
      minBytesPerCall: 5_000,
    });
    s3.ignoreRange = true;
    await expect(
      checkRestoreSource(s3 as never, URI, first.done ? undefined : first.progress, {}),
    ).rejects.toThrow(/ONE.DMP: S3 answered a read from byte \d+ with the whole object/);
  });

  it('fails when a byte after the resume point is damaged, naming the object and both CRC-32s', async () => {
    // GIVEN an object whose last byte differs from the bytes the manifest recorded (S3's own CRC agrees with the manifest)
    const stored = s3.objects.get(`${FOLDER}TWO.DMP`) as StoredObject;
    const head = s3.send.bind(s3);
    s3.send = async (command: unknown) => {
      const answer = (await head(command)) as { Body?: AsyncIterable<Buffer> };
      if (
        command instanceof GetObjectCommand &&
        (command.input.Key ?? '').endsWith('TWO.DMP') &&
        answer.Body
      ) {
        const chunks: Buffer[] = [];
        for await (const chunk of answer.Body) chunks.push(Buffer.from(chunk));
        const bytes = Buffer.concat(chunks);
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
        return {
          ...answer,
          Body: (async function* () {
            yield bytes;
          })(),
        };
      }
      return answer;
    };
    expect(stored.body.length).toBe(two.length);

    // WHEN the check reads it in several calls
    // THEN it fails naming the object, the bytes read back and the manifest's CRC-32
    await expect(checkInCalls(s3, 3_000)).rejects.toThrow(
      new RegExp(`TWO.DMP: the bytes read back \\(${two.length}, CRC32 \\S+\\) do not match the manifest`),
    );
  });

  it('refuses a progress that does not belong to this manifest', async () => {
    const progress: SourceCheck = {
      manifestEtag: s3.objects.get(`${FOLDER}manifest.json`)?.etag as string,
      files: [{ name: 'OTHER.DMP', key: `${FOLDER}OTHER.DMP`, bytes: 10, sha256: '0'.repeat(64) }],
      checkedBytes: 10,
      totalBytes: 10,
    };
    await expect(checkRestoreSource(s3 as never, URI, progress, {})).rejects.toThrow(
      /progress names s3:\/\/backups\/\S+OTHER.DMP \(10 bytes\) as dump file 1, but the manifest lists \S+ONE.DMP/,
    );
  });

  it('starts a file over when its saved SHA-256 state does not load, and still finds the right digest', async () => {
    const first = await checkRestoreSource(s3 as never, URI, undefined, {
      shouldStop: () => true,
      minBytesPerCall: 5_000,
    });
    if (first.done || !first.progress.current) throw new Error('expected a check in the middle of a file');
    const broken = {
      ...first.progress,
      current: { ...first.progress.current, sha256State: Buffer.from('not a state').toString('base64') },
    };
    const lines: string[] = [];
    const next = await checkRestoreSource(s3 as never, URI, broken, {
      onProgress: (line) => lines.push(line),
    });
    expect(next.done && next.source.files.map((file) => file.sha256)).toEqual([sha256Of(one), sha256Of(two)]);
    expect(lines.join('\n')).toMatch(/does not load .* starts over/);
  });

  it('reads a versioned object by its version, not by ETag', async () => {
    const versioned = s3.put(`${FOLDER}ONE.DMP`, one, 'v-123');
    s3.put(
      `${FOLDER}manifest.json`,
      manifestOf([dump('ONE.DMP', one, { versionId: 'v-123' }), dump('TWO.DMP', two)]),
    );
    const { source } = await checkInCalls(s3, 4_000);
    const reads = s3.gets.filter((get) => get.key.endsWith('ONE.DMP'));
    expect(reads.every((get) => get.versionId === versioned.versionId && get.ifMatch === undefined)).toBe(
      true,
    );
    expect(source.files[0]).toMatchObject({ versionId: 'v-123', sha256: sha256Of(one) });
  });

  it('checks an empty dump file without reading it', async () => {
    const empty = Buffer.alloc(0);
    s3.put(`${FOLDER}EMPTY.DMP`, empty);
    s3.put(`${FOLDER}manifest.json`, manifestOf([dump('EMPTY.DMP', empty), dump('TWO.DMP', two)]));
    const { source } = await checkInCalls(s3, 4_000);
    expect(source.files[0]).toMatchObject({ bytes: 0, sha256: sha256Of(empty) });
    expect(s3.gets.some((get) => get.key.endsWith('EMPTY.DMP'))).toBe(false);
  });
});

/** The same objects, its own read log: the one-call check's reads do not mix with the test's. */
class MemoryS3Clone extends MemoryS3 {
  constructor(from: MemoryS3) {
    super();
    for (const [key, object] of from.objects) this.objects.set(key, object);
  }
}
