import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;
const RECORD = 'orders/consistency-probe.json';

/** The states a run entered, in order. */
function statesOf(result: { events: readonly { type: string }[] }): string[] {
  return result.events
    .filter((event) => event.type === 'StateEntered')
    .map((event) => (event as unknown as { state: { name: string } }).state.name);
}

/** The EMF metric lines the functions printed while `stdout` was spied on. */
function emfLines(stdout: MockInstance): Array<Record<string, unknown>> {
  return stdout.mock.calls
    .map((call) => String(call[0]))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('consistency "auto" through the synthesized state machine', () => {
  let h: Harness;
  let stdout: MockInstance;
  beforeAll(async () => {
    h = await startHarness();
    // The metrics are printed as EMF lines (local runs turn them off unless told otherwise).
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  });
  afterAll(async () => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    await h.stop();
  });
  beforeEach(async () => {
    h.simulator.configure({
      dumpFiles: 2,
      dumpFileBytes: 1 * MiB,
      outcome: 'success',
      servesSqlJobFiles: true,
      showsSqlJobs: true,
      sqlAnswersLost: 0,
      transientFailures: undefined,
    });
    // Each test starts without a recorded probe result.
    await h.s3.client.send(new DeleteObjectCommand({ Bucket: h.s3.bucket, Key: RECORD }));
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => stdout.mockRestore());

  const record = async () => {
    const object = await h.s3.client.send(new GetObjectCommand({ Bucket: h.s3.bucket, Key: RECORD }));
    return JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
  };
  const sqlBlocks = (since: number) =>
    h.simulator.requests
      .slice(since)
      .filter((request) => request.path.endsWith('/_/sql') && /DBMS_DATAPUMP\.OPEN/.test(request.body ?? ''));

  it('makes a point-in-time backup where ORDS serves the job, records "served", and says 0 downgraded', async () => {
    const result = await h.run({ consistency: 'auto' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.manifest!.consistency).toMatchObject({ path: 'rest-sql', mode: 'point-in-time' });
    expect(statesOf(result)).not.toContain('Consistency downgraded');
    expect(await record()).toMatchObject({ outcome: 'served', database: 'orders' });
    expect(emfLines(stdout)).toContainEqual(
      expect.objectContaining({ Database: 'orders', ConsistencyDowngraded: 0 }),
    );
  });

  it('falls back in the same run when ORDS refuses the job, saying so in the console, the metric and the manifest', async () => {
    h.simulator.configure({ servesSqlJobFiles: false });
    const before = h.simulator.jobs().length;

    const result = await h.run({ consistency: 'auto' });

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    // The console: the run passed through the warning state, which shows the reason.
    const states = statesOf(result);
    expect(states.slice(states.indexOf('Start export'), states.indexOf('Start export') + 3)).toEqual([
      'Start export',
      'Consistency downgraded?',
      'Consistency downgraded',
    ]);
    const warning = result.events.find(
      (event) =>
        event.type === 'StateExited' &&
        (event as unknown as { state: { name: string } }).state.name === 'Consistency downgraded',
    ) as unknown as { state: { output: string } } | undefined;
    expect(JSON.stringify(warning?.state)).toMatch(/ORDS answers 404 for the log/);
    // The manifest: per-table, with the reason.
    const manifest = result.manifest!;
    expect(manifest.jobName).toMatch(/^DATAPUMP_REST_EXPORT_\d{14}$/);
    expect(manifest.consistency).toMatchObject({ path: 'ords-export', mode: 'per-table' });
    expect(manifest.consistency.reason).toMatch(
      /^consistency downgraded \(auto\): point-in-time refused: ORDS answers 404 for the log \S+\.LOG of the Data Pump job DBAPI_USER\.ODBK_/,
    );
    expect(result.output).toMatchObject({ consistency: 'per-table: consistency downgraded (auto)' });
    // The metric.
    expect(emfLines(stdout)).toContainEqual(
      expect.objectContaining({ Database: 'orders', ConsistencyDowngraded: 1 }),
    );
    // The refused job was stopped and its files removed; then exactly one ORDS export ran.
    const made = h.simulator.jobs().slice(before);
    expect(made).toHaveLength(2);
    const refused = made.find((job) => job.jobName.startsWith('ODBK_'))!;
    expect(refused).toMatchObject({ stoppedByClient: true, dropped: true });
    for (const file of refused.files) {
      expect(
        h.simulator.requests.some(
          (request) =>
            request.path.endsWith('/_/sql') &&
            /FREMOVE/.test(request.body ?? '') &&
            request.body?.includes(file.name),
        ),
      ).toBe(true);
    }
    expect(await record()).toMatchObject({
      outcome: 'refused',
      reason: expect.stringMatching(/ORDS answers 404/),
    });
  });

  it('skips the probe when the recorded result says "refused", and still says per-table with the reason', async () => {
    h.simulator.configure({ servesSqlJobFiles: false });
    await h.run({ consistency: 'auto' });
    const since = h.simulator.requests.length;
    stdout.mockClear();

    const result = await h.run({ consistency: 'auto' });

    expect(result.status).toBe('SUCCEEDED');
    expect(sqlBlocks(since)).toHaveLength(0);
    expect(statesOf(result)).toContain('Consistency downgraded');
    expect(result.manifest!.consistency.reason).toMatch(
      /ORDS answers 404 .* \(probe of \S+, recorded in orders\/consistency-probe\.json; delete it to probe again\)$/,
    );
    expect(emfLines(stdout)).toContainEqual(
      expect.objectContaining({ Database: 'orders', ConsistencyDowngraded: 1 }),
    );
  });

  it('skips the log probe when the recorded result says "served"', async () => {
    await h.run({ consistency: 'auto' });
    const since = h.simulator.requests.length;

    const result = await h.run({ consistency: 'auto', keepServerFiles: true });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.manifest!.consistency).toMatchObject({ mode: 'point-in-time' });
    // No log read between the block and the first poll of the job: "Start export" probed nothing.
    const requests = h.simulator.requests.slice(since);
    const block = requests.findIndex((request) => /DBMS_DATAPUMP\.OPEN/.test(request.body ?? ''));
    const firstPoll = requests.findIndex(
      (request, index) =>
        index > block && request.method === 'GET' && /\/jobs\/[^/]+,ODBK_\w+\/$/.test(request.path),
    );
    expect(block).toBeGreaterThanOrEqual(0);
    expect(firstPoll).toBeGreaterThan(block);
    expect(requests.slice(block, firstPoll).filter((request) => /\.LOG$/i.test(request.path))).toHaveLength(
      0,
    );
  });

  it('adopts its job by name when the invocation fails between starting the job and the probe: one job exists', async () => {
    // The probe's log download answers 503: "Start export" fails after starting the job and is retried.
    h.simulator.configure({ transientFailures: { count: 3, route: 'download', status: 503 } });
    const before = h.simulator.jobs().length;
    const since = h.simulator.requests.length;

    const result = await h.run({ consistency: 'auto', keepServerFiles: true });

    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(h.simulator.jobs().length - before).toBe(1);
    expect(result.manifest!.consistency).toMatchObject({ mode: 'point-in-time' });
    expect(result.manifest!.jobName).toMatch(/^ODBK_/);
    // More than one block was sent: the retry met ORA-31634 and adopted the job.
    expect(sqlBlocks(since).length).toBeGreaterThan(1);
  });

  it('falls back in the same run where REST-enabled SQL is off, naming it (nothing was created on the server)', async () => {
    h.simulator.configure({ restSql: false });
    const before = h.simulator.jobs().length;
    try {
      const result = await h.run({ consistency: 'auto' });

      // The backup is complete; the cleanup, which needs REST-enabled SQL too, says it could not run.
      expect(result.status).toBe('SUCCEEDED');
      expect(statesOf(result)).toContain('Consistency downgraded');
      expect(result.manifest!.consistency.reason).toMatch(
        /^consistency downgraded \(auto\): point-in-time refused: REST-enabled SQL answers 404/,
      );
      expect(
        h.simulator
          .jobs()
          .slice(before)
          .map((job) => job.jobName),
      ).toEqual([expect.stringMatching(/^DATAPUMP_REST_EXPORT_/)]);
    } finally {
      h.simulator.configure({ restSql: true });
    }
  });

  it('polls through USER_DATAPUMP_JOBS where ORDS neither lists nor answers the job, and still proves the SCN', async () => {
    h.simulator.configure({ showsSqlJobs: false });
    const since = h.simulator.requests.length;

    const result = await h.run({ consistency: 'auto' });

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    const manifest = result.manifest!;
    expect(manifest.consistency).toMatchObject({ path: 'rest-sql', mode: 'point-in-time' });
    expect(manifest.consistency.evidence?.[0]).toContain(`FLASHBACK_SCN=${manifest.consistency.scn}`);
    const requests = h.simulator.requests.slice(since);
    const polls = requests.filter(
      (request) => request.path.endsWith('/_/sql') && /FROM user_datapump_jobs/i.test(request.body ?? ''),
    );
    expect(polls.length).toBeGreaterThan(0);
    // The job GET was never used for it (ORDS answers 404 there).
    expect(
      requests.filter(
        (request) => request.method === 'GET' && request.path.endsWith(`,${manifest.jobName}/`),
      ),
    ).toHaveLength(0);
    // The cleanup dropped its control table by the recorded name.
    expect(result.output).toMatchObject({
      serverCleanup: { serverCleanup: 'done', droppedControlTable: `DBAPI_USER.${manifest.jobName}` },
    });
  });

  it('backs up per-table, saying why, an export the block cannot make (threads above 1 without the licence)', async () => {
    const since = h.simulator.requests.length;

    const result = await h.run({ consistency: 'auto', exportSpec: { schemas: ['HR'], threads: 2 } });

    expect(result.status).toBe('SUCCEEDED');
    expect(statesOf(result)).toContain('Consistency downgraded');
    expect(result.manifest!.consistency.reason).toMatch(
      /^consistency downgraded \(auto\): point-in-time refused: the export cannot take the point-in-time path: a parallel degree of 2 \(threads\) needs the Oracle licence "enterprise-edition"/,
    );
    expect(sqlBlocks(since)).toHaveLength(0);
  });

  it('sends the free Data Pump options of the configuration and records them in the manifest', async () => {
    const since = h.simulator.requests.length;

    const result = await h.run({
      consistency: 'auto',
      consistentExport: { excludeStatistics: true, filesizeBytes: 64 * MiB },
    });

    expect(result.status).toBe('SUCCEEDED');
    const consistency = result.manifest!.consistency;
    expect(consistency).toMatchObject({ mode: 'point-in-time', licensedOptions: [] });
    expect(consistency.parameters).toContainEqual({
      call: 'METADATA_FILTER',
      name: 'EXCLUDE_PATH_EXPR',
      value: "IN ('STATISTICS')",
    });
    const [block] = sqlBlocks(since);
    expect(JSON.parse(block!.body!).binds).toContainEqual({
      name: 'filesize',
      data_type: 'VARCHAR2',
      value: String(64 * MiB),
    });
    expect(block!.body).not.toMatch(/COMPRESSION|ENCRYPTION/);
  });

  it('point-in-time fails at probe time naming the reason, stops the job and removes its files', async () => {
    h.simulator.configure({ servesSqlJobFiles: false });
    const before = h.simulator.jobs().length;

    const result = await h.run({ consistency: 'point-in-time' });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.ExportFailed);
    expect(result.cause).toMatch(
      /Point-in-time backup of database "orders" is not possible through this ORDS: ORDS answers 404/,
    );
    const made = h.simulator.jobs().slice(before);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ stoppedByClient: true });
    expect(statesOf(result)).not.toContain('Wait before polling');
  });
});
