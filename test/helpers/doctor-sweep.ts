import { afterEach, beforeEach } from 'vitest';
import { type DoctorDeps, type DoctorReport, runDoctor } from '../../functions/core/doctor/doctor.js';
import { LEFTOVER_CHECK } from '../../functions/core/doctor/doctor-leftovers.js';
import { consistentExportPlan } from '../../functions/core/export/index.js';
import { OrdsHttpRequestError, parseOrdsSecret } from '../../functions/core/ords/index.js';
import { connectOrds } from '../../functions/core/ords/ords-connection.js';
import { DatabaseBindingSchema } from '../../functions/core/run/binding.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../simulator/index.js';
import { testBinding } from './bindings.js';
import { recordingLogger } from './job-fakes.js';

/**
 * The setting of the doctor's "Leftover probe jobs" tests: an ORDS simulator whose clock the test
 * moves (jobs advance with it), two database users, doctors against it, and a doctor that dies right
 * after its probe job was created.
 */

export const BASIC = JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' });
export const OTHER = JSON.stringify({ username: 'OTHER_USER', password: 'other-password' });
export const START = new Date('2026-12-07T05:50:00.000Z');

type Client = ReturnType<typeof connectOrds>['client'];
/** Wraps the doctor's ORDS client (to fail or hang some of its requests). */
export type ClientWrap = (client: Client) => Client;

const ASYNC_CALLS = new Set(['runSql', 'runSqlRequest', 'listJobs', 'readLog', 'getJob']);
const isBlock = (args: unknown[]) =>
  String((args[0] as { statementText?: unknown } | undefined)?.statementText).includes('DBMS_DATAPUMP.OPEN');

/**
 * The client of a doctor whose invocation dies right after the database ran its probe block: the
 * block's answer never reaches it, and no later request is ever sent (`outage`: every later request
 * fails with a 503 instead, as in an ORDS outage).
 */
export function dyingAfterBlock(onCreated: () => void, outage = false): ClientWrap {
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

/** Registers the simulator's start and stop around each test; the returned object reaches it. */
export function sweepHarness() {
  let clock = START;
  let simulator: OrdsSimulator | undefined;
  const opened: Array<{ close: () => Promise<void> }> = [];
  const sim = () => {
    if (!simulator) throw new Error('the simulator runs inside a test only');
    return simulator;
  };

  beforeEach(async () => {
    clock = START;
    // Jobs advance with the clock: a tiny probe job is NOT RUNNING two seconds after it starts.
    simulator = await startOrdsSimulator({
      now: () => clock,
      msPerState: 1000,
      users: { DBAPI_USER: 'secret-password', OTHER_USER: 'other-password' },
    });
  });
  afterEach(async () => {
    // The doctor closes its own connections; a killed one never does.
    await Promise.all(opened.splice(0).map((connection) => connection.close().catch(() => {})));
    await simulator?.stop();
    simulator = undefined;
  });

  const connect = (secret: string) => {
    const connection = connectOrds({
      baseUrl: sim().url,
      secret: parseOrdsSecret('test', secret),
      secretId: 'test',
    });
    opened.push(connection);
    return connection;
  };

  const harness = {
    sim,
    /** Moves the simulator's and the doctor's clock to `n` minutes after START. */
    setMinutes(n: number): void {
      clock = new Date(START.getTime() + n * 60_000);
    },
    /** The deps of a doctor of database orders (consistency auto) as DBAPI_USER. */
    deps(wrap?: ClientWrap): DoctorDeps {
      return {
        binding: async (database) =>
          DatabaseBindingSchema.parse(testBinding({ database, ordsUrl: sim().url, consistency: 'auto' })),
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
    },
    /** Runs a doctor that dies right after its probe job was created; resolves with the job's name. */
    async killedDoctor(): Promise<string> {
      let created!: () => void;
      const made = new Promise<void>((resolve) => {
        created = resolve;
      });
      const before = new Set(
        sim()
          .jobs()
          .map((job) => job.jobName),
      );
      // Never awaited: the invocation is dead, nothing of it runs again.
      void runDoctor(harness.deps(dyingAfterBlock(() => created())), 'orders');
      await made;
      const [job] = sim()
        .jobs()
        .filter((entry) => !before.has(entry.jobName));
      return job!.jobName;
    },
    /** Starts a Data Pump job named `jobName` through REST-enabled SQL as the user of `secret`. */
    async startJob(jobName: string, secret = BASIC): Promise<void> {
      const plan = consistentExportPlan({
        runId: `other-tool-${jobName}`,
        jobName,
        spec: { jobMode: 'SCHEMA', datapumpDir: 'DATA_PUMP_DIR', nameExpressions: ["IN ('T')"] },
        dumpFileTemplate: `${jobName}-%U.DMP`,
        logFileName: `${jobName}.LOG`,
        scnSource: 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)',
        options: { filesizeBytes: 10 * 1024 ** 2 },
      });
      await connect(secret).client.runSqlRequest(plan.request);
    },
    /** The answer to `statement` run as the user of `secret`. */
    async sqlAs(secret: string, statement: string) {
      return (await connect(secret).client.runSql([statement]))[0];
    },
    jobNamed: (jobName: string) =>
      sim()
        .jobs()
        .find((job) => job.jobName === jobName)!,
    /** The bodies of the REST-enabled SQL requests, in order, JSON's `\\"` read as `"`. */
    sqlBodies: () =>
      sim()
        .requests.filter((request) => request.path.endsWith('/_/sql'))
        .map((request) => (request.body ?? '').replaceAll('\\"', '"')),
    /** The bodies of the REST-enabled SQL requests that removed a file. */
    removedFiles: () =>
      sim()
        .requests.filter((request) => request.path.endsWith('/_/sql') && /FREMOVE/.test(request.body ?? ''))
        .map((request) => request.body ?? ''),
  };
  return harness;
}

/** The "Leftover probe jobs" check of a report. */
export const leftoverCheck = (report: DoctorReport) =>
  report.checks.find((check) => check.name === LEFTOVER_CHECK)!;
