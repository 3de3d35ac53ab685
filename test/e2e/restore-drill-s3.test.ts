import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import type { RestoreDrillResult } from '../../functions/core/drill/restore-drill-payloads.js';
import { OrdsClient, parseOrdsSecret } from '../../functions/core/ords/index.js';
import { PIECE_BYTES, restoreIdOf, serverFileSize } from '../../functions/core/restore/index.js';
import type { LocalRunResult } from '../../local/local-run.js';
import { defaultRestoreSwitches } from '../../simulator/uploaded-files.js';
import { type Harness, SECRET, startHarness } from './harness.js';

describe('restore drill from S3 (restoreDrill.source "s3") through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() =>
    h.simulator.configure({
      dumpFiles: 2,
      dumpFileBytes: 2 * PIECE_BYTES + 777,
      restSql: true,
      importOutcome: 'success',
      importMissesTable: false,
      postHangAfterCreate: false,
      restore: defaultRestoreSwitches(),
    }),
  );

  const drillOf = (result: LocalRunResult) =>
    (result.output as { restoreDrill: RestoreDrillResult } | undefined)?.restoreDrill;
  const users = () => h.simulator.users().map((user) => user.username);
  const imports = () => h.simulator.jobs().filter((job) => job.operation === 'IMPORT');
  const readJson = async (key: string) => JSON.parse((await h.read(key)).toString('utf8'));
  const newestManifest = async () =>
    (await h.keys())
      .filter((key) => key.endsWith('/manifest.json'))
      .sort()
      .at(-1)!;
  const entered = (result: LocalRunResult) =>
    result.events.filter((event) => event.type === 'StateEntered').map((event) => event.state?.name);
  /** What each "Put drill files from S3" call left in `$.s3Drill`, as the console shows it. */
  const putOutputs = (result: LocalRunResult) =>
    result.events
      .filter((event) => event.type === 'StateExited' && event.state?.name === 'Put drill files from S3')
      .map((event) => {
        const output = (event as unknown as { state: { output: unknown } }).state.output;
        const state = (typeof output === 'string' ? JSON.parse(output) : output) as {
          s3Drill: { checking?: { checkedBytes: number; totalBytes: number } };
        };
        return state.s3Drill;
      });
  const restoreIdFor = (manifestKey: string) =>
    restoreIdOf(`s3://${h.s3.bucket}/${manifestKey}`, 'orders', 'HR_DRILL');
  /** Sizes the database reports for the drill's files (-1: absent). */
  const serverSizes = async (manifestKey: string) => {
    const manifest = await readJson(manifestKey);
    const restoreId = restoreIdFor(manifestKey);
    const ords = new OrdsClient({
      baseUrl: h.simulator.url,
      secret: parseOrdsSecret('test secret', SECRET),
      secretId: 'test secret',
      logger: { debug() {}, info() {}, warn() {}, error() {} } as never,
    });
    const names = [
      ...manifest.files
        .filter((file: { kind: string }) => file.kind === 'dump')
        .map((file: { name: string }) => `${restoreId}-${file.name}`),
      `${restoreId}-PROBE.JSON`,
    ];
    return Promise.all(names.map((name: string) => serverFileSize(ords, 'DATA_PUMP_DIR', name)));
  };

  it("restores this night's S3 copy after the cleanup, the simulator checks the bytes, then removes everything it put there", async () => {
    // GIVEN a drill from S3, GET_OBJECT refused (chunked path), and one append whose answer is lost
    h.simulator.configure({
      restore: { ...defaultRestoreSwitches(), presignedAccepted: false, interruptAfterAppends: 2 },
    });
    const before = imports().length;

    // WHEN a drill night runs
    const result = await h.run({ restoreDrill: 'HR_DRILL', restoreDrillSource: 's3' });

    // THEN the backup is complete, and the drill ran after "Clean up server", before the lock's release
    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    const states = entered(result);
    expect(states).not.toContain('Start restore drill');
    expect(states.indexOf('Clean up server')).toBeLessThan(states.indexOf('Put drill files from S3'));
    expect(states.lastIndexOf('Record restore drill from S3')).toBeLessThan(
      states.indexOf('Release run lock'),
    );
    // AND the one import read the uploaded files (the simulator refuses bytes that differ from the export)
    const drillImports = imports().slice(before);
    expect(drillImports).toHaveLength(1);
    expect(drillImports[0]!.requestBody).toMatchObject({
      file_name: expect.stringMatching(/^R[0-9A-F]{10}-/),
      remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }],
    });
    expect(drillImports[0]!.dropped).toBe(true);
    // AND every table came back with the rows of the export log stored in S3, and the schema is gone
    expect(drillOf(result)).toMatchObject({ succeeded: true, schemaDropped: true, tables: 7, rows: 215 });
    expect(users()).not.toContain('HR_DRILL');
    const manifestKey = await newestManifest();
    const folder = manifestKey.replace(/manifest\.json$/, '');
    expect(await readJson(`${folder}restore-drill.json`)).toMatchObject({ succeeded: true });
    // (the names checked below are the ones the import read)
    expect(String(drillImports[0]!.requestBody.file_name)).toMatch(
      new RegExp(`^${restoreIdFor(manifestKey)}-`),
    );
    // AND nothing the drill uploaded is left on the server, nor its restore record in S3
    expect(await serverSizes(manifestKey)).toEqual([-1, -1, -1]);
    expect((await h.keys()).filter((key) => key.startsWith(`${folder}restores/`))).toEqual([]);
  });

  it('fails loudly as "Restore drill failed" when one S3 object is damaged after the copy, leaving nothing on the server', async () => {
    const before = imports().length;
    let damagedKey = '';

    // WHEN a drill night runs and one dump file in S3 is damaged between the copy and the drill
    const result = await h.run({
      restoreDrill: 'HR_DRILL',
      restoreDrillSource: 's3',
      beforeTask: {
        'Put drill files from S3': async () => {
          const manifestKey = await newestManifest();
          const manifest = await readJson(manifestKey);
          damagedKey = manifest.files.find((file: { kind: string }) => file.kind === 'dump').key;
          const bytes = Buffer.from(await h.read(damagedKey));
          bytes[10] = (bytes[10]! + 1) % 256;
          await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: damagedKey, Body: bytes }));
        },
      },
    });

    // THEN the execution fails in the named drill failure state, naming the damaged object
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreDrillFailed);
    expect(damagedKey).not.toBe('');
    expect(result.cause).toContain(damagedKey);
    expect(result.cause).toMatch(/Nothing was put on the server/);
    expect(result.cause).toMatch(/The backup itself is stored and verified/);
    const states = entered(result);
    expect(states).toContain('Restore drill failed');
    // AND the failed drill is recorded beside the manifest and in the database's drill record
    const manifestKey = await newestManifest();
    const folder = manifestKey.replace(/manifest\.json$/, '');
    const report = await readJson(`${folder}restore-drill.json`);
    expect(report).toMatchObject({ succeeded: false, verdict: 'not-run' });
    expect(report.cause).toContain(damagedKey);
    expect(await readJson('orders/last-restore-drill.json')).toMatchObject({ succeeded: false });
    // AND no import ran, no drill schema exists, and no drill file is on the server
    expect(imports().slice(before)).toHaveLength(0);
    expect(users()).not.toContain('HR_DRILL');
    expect(await serverSizes(manifestKey)).toEqual([-1, -1, -1]);
  });
  it('spans Lambda invocations when the time budget is spent: the check in S3 and the uploads, resumed without a duplicate or missing byte', async () => {
    // GIVEN files of two chunks each, the chunked path, a budget that is always nearly spent, and a
    // check that reads at least 300,000 bytes per call (64 MiB in production)
    const fileBytes = 31 * PIECE_BYTES + 5;
    h.simulator.configure({
      dumpFileBytes: fileBytes,
      restore: { ...defaultRestoreSwitches(), presignedAccepted: false },
    });
    process.env.RESTORE_DRILL_SAFETY_MARGIN_SECONDS = '100000';
    process.env.RESTORE_CHECK_MIN_BYTES = '300000';
    let result: LocalRunResult;
    try {
      // WHEN a drill night runs
      result = await h.run({ restoreDrill: 'HR_DRILL', restoreDrillSource: 's3' });
    } finally {
      delete process.env.RESTORE_DRILL_SAFETY_MARGIN_SECONDS;
      delete process.env.RESTORE_CHECK_MIN_BYTES;
    }

    // THEN the check in S3 took several calls, each showing more bytes checked of the two files
    expect(result.status).toBe('SUCCEEDED');
    const checked = putOutputs(result)
      .map((output) => output.checking)
      .filter((checking) => checking !== undefined);
    expect(checked.length).toBeGreaterThanOrEqual(3);
    const bytes = checked.map((checking) => checking.checkedBytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(new Set(bytes).size).toBe(bytes.length);
    expect(checked.every((checking) => checking.totalBytes === 2 * fileBytes)).toBe(true);
    // AND one more call ended the check, its time spent; then "Put drill files from S3" ran once per
    // chunk (2 files x 2 chunks), each call moving forward
    expect(entered(result).filter((name) => name === 'Put drill files from S3')).toHaveLength(
      checked.length + 1 + 4,
    );
    // AND the import read files the simulator found byte for byte equal to the export's, and every row came back
    expect(drillOf(result)).toMatchObject({ succeeded: true, schemaDropped: true, tables: 7, rows: 215 });
    expect(await serverSizes(await newestManifest())).toEqual([-1, -1, -1]);
  });
  it('removes what it uploaded when the directory fills up mid-drill, and the failure names no leftover', async () => {
    // GIVEN a directory that takes the first dump file but not the second
    h.simulator.configure({
      restore: {
        ...defaultRestoreSwitches(),
        presignedAccepted: false,
        directoryCapacityBytes: 3 * PIECE_BYTES,
      },
    });
    const before = imports().length;

    // WHEN a drill night runs
    const result = await h.run({ restoreDrill: 'HR_DRILL', restoreDrillSource: 's3' });

    // THEN the drill fails loudly, says why, and says nothing of it is left on the server
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreDrillFailed);
    expect(result.cause).toMatch(/directory full/);
    expect(result.cause).toMatch(/Nothing the drill put on the server is left there/);
    // AND it is so: no drill file, no import, no drill schema, no restore record
    const manifestKey = await newestManifest();
    expect(await serverSizes(manifestKey)).toEqual([-1, -1, -1]);
    expect(imports().slice(before)).toHaveLength(0);
    expect(users()).not.toContain('HR_DRILL');
    const folder = manifestKey.replace(/manifest\.json$/, '');
    expect((await h.keys()).filter((key) => key.startsWith(`${folder}restores/`))).toEqual([]);
    expect(await readJson(`${folder}restore-drill.json`)).toMatchObject({ succeeded: false });
  });
  it('adopts its own import and resumes its uploads when invocations are cut off after their work', async () => {
    const before = imports().length;

    // WHEN the first call of each upload and start step is cut off after its work (its answer lost)
    const result = await h.run({
      restoreDrill: 'HR_DRILL',
      restoreDrillSource: 's3',
      taskInterruptions: { 'Put drill files from S3': 1, 'Start restore drill from S3': 1 },
    });

    // THEN exactly one import ran, on files the simulator found complete, and the drill succeeded
    expect(result.status).toBe('SUCCEEDED');
    expect(imports().slice(before)).toHaveLength(1);
    expect(drillOf(result)).toMatchObject({ succeeded: true, schemaDropped: true, tables: 7, rows: 215 });
    expect(users()).not.toContain('HR_DRILL');
    expect(await serverSizes(await newestManifest())).toEqual([-1, -1, -1]);
  });
});
