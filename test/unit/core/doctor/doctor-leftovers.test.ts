import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DoctorDeps, type DoctorReport, runDoctor } from '../../../../functions/core/doctor/doctor.js';
import {
  judgeProbeJob,
  LEFTOVER_CHECK,
  PROBE_JOBS_QUERY,
  parseProbeJobs,
} from '../../../../functions/core/doctor/doctor-leftovers.js';
import { consistentExportPlan, doctorProbeJobName } from '../../../../functions/core/export/index.js';
import { OrdsHttpRequestError, parseOrdsSecret } from '../../../../functions/core/ords/index.js';
import { connectOrds } from '../../../../functions/core/ords/ords-connection.js';
import { type DatabaseBindingInput, DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../../simulator/index.js';
import { testBinding } from '../../../helpers/bindings.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

/**
 * A doctor killed mid-probe (Lambda timeout, ORDS outage, Ctrl-C) leaves its `ODBK_DR_…` job, control
 * table and files on the server; the next doctor run removes it ("Leftover probe jobs"), and never a
 * probe still in use, another tool's job or another user's.
 */

const BASIC = JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' });
const OTHER = JSON.stringify({ username: 'OTHER_USER', password: 'other-password' });
const START = new Date('2026-12-07T05:50:00.000Z');
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);
let clock = START;
let sim: OrdsSimulator;
const opened: Array<{ close: () => Promise<void> }> = [];

beforeEach(async () => {
  clock = START;
  // Jobs advance with the clock: a tiny probe job is NOT RUNNING two seconds after it starts.
  sim = await startOrdsSimulator({
    now: () => clock,
    msPerState: 1000,
    users: { DBAPI_USER: 'secret-password', OTHER_USER: 'other-password' },
  });
});
afterEach(async () => {
  // The doctor closes its own connections; a killed one never does.
  await Promise.all(opened.splice(0).map((connection) => connection.close().catch(() => {})));
  await sim.stop();
});

type Client = ReturnType<typeof connectOrds>['client'];
type ClientWrap = (client: Client) => Client;

function deps(wrap?: ClientWrap, overrides: Partial<DatabaseBindingInput> = {}): DoctorDeps {
  return {
    binding: async (database) =>
      DatabaseBindingSchema.parse(
        testBinding({ database, ordsUrl: sim.url, consistency: 'auto', ...overrides }),
      ),
    knownDatabases: async () => ['orders'],
    bindingPath: '/test/databases',
    secretString: async () => BASIC,
    connect: (binding, parsed) => {
      const connection = connectOrds({
        baseUrl: binding.ordsUrl,
        secret: parsed,
        secretId: binding.secretId,
      });
      opened.push(connection);
      return wrap ? { ...connection, client: wrap(connection.client) } : connection;
    },
    logger: recordingLogger(),
    now: () => clock,
  };
}

const ASYNC_CALLS = new Set(['runSql', 'runSqlRequest', 'listJobs', 'readLog', 'getJob']);
const isBlock = (args: unknown[]) =>
  String((args[0] as { statementText?: unknown } | undefined)?.statementText).includes('DBMS_DATAPUMP.OPEN');

/**
 * The client of a doctor whose invocation dies right after the database ran its probe block: the
 * block's answer never reaches it, and no later request is ever sent (`outage`: every later request
 * fails with a 503 instead, as in an ORDS outage).
 */
function dyingAfterBlock(onCreated: () => void, outage = false): ClientWrap {
  return (client) => {
    let dead = false;
    return new Proxy(client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (!ASYNC_CALLS.has(String(property))) return value.bind(target);
        return async (...args: unknown[]) => {
          const after = () => {
            if (outage) throw new OrdsHttpRequestError('POST …/_/sql answered 503 Service Unavailable', 503);
            return new Promise(() => {});
          };
          if (dead) return after();
          const answer = await value.apply(target, args);
          if (property === 'runSqlRequest' && isBlock(args)) {
            dead = true;
            onCreated();
            return after();
          }
          return answer;
        };
      },
    });
  };
}

/** Runs a doctor that dies right after its probe job was created; resolves once the job exists. */
async function killedDoctor(): Promise<string> {
  let created!: () => void;
  const made = new Promise<void>((resolve) => {
    created = resolve;
  });
  // Never awaited: the invocation is dead, nothing of it runs again.
  void runDoctor(deps(dyingAfterBlock(() => created())), 'orders');
  await made;
  const [job] = sim.jobs().filter((entry) => entry.jobName.startsWith('ODBK_DR_'));
  return job!.jobName;
}

