import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { OrdsClient, parseOrdsSecret } from '../../functions/core/ords/index.js';
import { PIECE_BYTES, restoreIdOf, serverFileSize } from '../../functions/core/restore/index.js';
import { releaseSlots, takeSlots } from '../../functions/core/run/index.js';
import type { LocalRunResult } from '../../local/local-run.js';
import { defaultRestoreSwitches } from '../../simulator/uploaded-files.js';
import { type Harness, SECRET, startHarness } from './harness.js';

describe('the restore state machine: a backup from S3 into a new schema, run by the local engine with the real handlers', () => {
  let h: Harness;
  let manifestKey: string;
  let manifest: string;
  beforeAll(async () => {
    h = await startHarness();
    // GIVEN a backup of two dump files of two chunks each, made by `npm start`'s state machine
    h.simulator.configure({ dumpFiles: 2, dumpFileBytes: 31 * PIECE_BYTES + 5, restSql: true });
    const backup = await h.run();
    expect(backup.status).toBe('SUCCEEDED');
    manifestKey = (await h.keys()).filter((key) => key.endsWith('/manifest.json')).at(-1)!;
    manifest = `s3://${h.s3.bucket}/${manifestKey}`;
  });
  afterAll(() => h.stop());
  beforeEach(() => h.simulator.configure({ restore: defaultRestoreSwitches(), importOutcome: 'success' }));

  const restore = (targetSchema: string, extra: Record<string, unknown> = {}) =>
    h.run({ restore: { manifest, targetSchema, pollSeconds: 1, ...extra } as never });
  const users = () => h.simulator.users().map((user) => user.username);
  const imports = () => h.simulator.jobs().filter((job) => job.operation === 'IMPORT');
  const entered = (result: LocalRunResult) =>
    result.events.filter((event) => event.type === 'StateEntered').map((event) => event.state?.name);
  const folder = () => manifestKey.replace(/manifest\.json$/, '');
  /** Locks, slots and restore records left in the bucket (a succeeded restore's report stays). */
  const leftInBucket = async () =>
    (await h.keys()).filter(
      (key) =>
        key.startsWith('_locks/') ||
        key.startsWith('_slots/') ||
        (key.startsWith(`${folder()}restores/`) && !key.endsWith('-report.json')),
    );
  /** Sizes the database reports for the restore's files (-1: absent). */
  const serverSizes = async (target: string) => {
    const restoreId = restoreIdOf(manifest, 'orders', target);
    const ords = new OrdsClient({
      baseUrl: h.simulator.url,
      secret: parseOrdsSecret('test secret', SECRET),
      secretId: 'test secret',
      logger: { debug() {}, info() {}, warn() {}, error() {} } as never,
    });
    const stored = JSON.parse((await h.read(manifestKey)).toString('utf8'));
    const names = [
      ...stored.files
        .filter((file: { kind: string }) => file.kind === 'dump')
        .map((file: { name: string }) => `${restoreId}-${file.name}`),
      `${restoreId}-PROBE.JSON`,
    ];
    return Promise.all(names.map((name: string) => serverFileSize(ords, 'DATA_PUMP_DIR', name)));
  };

  it('restores into a new schema by chunks across invocations, reports rows against the manifest, and leaves nothing behind', async () => {
    // GIVEN a database without a usable presigned GET_OBJECT, a time budget that is always nearly
    // spent, and a check in S3 that reads at least 300,000 bytes per call (64 MiB in production)
    h.simulator.configure({ restore: { ...defaultRestoreSwitches(), presignedAccepted: false } });
    process.env.RESTORE_SAFETY_MARGIN_SECONDS = '100000';
    process.env.RESTORE_CHECK_MIN_BYTES = '300000';
    let result: LocalRunResult;
    try {
      // WHEN the restore state machine runs
      result = await restore('HR_SM');
    } finally {
      delete process.env.RESTORE_SAFETY_MARGIN_SECONDS;
      delete process.env.RESTORE_CHECK_MIN_BYTES;
    }

    // THEN it succeeded; the simulator checked every byte it received against its export, and every row came back
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      succeeded: true,
      database: 'orders',
      schema: 'HR',
      targetSchema: 'HR_SM',
      path: 'chunked',
      tables: { exported: 7, imported: 7 },
      rows: { exported: 215, imported: 215 },
    });
    expect(users()).toContain('HR_SM');
    // AND "Check backup in S3" ran again until every byte was read back, each call showing more
    // bytes checked of the two files, the last one what it found
    const checks = result.events
      .filter((event) => event.type === 'StateExited' && event.state?.name === 'Check backup in S3')
      .map((event) => {
        const output = (event as unknown as { state: { output: unknown } }).state.output;
        return ((typeof output === 'string' ? JSON.parse(output) : output) as { restore: never }).restore as {
          checking?: { checkedBytes: number; totalBytes: number };
          checked?: unknown;
        };
      });
    expect(checks.length).toBeGreaterThanOrEqual(4);
    const bytes = checks.slice(0, -1).map((check) => check.checking?.checkedBytes ?? -1);
    expect(bytes[0]).toBeGreaterThanOrEqual(300_000);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(new Set(bytes).size).toBe(bytes.length);
    expect(checks.at(-1)?.checked).toBeDefined();
    // AND "Put files on the server" ran once per chunk (2 files x 2 chunks), each call moving forward
    expect(entered(result).filter((name) => name === 'Put files on the server')).toHaveLength(4);
    // AND the lock and slot were taken first and released last
    const states = entered(result);
    expect(states[1]).toBe('Take run lock and ORDS slot');
    expect(states.slice(-3)).toEqual(['Release run lock', 'Restore ended how?', 'Restored']);
    // AND nothing is left: no file on the server, the import's control table dropped, no lock, slot or record
    expect(await serverSizes('HR_SM')).toEqual([-1, -1, -1]);
    expect(imports().at(-1)!.dropped).toBe(true);
    expect(await leftInBucket()).toEqual([]);
    // AND the import's verdict stays beside the manifest as the record of the restore
    const restoreId = restoreIdOf(manifest, 'orders', 'HR_SM');
    const report = JSON.parse(
      (await h.read(`${folder()}restores/${restoreId}-report.json`)).toString('utf8'),
    );
    expect(report).toMatchObject({ tables: 7, rows: 215 });
  });

  it('refuses a target schema that exists, puts nothing on the server, and releases lock and slot', async () => {
    const before = imports().length;

    // WHEN the restore targets the exported schema's neighbour that already exists (the last test's)
    const result = await restore('HR_SM');

    // THEN it fails loudly, naming the schema, and nothing ran on the server
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreFailed);
    expect(result.cause).toMatch(/HR_SM already exists/);
    expect(imports().length).toBe(before);
    expect(await leftInBucket()).toEqual([]);
  });

  it('fails busy while a backup holds the database, without touching its lock', async () => {
    // GIVEN another execution that holds the run lock and still runs
    const holder = 'arn:aws:states:us-east-1:000000000000:execution:local:orders_other';
    h.aws.putExecution(holder, 'RUNNING');
    await h.s3.client.send(
      new PutObjectCommand({
        Bucket: h.s3.bucket,
        Key: '_locks/orders.json',
        Body: '{}',
        Metadata: {
          'execution-arn': holder,
          'execution-name': 'orders_other',
          'started-at': new Date().toISOString(),
        },
      }),
    );
    try {
      const result = await restore('HR_BUSY');

      // THEN the restore fails busy, naming the holder, and the holder's lock stays
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe(ErrorName.DatabaseBusy);
      expect(result.cause).toMatch(/orders_other/);
      expect(await leftInBucket()).toEqual(['_locks/orders.json']);
      expect(users()).not.toContain('HR_BUSY');
    } finally {
      await h.s3.client.send(new DeleteObjectCommand({ Bucket: h.s3.bucket, Key: '_locks/orders.json' }));
    }
  });

  it('fails busy when every ORDS slot of the origin is held, taking no lock and leaving the holder its slot', async () => {
    // GIVEN a cap of one slot for the simulator's origin, held by a backup of another database that still runs
    const other = 'arn:aws:states:us-east-1:000000000000:execution:local:sales_other';
    h.aws.putExecution(other, 'RUNNING');
    const origin = new URL(h.simulator.url).origin;
    const store = { s3: h.s3.client, bucket: h.s3.bucket };
    const holder = { executionArn: other, executionName: 'sales_other', startedAt: new Date().toISOString() };
    const taken = await takeSlots(
      {
        ...store,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        executionStatus: async () => 'RUNNING',
      },
      { database: 'sales', prefix: '', caps: { origin, originCap: 1 }, holder },
      1,
      { held: [] },
      { queue: false },
    );
    expect(taken.originSlots).toBe(1);
    try {
      const result = await h.run({
        restore: { manifest, targetSchema: 'HR_NO_SLOT', pollSeconds: 1 },
        slots: { originCap: 1 },
      });

      // THEN it fails busy naming the origin and its cap, and only the other run's slot is left
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe(ErrorName.DatabaseBusy);
      expect(result.cause).toContain(`no ORDS slot of ${origin} (cap 1)`);
      expect(await leftInBucket()).toEqual(taken.holding.held);
      expect(users()).not.toContain('HR_NO_SLOT');
    } finally {
      await releaseSlots(store, taken.holding, other);
    }
  });

  it('removes what it uploaded when the directory fills up mid-restore, and says nothing is left', async () => {
    // GIVEN a directory that takes the first dump file but not the second
    h.simulator.configure({
      restore: {
        ...defaultRestoreSwitches(),
        presignedAccepted: false,
        directoryCapacityBytes: 40 * PIECE_BYTES,
      },
    });
    const before = imports().length;

    const result = await restore('HR_FULL');

    // THEN it fails loudly, says why, and says nothing of it is left on the server; and it is so
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreFailed);
    expect(result.cause).toMatch(/directory full/);
    expect(result.cause).toMatch(/Nothing of this restore is left on the server/);
    expect(entered(result).slice(-2)).toContain('Restore failed');
    expect(await serverSizes('HR_FULL')).toEqual([-1, -1, -1]);
    expect(imports().length).toBe(before);
    expect(await leftInBucket()).toEqual([]);
  });

  it('drops the schema its own failed import created, and removes the files and control table', async () => {
    // GIVEN an import that fails for good
    h.simulator.configure({ importOutcome: 'fatal' });

    const result = await restore('HR_FATAL');

    // THEN the restore fails naming the import's verdict, and leaves nothing behind
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreFailed);
    expect(result.cause).toMatch(/The import of HR into HR_FATAL did not succeed/);
    expect(result.cause).toMatch(/Nothing of this restore is left on the server/);
    expect(users()).not.toContain('HR_FATAL');
    expect(imports().at(-1)!.dropped).toBe(true);
    expect(await serverSizes('HR_FATAL')).toEqual([-1, -1, -1]);
    expect(await leftInBucket()).toEqual([]);
  });

  it('adopts its own lock, slot and import and resumes its uploads when invocations are cut off after their work', async () => {
    const before = imports().length;

    const result = await h.run({
      restore: { manifest, targetSchema: 'HR_CUT', pollSeconds: 1 },
      taskInterruptions: {
        'Take run lock and ORDS slot': 1,
        'Check backup in S3': 1,
        'Put files on the server': 1,
        'Start import': 1,
        'Finish restore': 1,
      },
    });

    // THEN exactly one import ran, on files the simulator found complete, and nothing is left
    expect(result.cause ?? '').toBe('');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ rows: { exported: 215, imported: 215 } });
    expect(imports().slice(before)).toHaveLength(1);
    expect(users()).toContain('HR_CUT');
    expect(await serverSizes('HR_CUT')).toEqual([-1, -1, -1]);
    expect(await leftInBucket()).toEqual([]);
  });

  it.each([
    [{ targetSchema: 'HR' }, /targetSchema "HR"/],
    [{ targetSchema: 'hr-x' }, /targetSchema "hr-x"/],
    [{ manifest: 's3://someone-elses-bucket/orders/manifest.json' }, /someone-elses-bucket/],
    [{ schemas: 'PAYROLL' }, /schemas "PAYROLL"/],
  ])('refuses bad input %j, naming the value', async (bad, named) => {
    const result = await h.run({
      restore: { manifest, targetSchema: 'HR_BAD', pollSeconds: 1, ...bad } as never,
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.InvalidInput);
    expect(result.cause).toMatch(named);
    expect(await leftInBucket()).toEqual([]);
    expect(users()).not.toContain('HR_BAD');
  });
  // Last: the object written back lacks the copy's FULL_OBJECT checksum.
  it('fails before anything is put on the server when one S3 object is damaged, naming it', async () => {
    const stored = JSON.parse((await h.read(manifestKey)).toString('utf8'));
    const damagedKey = stored.files.find((file: { kind: string }) => file.kind === 'dump').key as string;
    const original = await h.read(damagedKey);
    const damaged = Buffer.from(original);
    damaged[10] = (damaged[10]! + 1) % 256;
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: damagedKey, Body: damaged }));
    const before = imports().length;
    try {
      const result = await restore('HR_DAMAGED');

      expect(result.status).toBe('FAILED');
      expect(result.cause).toContain(damagedKey);
      expect(imports().length).toBe(before);
      expect(await serverSizes('HR_DAMAGED')).toEqual([-1, -1, -1]);
      expect(await leftInBucket()).toEqual([]);
    } finally {
      await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: damagedKey, Body: original }));
    }
  });
});
