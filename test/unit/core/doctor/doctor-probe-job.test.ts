import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DoctorDeps, type DoctorReport, runDoctor } from '../../../../functions/core/doctor/doctor.js';
import { OrdsHttpRequestError } from '../../../../functions/core/ords/index.js';
import { connectOrds } from '../../../../functions/core/ords/ords-connection.js';
import { type DatabaseBindingInput, DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import type { ConsistencyProbeRecord } from '../../../../functions/core/run/index.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../../simulator/index.js';
import { testBinding } from '../../../helpers/bindings.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

/**
 * Issue 24, item 3: the doctor's "Point-in-time probe" starts a tiny job through the run's block,
 * reads its log through the file route, and stops it and removes its files on every path.
 */

const BASIC = JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' });
const NOW = new Date('2026-12-07T05:50:00.000Z');
let sim: OrdsSimulator;

beforeEach(async () => {
  sim = await startOrdsSimulator();
});
afterEach(async () => {
  await sim.stop();
});

type Client = ReturnType<typeof connectOrds>['client'];
type ClientWrap = (client: Client) => Client;

function deps(
  overrides: Partial<DatabaseBindingInput>,
  extra: { record?: ConsistencyProbeRecord; wrap?: ClientWrap } = {},
): DoctorDeps {
  return {
    binding: async (database) =>
      DatabaseBindingSchema.parse(testBinding({ database, ordsUrl: sim.url, ...overrides })),
    knownDatabases: async () => ['orders'],
    bindingPath: '/test/databases',
    secretString: async () => BASIC,
    connect: (binding, parsed) => {
      const connection = connectOrds({
        baseUrl: binding.ordsUrl,
        secret: parsed,
        secretId: binding.secretId,
      });
      if (!extra.wrap) return connection;
      return { ...connection, client: extra.wrap(connection.client), close: () => connection.close() };
    },
    ...(extra.record ? { probeRecord: async () => extra.record! } : {}),
    logger: recordingLogger(),
    now: () => NOW,
  };
}

const probeCheck = (report: DoctorReport) =>
  report.checks.find((check) => check.name === 'Point-in-time probe')!;
const sqlBodies = () =>
  sim.requests.filter((request) => request.path.endsWith('/_/sql')).map((request) => request.body ?? '');

/** The doctor's jobs: exactly one, stopped and dropped, each of its files removed through FREMOVE. */
function expectNothingLeft(): void {
  const made = sim.jobs().filter((job) => job.jobName.startsWith('ODBK_DR_'));
  expect(made).toHaveLength(1);
  const [job] = made;
  expect(job!.jobName).toMatch(/^ODBK_DR_[A-Z2-7]{22}$/);
  expect(job).toMatchObject({ stoppedByClient: true, dropped: true });
  expect(job!.files.length).toBeGreaterThanOrEqual(2);
  for (const file of job!.files) {
    expect(
      sqlBodies().some((body) => /FREMOVE/.test(body) && body.includes(file.name)),
      file.name,
    ).toBe(true);
  }
}

describe('the doctor probes with a tiny point-in-time job', () => {
  it('reports served, and leaves no job and no file behind', async () => {
    const report = await runDoctor(deps({ consistency: 'point-in-time' }), 'orders');

    expect(probeCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(
        /^ORDS served the log of the tiny point-in-time job .*; job ODBK_DR_\w+ stopped, files removed: ODBK_DR_\w+\.LOG, ODBK_DR_\w+-01\.DMP$/,
      ),
    });
    expectNothingLeft();
    // The block is the run's own: a NAME_EXPR no object matches, FLASHBACK_SCN and the run marker.
    const block = sqlBodies().find((body) => body.includes('DBMS_DATAPUMP.OPEN'))!;
    expect(block).toContain('ODBK_DOCTOR_PROBE_NO_OBJECT');
    expect(block).toContain("SET_PARAMETER(h, 'FLASHBACK_SCN', scn)");
  });

  it('fails under point-in-time when ORDS refuses the job, and stops it and removes its files', async () => {
    sim.configure({ servesSqlJobFiles: false });

    const report = await runDoctor(deps({ consistency: 'point-in-time' }), 'orders');

    expect(probeCheck(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/^ORDS refused the tiny point-in-time job: ORDS answers 404 for the log/),
      fix: expect.stringContaining('"consistency": "auto"'),
    });
    expect(report.ok).toBe(false);
    expectNothingLeft();
  });

  it('passes under auto when ORDS refuses, saying backups will be per-table', async () => {
    sim.configure({ servesSqlJobFiles: false });

    const report = await runDoctor(deps({ consistency: 'auto' }), 'orders');

    expect(probeCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('Backups will be per-table'),
    });
    expectNothingLeft();
  });

  it('fails when the log read breaks mid-probe (a 503), and still stops the job and removes its files', async () => {
    const wrap: ClientWrap = (client) =>
      new Proxy(client, {
        get(target, property, receiver) {
          if (property === 'readLog') {
            return async () => {
              throw new OrdsHttpRequestError('GET …/jobs/…/log answered 503 Service Unavailable', 503);
            };
          }
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });

    const report = await runDoctor(deps({ consistency: 'auto' }, { wrap }), 'orders');

    expect(probeCheck(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('could not decide whether ORDS serves its files'),
    });
    expectNothingLeft();
  });

  it('stops and cleans up a job whose block answer was lost after the database ran it', async () => {
    const wrap: ClientWrap = (client) =>
      new Proxy(client, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== 'runSqlRequest') {
            return typeof value === 'function' ? value.bind(target) : value;
          }
          return async (request: { statementText: string }) => {
            const answer = await target.runSqlRequest(request as never);
            if (request.statementText.includes('DBMS_DATAPUMP.OPEN')) throw new Error('other side closed');
            return answer;
          };
        },
      });

    const report = await runDoctor(deps({ consistency: 'auto' }, { wrap }), 'orders');

    expect(probeCheck(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('could not decide whether ORDS serves its files: other side closed'),
    });
    expectNothingLeft();
  });

  it('fails naming the job when its files cannot be removed', async () => {
    sim.configure({
      restSqlError: { statement: 'remove-file', code: 29289, message: 'ORA-29289: directory access denied' },
    });

    const report = await runDoctor(deps({ consistency: 'auto' }), 'orders');

    expect(probeCheck(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(
        /^the tiny probe job could not be cleaned up: Could not remove ODBK_DR_\w+\.LOG/,
      ),
      fix: expect.stringContaining('DBMS_DATAPUMP.STOP_JOB'),
    });
  });

  it('skips the tiny job without REST-enabled SQL, saying why', async () => {
    sim.configure({ restSql: false });

    const report = await runDoctor(deps({ consistency: 'auto' }), 'orders');

    expect(probeCheck(report)).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(
        /^no tiny probe job was started: it runs through REST-enabled SQL, which did not run; /,
      ),
    });
    expect(sim.jobs()).toEqual([]);
  });

  it('points out a recorded refusal that the tiny job contradicts under auto, and does not write the record', async () => {
    const record: ConsistencyProbeRecord = {
      probeVersion: 1,
      database: 'orders',
      ordsUrl: sim.url,
      outcome: 'refused',
      reason: 'ORDS answers 404',
      probedAt: '2026-12-01T02:00:05.000Z',
      executionName: 'orders-20261201',
    };

    const report = await runDoctor(deps({ consistency: 'auto' }, { record }), 'orders');

    expect(probeCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('A run recorded "refused" (2026-12-01T02:00:05.000Z)'),
    });
    expect(probeCheck(report).detail).toContain('delete s3://<bucket>/orders/consistency-probe.json');
  });

  it('starts no job for a per-table database', async () => {
    const report = await runDoctor(deps({ consistency: 'per-table' }), 'orders');

    expect(probeCheck(report).status).toBe('skipped');
    expect(sim.jobs()).toEqual([]);
  });
});