/** Starts a Data Pump job named `jobName` through REST-enabled SQL as the user of `secret`. */
async function startJob(jobName: string, secret = BASIC): Promise<void> {
  const connection = connectOrds({
    baseUrl: sim.url,
    secret: parseOrdsSecret('test', secret),
    secretId: 'test',
  });
  opened.push(connection);
  const plan = consistentExportPlan({
    runId: `other-tool-${jobName}`,
    jobName,
    spec: { jobMode: 'SCHEMA', datapumpDir: 'DATA_PUMP_DIR', nameExpressions: ["IN ('T')"] },
    dumpFileTemplate: `${jobName}-%U.DMP`,
    logFileName: `${jobName}.LOG`,
    scnSource: 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)',
    options: { filesizeBytes: 10 * 1024 ** 2 },
  });
  await connection.client.runSqlRequest(plan.request);
}

const leftoverCheck = (report: DoctorReport) => report.checks.find((check) => check.name === LEFTOVER_CHECK)!;
const jobNamed = (jobName: string) => sim.jobs().find((job) => job.jobName === jobName)!;
const removedFiles = () =>
  sim.requests
    .filter((request) => request.path.endsWith('/_/sql') && /FREMOVE/.test(request.body ?? ''))
    .map((request) => request.body ?? '');

describe('a doctor probe interrupted right after its job was created', () => {
  it('leaves the job, its control table and its files on the server', async () => {
    // GIVEN a doctor whose invocation dies right after the probe block ran
    const jobName = await killedDoctor();

    // WHEN twenty minutes pass (the tiny job ends on its own, keeping its control table)
    clock = minutes(20);

    // THEN the job is still listed NOT RUNNING (its control table is there) and no file was removed
    const [row] = parseProbeJobs(await sqlAs(BASIC, PROBE_JOBS_QUERY));
    expect(row).toMatchObject({ owner: 'DBAPI_USER', jobName, state: 'NOT RUNNING', ageSeconds: 1200 });
    expect(jobNamed(jobName)).toMatchObject({ dropped: false });
    expect(removedFiles().filter((body) => body.includes(jobName))).toEqual([]);
  });

  it('is removed with its files by the next doctor run, which says so', async () => {
    const jobName = await killedDoctor();
    clock = minutes(20);

    const report = await runDoctor(deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(
        `1 leftover probe job(s) of DBAPI_USER removed; removed: ${jobName} (NOT RUNNING`,
      ),
    });
    expect(leftoverCheck(report).detail).toContain(`files removed: ${jobName}.LOG, ${jobName}-01.DMP`);
    expect(jobNamed(jobName)).toMatchObject({ dropped: true, stoppedByClient: true });
    for (const file of jobNamed(jobName).files) {
      expect(
        removedFiles().some((body) => body.includes(file.name)),
        file.name,
      ).toBe(true);
    }
    // The run's own probe still ran after the sweep, and left nothing behind either.
    expect(report.checks.find((check) => check.name === 'Point-in-time probe')?.status).toBe('ok');
    expect(sim.jobs().filter((job) => !job.dropped)).toEqual([]);
  });

  it('is removed by the next run after an ORDS outage made the probe fail, whose fix points to that run', async () => {
    let created!: () => void;
    const made = new Promise<void>((resolve) => {
      created = resolve;
    });
    const first = await runDoctor(deps(dyingAfterBlock(() => created(), true)), 'orders');
    await made;
    expect(first.checks.find((check) => check.name === 'Point-in-time probe')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('could not be cleaned up'),
      fix: expect.stringContaining(`Run the doctor again after 15 minutes: its "${LEFTOVER_CHECK}" check`),
    });
    const [left] = sim.jobs().filter((job) => !job.dropped);
    expect(left?.jobName).toMatch(/^ODBK_DR_/);

    clock = minutes(16);
    const report = await runDoctor(deps(), 'orders');

    expect(leftoverCheck(report).detail).toContain(`removed: ${left!.jobName} (NOT RUNNING`);
    expect(jobNamed(left!.jobName).dropped).toBe(true);
  });
});

