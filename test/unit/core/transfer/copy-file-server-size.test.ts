import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile } from '../../../../functions/core/transfer/copy-file.js';
import { fileSizeQuery, serverFileSize } from '../../../../functions/core/transfer/server-file-size.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { FakeOrds, fileBytes } from '../../../helpers/fake-ords.js';
import { copyDeps, copyPayload, MiB, objectExists, readObject } from './transfer-fixtures.js';

/**
 * "Downloads without a size": a server that sends a file chunked and ignores Range leaves the copy
 * only one witness of the file's end, the database's own size of it through REST-enabled SQL.
 */

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ minPartBytes: MiB });
});
afterAll(async () => {
  await s3.stop();
});

const FILE = fileBytes(2.5 * MiB, 31);

describe('copyFile from a server without sizes and without Range', () => {
  it('stores the file when the database gives its size as the bytes received, and records how', async () => {
    const ords = new FakeOrds({ 'S-01.DMP': FILE }, { contentLength: false, range: false });
    const asked: string[] = [];
    const deps = copyDeps(ords, s3, {
      serverFileSize: async (name) => {
        asked.push(name);
        return FILE.length;
      },
    });

    const result = await copyFile(deps, copyPayload('S-01.DMP', 'sized/S-01.DMP'));

    expect(result).toMatchObject({
      done: true,
      file: { bytes: FILE.length, endConfirmedBy: 'rest-enabled-sql' },
    });
    expect(asked).toEqual(['S-01.DMP']);
    expect(Buffer.compare(await readObject(s3, 'sized/S-01.DMP'), FILE)).toBe(0);
    expect(deps.logger.lines.filter((line) => /REST-enabled SQL gives/.test(line.message))).toHaveLength(1);
  });

  it('fails naming both sizes when the database gives another size, and stores nothing', async () => {
    const ords = new FakeOrds({ 'T-01.DMP': FILE }, { contentLength: false, range: false });
    const deps = copyDeps(ords, s3, { serverFileSize: async () => FILE.length + 4096 });

    await expect(copyFile(deps, copyPayload('T-01.DMP', 'sized/T-01.DMP'))).rejects.toMatchObject({
      name: 'TransferIncompleteError',
      message: expect.stringContaining(`the database gives its size as ${FILE.length + 4096} bytes`),
    });
    expect(await objectExists(s3, 'sized/T-01.DMP')).toBe(false);
  });

  it('fails as before when the database cannot tell the size (REST-enabled SQL off)', async () => {
    const ords = new FakeOrds({ 'U-01.DMP': FILE }, { contentLength: false, range: false });
    const deps = copyDeps(ords, s3, { serverFileSize: async () => null });

    await expect(copyFile(deps, copyPayload('U-01.DMP', 'sized/U-01.DMP'))).rejects.toMatchObject({
      name: 'TransferIncompleteError',
      message: expect.stringMatching(/the end is unconfirmed$/),
    });
  });

  it('does not ask the database when ORDS announces the size', async () => {
    const ords = new FakeOrds({ 'V-01.DMP': FILE }, {});
    let asked = 0;
    const deps = copyDeps(ords, s3, {
      serverFileSize: async () => {
        asked++;
        return null;
      },
    });

    const result = await copyFile(deps, copyPayload('V-01.DMP', 'sized/V-01.DMP'));

    expect(result.done).toBe(true);
    expect(asked).toBe(0);
  });
});

describe('serverFileSize', () => {
  it('reads DBMS_LOB.GETLENGTH of the file, and null on an ORA- error or a thrown request', async () => {
    const answers = [
      [{ ok: true as const, statement: 'q', rows: [{ bytes: 4096 }] }],
      [
        {
          ok: false as const,
          statement: 'q',
          errorCode: 22288,
          errorDetails: 'ORA-22288: file or LOB operation FILEOPEN failed',
        },
      ],
    ];
    const sql = { runSql: async () => answers.shift() ?? [] };
    const failing = {
      runSql: async () => {
        throw new Error('ORDS answered 404');
      },
    };

    expect(await serverFileSize(sql, 'DATA_PUMP_DIR', 'X-01.DMP')).toBe(4096);
    expect(await serverFileSize(sql, 'DATA_PUMP_DIR', 'X-01.DMP')).toBeNull();
    expect(await serverFileSize(failing, 'DATA_PUMP_DIR', 'X-01.DMP')).toBeNull();
  });

  it('refuses a file name or directory that could carry SQL', () => {
    expect(() => fileSizeQuery('DATA_PUMP_DIR', "X'); DROP USER HR CASCADE; --")).toThrow(/not allowed/);
    expect(() => fileSizeQuery("D' OR 1=1", 'X-01.DMP')).toThrow(/not an Oracle identifier/);
    expect(fileSizeQuery('data_pump_dir', 'X-01.DMP')).toBe(
      "SELECT DBMS_LOB.GETLENGTH(BFILENAME('DATA_PUMP_DIR', 'X-01.DMP')) AS bytes FROM dual",
    );
  });
});
