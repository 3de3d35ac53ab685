import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PIECE_BYTES } from '../../functions/core/restore/index.js';
import { type RestoreCommandOptions, runRestoreCommand } from '../../local/commands/restore.js';
import { defaultRestoreSwitches } from '../../simulator/uploaded-files.js';
import { type Harness, SECRET, startHarness } from './harness.js';

describe('npm run restore: a backup from S3 back into the simulator through ORDS alone', () => {
  let h: Harness;
  let manifestUri: string;
  let manifestKey: string;
  beforeAll(async () => {
    h = await startHarness();
    // GIVEN a backup of two dump files, made by `npm start`'s state machine
    h.simulator.configure({ dumpFiles: 2, dumpFileBytes: 3 * PIECE_BYTES + 1234, restSql: true });
    const result = await h.run();
    expect(result.status).toBe('SUCCEEDED');
    manifestKey = (await h.keys())
      .filter((key) => key.endsWith('/manifest.json'))
      .sort()
      .at(-1)!;
    manifestUri = `s3://${h.s3.bucket}/${manifestKey}`;
  });
  afterAll(() => h.stop());
  beforeEach(() => h.simulator.configure({ restore: defaultRestoreSwitches(), importOutcome: 'success' }));

  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  const restore = async (changes: Partial<RestoreCommandOptions> = {}) => {
    lines.out = [];
    lines.err = [];
    const code = await runRestoreCommand(
      { s3: h.s3.client, out: (line) => lines.out.push(line), err: (line) => lines.err.push(line) },
      {
        manifestUri,
        database: 'orders',
        targetSchema: 'HR_RESTORED',
        ordsUrl: h.simulator.url,
        secretText: SECRET,
        secretSource: 'test secret',
        keyPrefix: '',
        path: 'auto',
        pollSeconds: 1,
        timeoutSeconds: 120,
        remover: 'utl-file',
        presignSeconds: 300,
        ...changes,
      },
    );
    return { code, report: JSON.parse(lines.out.at(-1) ?? '{}') };
  };
  const getObjects = () =>
    h.simulator.requests.filter((request) => request.body?.includes('DBMS_CLOUD.GET_OBJECT')).length;
  const appends = () =>
    h.simulator.requests.filter((request) => request.body?.includes("'ab', 32767")).length;
  const users = () => h.simulator.users().map((user) => user.username);
  const imports = () => h.simulator.jobs().filter((job) => job.operation === 'IMPORT');
  const dropUser = async (name: string) => {
    const response = await fetch(`${h.simulator.url}_/sql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/sql',
        authorization: `Basic ${Buffer.from('DBAPI_USER:secret-password').toString('base64')}`,
      },
      body: `DROP USER "${name}" CASCADE;`,
    });
    expect(response.status).toBe(200);
  };

  it('restores through DBMS_CLOUD.GET_OBJECT on a presigned URL, checked by SHA-256 in the database', async () => {
    const { code, report } = await restore({ targetSchema: 'HR_GET' });

    // THEN the import read bytes the simulator checked against its exported dump, and every table came back
    expect(code).toBe(0);
    expect(report).toMatchObject({
      succeeded: true,
      path: 'get-object',
      digest: 'sha256',
      targetSchema: 'HR_GET',
    });
    expect(report.rows.imported).toBe(report.rows.exported);
    expect(report.tables.imported).toBe(report.tables.exported);
    expect(users()).toContain('HR_GET');
    expect(lines.err).toContain('DBMS_CLOUD.GET_OBJECT accepted a presigned URL (probe: the manifest)');
    // AND the import's control table is dropped, and no request carried the presigned URL's signature in a log line
    expect(imports().at(-1)!.dropped).toBe(true);
    expect(lines.err.join('\n')).not.toMatch(/X-Amz-Signature/);
    await dropUser('HR_GET');
  });

  it('falls back to chunked uploads when GET_OBJECT refuses the presigned URL, checked by size without DBMS_CRYPTO', async () => {
    h.simulator.configure({
      restore: { ...defaultRestoreSwitches(), presignedAccepted: false, dbmsCrypto: false },
    });

    const fetchesBefore = getObjects();

    const { code, report } = await restore({ targetSchema: 'HR_CHUNKS', chunkBytes: PIECE_BYTES });

    expect(code).toBe(0);
    expect(report).toMatchObject({ succeeded: true, path: 'chunked', digest: 'size' });
    expect(report.fallbackReason).toMatch(/ORA-20401/);
    // AND only the probe (the small manifest) was tried with GET_OBJECT, no dump file
    expect(getObjects() - fetchesBefore).toBe(1);
    // AND the database's error quoted the presigned URL: its query (the credential) is cut everywhere
    expect(JSON.stringify(report)).not.toMatch(/X-Amz-Signature/);
    expect(lines.err.join('\n')).not.toMatch(/X-Amz-Signature/);
    expect(report.rows.imported).toBe(report.rows.exported);
    // AND progress lines were printed for the chunks
    expect(lines.err.some((line) => /Uploaded \d+ of \d+ bytes/.test(line))).toBe(true);
    await dropUser('HR_CHUNKS');
  });

  it('resumes an interrupted chunked upload without a duplicate or missing byte', async () => {
    // GIVEN a database without DBMS_CLOUD whose third append is cut off after half its pieces, its answer lost
    h.simulator.configure({
      restore: { ...defaultRestoreSwitches(), dbmsCloud: false, interruptAfterAppends: 2 },
      sqlAnswersLost: 0,
    });

    const lostBefore = h.simulator.requests.filter((request) => request.fault === 'sql-answer-lost').length;
    const first = await restore({ targetSchema: 'HR_RESUMED', chunkBytes: 2 * PIECE_BYTES });
    // WHEN the restore stops there (the answer never came) and is run again
    expect(h.simulator.requests.filter((request) => request.fault === 'sql-answer-lost').length).toBe(
      lostBefore + 1,
    );
    expect(first.code).toBe(1);
    expect(first.report.message).toMatch(/Kept on the server for the next attempt to resume/);
    const appendsBefore = appends();
    const second = await restore({ targetSchema: 'HR_RESUMED', chunkBytes: 2 * PIECE_BYTES });
    // AND the second run appended only the rest of the cut file (2 chunks), from the size the database read
    expect(appends() - appendsBefore).toBe(2);

    // THEN the import accepted the files: the simulator compared them byte for byte with the export
    expect(second.code).toBe(0);
    expect(second.report).toMatchObject({ succeeded: true, path: 'chunked', digest: 'sha256' });
    expect(second.report.rows.imported).toBe(second.report.rows.exported);
    await dropUser('HR_RESUMED');
  });

  it('fails loudly when the target schema exists, and puts nothing on the server', async () => {
    const before = imports().length;

    const { code, report } = await restore({ targetSchema: 'DBAPI_USER' });

    expect(code).toBe(1);
    expect(report.message).toMatch(/DBAPI_USER already exists/);
    expect(imports()).toHaveLength(before);
  });

  it('fails loudly when the directory is full, and removes the part it wrote', async () => {
    h.simulator.configure({
      restore: { ...defaultRestoreSwitches(), dbmsCloud: false, directoryCapacityBytes: PIECE_BYTES * 2 },
    });

    const { code, report } = await restore({ targetSchema: 'HR_FULL', chunkBytes: PIECE_BYTES });

    expect(code).toBe(1);
    expect(report.message).toMatch(/ORA-29285/);
    expect(report.message).toMatch(/Nothing of this restore is left on the server/);
    expect(users()).not.toContain('HR_FULL');
  });

  it('fails loudly when the import fails, and drops the schema its import created', async () => {
    // GIVEN an import that stops with a fatal error after creating its target user
    h.simulator.configure({ importOutcome: 'fatal' });
    const before = imports().length;

    const { code, report } = await restore({ targetSchema: 'HR_FATAL' });

    // THEN the restore names the failure, and removed the files, the import's control table and HR_FATAL
    expect(code).toBe(1);
    expect(report.message).toMatch(/did not succeed: .*stopped due to fatal error/);
    expect(report.message).toMatch(/Nothing of this restore is left on the server/);
    expect(imports().slice(before)).toHaveLength(1);
    expect(imports().at(-1)!.dropped).toBe(true);
    expect(users()).not.toContain('HR_FATAL');
  });

  it('adopts its own import when the import POST loses its answer, starting no second one', async () => {
    // GIVEN an ORDS that starts the import but resets the connection instead of answering
    h.simulator.configure({ postHangAfterCreate: { count: 1, destroyAfterMs: 50, operation: 'IMPORT' } });
    const before = imports().length;

    const { code, report } = await restore({ targetSchema: 'HR_LOST_POST' });

    expect(code).toBe(0);
    expect(report.succeeded).toBe(true);
    expect(imports().slice(before)).toHaveLength(1);
    h.simulator.configure({ postHangAfterCreate: false });
    await dropUser('HR_LOST_POST');
  });

  it('restores into the same schema again once it was dropped: a finished restore leaves no record behind', async () => {
    const first = await restore({ targetSchema: 'HR_AGAIN' });
    await dropUser('HR_AGAIN');

    const second = await restore({ targetSchema: 'HR_AGAIN' });

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.report.importJob).not.toBe(first.report.importJob);
    expect((await h.keys()).filter((key) => key.includes('/restores/'))).toEqual([]);
    await dropUser('HR_AGAIN');
  });

  it('fails before touching the server when one S3 object is corrupted', async () => {
    // GIVEN the backup's first dump file replaced in S3 by other bytes of the same size
    const manifest = JSON.parse(
      await (
        await h.s3.client.send(new GetObjectCommand({ Bucket: h.s3.bucket, Key: manifestKey }))
      ).Body!.transformToString(),
    ) as { files: Array<{ key: string; bytes: number; kind: string }> };
    const dump = manifest.files.find((file) => file.kind === 'dump')!;
    const original = await h.read(dump.key);
    const corrupted = Buffer.from(original);
    corrupted[100] = (corrupted[100]! + 1) % 256;
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: dump.key, Body: corrupted }));
    const requests = h.simulator.requests.length;
    try {
      const { code, report } = await restore({ targetSchema: 'HR_CORRUPT' });

      expect(code).toBe(1);
      expect(report.message).toContain(dump.key);
      expect(h.simulator.requests.length).toBe(requests);
    } finally {
      await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: dump.key, Body: original }));
    }
  });
});
