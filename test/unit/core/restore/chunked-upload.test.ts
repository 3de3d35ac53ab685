import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OrdsUnavailableError } from '../../../../functions/core/base/index.js';
import type { SqlRequest } from '../../../../functions/core/ords/index.js';
import { PIECE_BYTES, uploadChunked } from '../../../../functions/core/restore/index.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A database in memory that runs the restore's size and append blocks as Oracle would: the append
 * checks `:offset` against the file's size (ORA-20101), writes its pieces, and answers the size after.
 * `onAppend` may cut a request off after writing part of it, or lose its answer.
 */
function fakeDatabase(
  onAppend: (count: number) => 'ok' | 'lose-answer' | 'half-then-lose' | 'full' = () => 'ok',
) {
  let file: Buffer | null = null;
  let appends = 0;
  const bind = (request: SqlRequest, name: string) =>
    request.binds.find((entry) => entry.name === name)?.value;
  const answer = (item: Record<string, unknown>) => ({ items: [item] });
  const sql = {
    async runSqlRequest(request: SqlRequest): Promise<unknown> {
      const size = file?.length ?? -1;
      if (!request.statementText.includes("'ab'")) {
        return answer({ binds: [{ name: 'bytes_out', result: size }] });
      }
      if (Math.max(size, 0) !== bind(request, 'offset')) {
        return answer({ errorCode: 20101, errorDetails: `ORA-20101: the file holds ${size} bytes` });
      }
      appends += 1;
      const what = onAppend(appends);
      if (what === 'full') return answer({ errorCode: 29285, errorDetails: 'ORA-29285: file write error' });
      const pieces = request.binds
        .filter((entry) => /^p\d+$/.test(entry.name))
        .map((entry) => Buffer.from(String(entry.value), 'base64'));
      const written = what === 'half-then-lose' ? pieces.slice(0, 1) : pieces;
      file = Buffer.concat([file ?? Buffer.alloc(0), ...written]);
      if (what !== 'ok') throw new OrdsUnavailableError('ORDS answered 504: the answer was lost');
      return answer({ binds: [{ name: 'bytes_out', result: file.length }] });
    },
  };
  return { sql, file: () => file };
}

const SOURCE = randomBytes(5 * PIECE_BYTES + 777);
const readRange = async (start: number, end: number) => SOURCE.subarray(start, end);
const input = {
  directory: 'DATA_PUMP_DIR',
  fileName: 'R1-X-01.DMP',
  bytes: SOURCE.length,
  chunkBytes: 2 * PIECE_BYTES,
};

describe('uploadChunked', () => {
  it('uploads the file in chunks of whole base64 pieces', async () => {
    const db = fakeDatabase();

    const result = await uploadChunked({ sql: db.sql, readRange, logger: silent }, input);

    expect(result).toEqual({ done: true, bytes: SOURCE.length, chunks: 3 });
    expect(db.file()!.equals(SOURCE)).toBe(true);
  });

  it('resumes after an invocation cut off mid-chunk, with no duplicate or missing byte', async () => {
    // GIVEN a database where the second append writes one of its two pieces and its answer is lost
    const db = fakeDatabase((count) => (count === 2 ? 'half-then-lose' : 'ok'));
    await expect(uploadChunked({ sql: db.sql, readRange, logger: silent }, input)).rejects.toThrow(/504/);
    expect(db.file()!.length).toBe(3 * PIECE_BYTES);

    // WHEN a new invocation uploads the same file
    const result = await uploadChunked({ sql: db.sql, readRange, logger: silent }, input);

    // THEN it continued from the size the database read, and the file is the source byte for byte
    expect(result.done).toBe(true);
    expect(db.file()!.equals(SOURCE)).toBe(true);
  });

  it('continues from the database size when a retried append meets its own earlier write (ORA-20101)', async () => {
    // GIVEN an append that landed but lost its answer, then a caller that sends the same chunk again
    const db = fakeDatabase((count) => (count === 1 ? 'lose-answer' : 'ok'));
    const flaky = {
      async runSqlRequest(request: SqlRequest) {
        try {
          return await db.sql.runSqlRequest(request);
        } catch {
          return db.sql.runSqlRequest(request);
        }
      },
    };

    const result = await uploadChunked({ sql: flaky, readRange, logger: silent }, input);

    expect(result.done).toBe(true);
    expect(db.file()!.equals(SOURCE)).toBe(true);
  });

  it('fails naming the directory full when the database refuses a chunk (ORA-29285)', async () => {
    const db = fakeDatabase((count) => (count === 2 ? 'full' : 'ok'));

    await expect(uploadChunked({ sql: db.sql, readRange, logger: silent }, input)).rejects.toThrow(
      /ORA-29285.*directory full/,
    );
  });

  it('stops before the next chunk when the invocation is out of time, and says where it stands', async () => {
    const db = fakeDatabase();
    let chunks = 0;

    const result = await uploadChunked(
      {
        sql: db.sql,
        readRange,
        logger: silent,
        onProgress: () => (chunks += 1),
        shouldStop: () => chunks >= 1,
      },
      input,
    );

    expect(result).toEqual({ done: false, bytes: 2 * PIECE_BYTES, chunks: 1 });
  });
});