describe('the sweep leaves alone', () => {
  it('a probe another doctor run may still be using, until it is 15 minutes old', async () => {
    // GIVEN a probe job two minutes old (NOT RUNNING already: its doctor may be reading its log)
    const jobName = await killedDoctor();
    clock = minutes(2);

    const report = await runDoctor(deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(
        `left alone: ${jobName} (NOT RUNNING, created 2026-12-07T05:50:00, 120 s old: another doctor run may be probing with it`,
      ),
    });
    expect(jobNamed(jobName).dropped).toBe(false);
  });

  it('a probe still running until it is an hour old, then stops it as stuck', async () => {
    // GIVEN a probe job that keeps running (a state lasts an hour here)
    sim.configure({ msPerState: 3_600_000 });
    const jobName = await killedDoctor();

    clock = minutes(30);
    const young = await runDoctor(deps(), 'orders');
    expect(leftoverCheck(young).detail).toContain(
      `left alone: ${jobName} (EXECUTING, created 2026-12-07T05:50:00, 1800 s old: still in use; stopped once 3600 s old)`,
    );
    expect(jobNamed(jobName).dropped).toBe(false);

    clock = minutes(61);
    const old = await runDoctor(deps(), 'orders');
    expect(leftoverCheck(old).detail).toContain(
      `removed: ${jobName} (COMPLETING, created 2026-12-07T05:50:00, 3660 s old, stuck;`,
    );
    expect(jobNamed(jobName)).toMatchObject({ dropped: true, stoppedByClient: true });
  });

  it("another tool's job of this user named ODBK_DR_…, and says so", async () => {
    await startJob('ODBK_DR_NIGHTLY_COPY');
    clock = minutes(120);

    const report = await runDoctor(deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(
        'left alone: ODBK_DR_NIGHTLY_COPY (not a doctor probe: its name is not ODBK_DR_ and 22 base32 characters',
      ),
    });
    expect(jobNamed('ODBK_DR_NIGHTLY_COPY').dropped).toBe(false);
    expect(removedFiles().filter((body) => body.includes('ODBK_DR_NIGHTLY_COPY'))).toEqual([]);
  });

  it("another user's job with a doctor probe's very name, and says other users' jobs are not looked at", async () => {
    const theirs = doctorProbeJobName('doctor-orders-elsewhere');
    await startJob(theirs, OTHER);
    clock = minutes(120);

    const report = await runDoctor(deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(
        /^no ODBK_DR_ job of DBAPI_USER is left on the server; other users' jobs are never looked at$/,
      ),
    });
    expect(sim.jobs().find((job) => job.owner === 'OTHER_USER')).toMatchObject({
      jobName: theirs,
      dropped: false,
    });
    expect(removedFiles().filter((body) => body.includes(theirs))).toEqual([]);
  });
});

describe('the sweep when ORDS or the database fails', () => {
  /** A client whose REST-enabled SQL answers 503 to the statements `matches` picks. */
  const failing =
    (matches: (text: string) => boolean): ClientWrap =>
    (client) =>
      new Proxy(client, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          if (property === 'runSql') {
            return async (statements: readonly string[]) => {
              if (statements.some(matches)) {
                throw new OrdsHttpRequestError('POST …/_/sql answered 503 Service Unavailable', 503);
              }
              return target.runSql(statements);
            };
          }
          if (property === 'runSqlRequest') {
            return async (request: { statementText: string }) => {
              if (matches(request.statementText)) {
                throw new OrdsHttpRequestError('POST …/_/sql answered 503 Service Unavailable', 503);
              }
              return target.runSqlRequest(request as never);
            };
          }
          return value.bind(target);
        },
      });

  it('fails the check with the reason when the query of probe jobs gets a 503, and runs the other checks', async () => {
    const report = await runDoctor(deps(failing((text) => text.includes('user_datapump_jobs j'))), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'failed',
      detail:
        'could not look for ODBK_DR_ jobs left by an interrupted doctor probe: POST …/_/sql answered 503 Service Unavailable',
      fix: expect.stringContaining('Run the doctor again'),
    });
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.name === 'Point-in-time probe')?.status).toBe('ok');
  });

  it('fails naming the job when its stop gets a 503, and leaves it for the next run', async () => {
    const jobName = await killedDoctor();
    clock = minutes(20);

    const report = await runDoctor(deps(failing((text) => /STOP_JOB/.test(text))), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining(
        `could not remove the leftover probe job DBAPI_USER.${jobName} (NOT RUNNING`,
      ),
      fix: expect.stringContaining(`DROP TABLE "DBAPI_USER"."${jobName}" PURGE`),
    });
    expect(jobNamed(jobName).dropped).toBe(false);
  });

  it('drops the control table of a NOT RUNNING leftover Data Pump refuses to attach to, then removes its files', async () => {
    const jobName = await killedDoctor();
    clock = minutes(20);
    // Data Pump refuses ATTACH to the leftover (its stop answers ORA-39002) the first time only.
    let refused = false;
    const wrap: ClientWrap = (client) =>
      new Proxy(client, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== 'runSqlRequest') return typeof value === 'function' ? value.bind(target) : value;
          return async (request: { statementText: string; binds?: Array<{ value?: unknown }> }) => {
            if (!refused && /STOP_JOB/.test(request.statementText) && request.binds?.[0]?.value === jobName) {
              refused = true;
              return {
                items: [
                  {
                    errorCode: 39002,
                    errorDetails: 'ORA-39002: invalid operation\nORA-39000: bad dump file specification',
                  },
                ],
              };
            }
            return target.runSqlRequest(request as never);
          };
        },
      });

    const report = await runDoctor(deps(wrap), 'orders');

    expect(refused).toBe(true);
    expect(leftoverCheck(report)).toMatchObject({ status: 'ok' });
    expect(leftoverCheck(report).detail).toContain(`files removed: ${jobName}.LOG, ${jobName}-01.DMP`);
    expect(jobNamed(jobName)).toMatchObject({ dropped: true });
    expect(
      sim.requests.some((request) =>
        (request.body ?? '').replaceAll('\\"', '"').includes(`DROP TABLE "DBAPI_USER"."${jobName}" PURGE`),
      ),
    ).toBe(true);
  });
});

describe('judgeProbeJob and parseProbeJobs', () => {
  const probe = doctorProbeJobName('doctor-orders-20261207T055000000Z');
  const row = {
    owner: 'DBAPI_USER',
    jobName: probe,
    state: 'NOT RUNNING',
    attachedSessions: 0,
    created: 'x',
  };

  it('removes an old NOT RUNNING probe, never one with a session attached or an unknown age', () => {
    expect(judgeProbeJob({ ...row, ageSeconds: 900 }, 'DBAPI_USER').remove).toBe(true);
    expect(judgeProbeJob({ ...row, ageSeconds: 899 }, 'DBAPI_USER').remove).toBe(false);
    expect(judgeProbeJob({ ...row, ageSeconds: 1200, attachedSessions: 1 }, 'DBAPI_USER')).toMatchObject({
      remove: false,
      why: expect.stringContaining('1 session(s) attached'),
    });
    expect(judgeProbeJob({ ...row, ageSeconds: null, created: null }, null).remove).toBe(false);
  });

  it('leaves a job shown under another user than the credentials name (ORDS mapped to another schema)', () => {
    const theirs = { ...row, owner: 'APP_OWNER', ageSeconds: 86_400 };
    expect(judgeProbeJob(theirs, 'DBAPI_USER')).toEqual({
      remove: false,
      why: "owned by APP_OWNER, not by DBAPI_USER, the user of this doctor's credentials",
    });
    // OAuth2 names no user: the session user REST-enabled SQL answers with is the owner.
    expect(judgeProbeJob(theirs, null).remove).toBe(true);
  });

  it('leaves names that only look like a probe: one character short, lower case, a wildcard match', () => {
    for (const jobName of [
      probe.slice(0, -1),
      probe.toLowerCase(),
      `ODBKXDR_${probe.slice(8)}`,
      `${probe}1`,
    ]) {
      expect(judgeProbeJob({ ...row, jobName, ageSeconds: 86_400 }, 'DBAPI_USER').remove, jobName).toBe(
        false,
      );
    }
  });

  it('asks with LIKE escaped, so _ is not a wildcard', () => {
    expect(PROBE_JOBS_QUERY).toContain("LIKE 'ODBK\\_DR\\_%' ESCAPE '\\'");
  });

  it('fails naming the row when an answer carries a non-numeric age or no state', () => {
    const answer = (rows: Array<Record<string, unknown>>) => ({ ok: true as const, statement: 'q', rows });
    const good = { owner: 'DBAPI_USER', job_name: probe, state: 'NOT RUNNING ', attached_sessions: 0 };
    expect(
      parseProbeJobs(answer([{ ...good, created: '2026-12-07T05:50:00', age_seconds: '1200' }])),
    ).toEqual([{ ...row, created: '2026-12-07T05:50:00', ageSeconds: 1200 }]);
    const [odd] = parseProbeJobs(
      answer([{ ...good, job_name: `ODBK_DR_\u001b[2J${'X'.repeat(200)}`, age_seconds: 9e9 }]),
    );
    expect(odd?.jobName).toMatch(/^ODBK_DR_ \[2JX+…$/);
    expect(odd?.jobName).toHaveLength(128);
    expect(judgeProbeJob(odd!, 'DBAPI_USER').remove).toBe(false);
    expect(() => parseProbeJobs(answer([{ ...good, age_seconds: 'soon' }]))).toThrow(/"age_seconds":"soon"/);
    expect(() => parseProbeJobs(answer([{ ...good, state: null }]))).toThrow(/with the row/);
    expect(() =>
      parseProbeJobs({
        ok: false,
        statement: 'q',
        errorCode: 942,
        errorDetails: 'ORA-00942: table or view does not exist',
      }),
    ).toThrow(/ORA-00942/);
  });
});

/** The answer to `statement` run as the user of `secret`. */
async function sqlAs(secret: string, statement: string) {
  const connection = connectOrds({
    baseUrl: sim.url,
    secret: parseOrdsSecret('test', secret),
    secretId: 'test',
  });
  opened.push(connection);
  return (await connection.client.runSql([statement]))[0];
}
