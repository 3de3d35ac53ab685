import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import { type RestoreDrillDeps, startRestoreDrill } from '../../../../functions/core/drill/restore-drill.js';
import { OrdsClient } from '../../../../functions/core/ords/ords-client.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../../simulator/index.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';
import { memoryS3 } from '../../../helpers/memory-s3.js';
import { pollUntilFinished, postExport } from '../../simulator/http.js';

const TEMPLATE = 'ORDERS-20261207T020000Z-1A2B-%U.DMP';
const ARN = 'arn:aws:states:us-east-1:123456789012:execution:sm:orders_run';
const KEY = 'orders/2026/12/07/DATAPUMP_REST_EXPORT_20261207020000/restore-drill-intent.json';
/** The user ORDS names as the owner of the drill's import, where it is not the REST user. */
const OTHER = 'ETL_OWNER';

let sim: OrdsSimulator;
let client: OrdsClient;
let s3: ReturnType<typeof memoryS3>;
let exportJobName: string;

beforeEach(async () => {
  sim = await startOrdsSimulator({ dumpFiles: 1, dumpFileBytes: 4096 });
  const created = await postExport(sim, {
    file_name: TEMPLATE,
    schema_expressions: [{ expression: "IN ('HR')" }],
  });
  exportJobName = (await pollUntilFinished(created.headers.location as string)).json<{ job_name: string }>()
    .job_name;
  client = new OrdsClient({
    baseUrl: sim.url,
    secret: { credentials: { kind: 'basic', username: 'DBAPI_USER', password: 'secret-password' } },
    secretId: 'local/orders',
  });
  s3 = memoryS3();
  sim.requests.length = 0;
});

afterEach(async () => {
  await client.close();
  await sim.stop();
});

function deps(): RestoreDrillDeps {
  return {
    ords: client,
    sql: client,
    s3: s3.client,
    bucket: 'backups',
    logger: recordingLogger(),
    now: () => new Date(),
    sleep: async () => {},
  };
}

/** "Start restore drill" of this export into HR_DRILL. */
function startDrill() {
  return startRestoreDrill(deps(), {
    database: 'orders',
    job: {
      owner: 'DBAPI_USER',
      jobName: exportJobName,
      runId: '20261207T020000Z-1A2B',
      fileName: TEMPLATE,
      jobMode: 'SCHEMA',
      startedAt: '2026-12-07T02:00:00.000Z',
      adopted: false,
    },
    drill: { schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' }, targetSchema: 'HR_DRILL', schema: 'HR' },
    directory: 'DATA_PUMP_DIR',
    exportedSchemas: ['HR'],
    executionArn: ARN,
    intentKey: KEY,
  });
}

const imports = () => sim.jobs().filter((job) => job.operation === 'IMPORT');
const importPosts = () =>
  sim.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/import'));
const jobGets = () =>
  sim.requests.filter((request) => request.method === 'GET' && /IMPORT_\d+\/$/.test(request.path));
/** Whatever would change the server for a job: DROP USER, a file removal, a dropped control table. */
const changes = () =>
  sim.requests
    .filter((request) => request.path.endsWith('/_/sql'))
    .filter((request) => /DROP USER|FREMOVE|DELETE_FILE|DROP TABLE/i.test(request.body ?? ''));

describe('the drill acts only on imports owned by the user REST-enabled SQL runs as (ORDS simulator)', () => {
  it('adopts and records its own import, owner included, when ORDS names the REST user as its owner', async () => {
    const started = await startDrill();

    expect(started.job).toMatchObject({ owner: 'DBAPI_USER', adopted: false });
    expect(s3.json(KEY)).toMatchObject({ dbUser: 'DBAPI_USER', jobOwner: 'DBAPI_USER', jobSource: 'post' });
  });

  it('fails when the import POST answers a job of another owner, naming both, records it and touches nothing', async () => {
    // GIVEN an ORDS that answers the drill's import as owned by another user than SELECT USER's
    sim.configure({ importOwnerAnswered: OTHER });

    // WHEN "Start restore drill" runs
    const attempt = startDrill();

    // THEN it is refused, naming both owners; the job is recorded so that no retry POSTs another
    await expect(attempt).rejects.toMatchObject({ name: ErrorName.ImportNotOwned });
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `the import POST answered ${OTHER}\\.DATAPUMP_REST_IMPORT_\\d{14}, owned by ${OTHER}, not by DBAPI_USER`,
      ),
    );
    expect(imports()).toHaveLength(1);
    expect(s3.json(KEY)).toMatchObject({
      jobName: imports()[0]!.jobName,
      jobOwner: OTHER,
      jobSource: 'post',
    });
    // AND nothing of the job was acted on: no DROP USER, no file, no control table
    expect(changes()).toEqual([]);
    expect(imports()[0]!.dropped).toBe(false);
    expect(sim.users().map((user) => user.username)).toContain('HR_DRILL');
  });

  it('fails again on a retry of that start, from the record alone: no second POST, no request for the job', async () => {
    sim.configure({ importOwnerAnswered: OTHER });
    await expect(startDrill()).rejects.toMatchObject({ name: ErrorName.ImportNotOwned });
    sim.requests.length = 0;

    const retry = startDrill();

    await expect(retry).rejects.toThrow(new RegExp(`owned by ${OTHER}, not by DBAPI_USER`));
    expect(importPosts()).toEqual([]);
    expect(jobGets()).toEqual([]);
    expect(imports()).toHaveLength(1);
    expect(changes()).toEqual([]);
  });

  it('fails on a retry when ORDS answers the recorded job (in a record of an earlier version) with another owner', async () => {
    // GIVEN a start that recorded its import in a record without jobOwner (written before it existed)
    await startDrill();
    const { jobOwner: _, ...earlier } = s3.json(KEY) as Record<string, unknown>;
    s3.put(KEY, earlier);
    sim.configure({ importOwnerAnswered: OTHER });
    sim.requests.length = 0;

    // WHEN the step runs again
    const retry = startDrill();

    // THEN the owner ORDS answers for the recorded job is compared, and refused
    await expect(retry).rejects.toMatchObject({ name: ErrorName.ImportNotOwned });
    await expect(retry).rejects.toThrow(
      new RegExp(
        `restore-drill-intent.json is ${OTHER}\\.DATAPUMP_REST_IMPORT_\\d{14}, owned by ${OTHER}, not by DBAPI_USER`,
      ),
    );
    expect(importPosts()).toEqual([]);
    expect(changes()).toEqual([]);
  });

  it('fails after a lost POST answer when the one import since the intent is answered with another owner, recording nothing', async () => {
    // GIVEN the import POST's answer lost (the job is created, the connection reset), and ORDS
    // answering that import as another user's although its control table is the REST user's
    sim.configure({
      importOwnerAnswered: OTHER,
      postHangAfterCreate: { count: 1, destroyAfterMs: 50, operation: 'IMPORT' },
    });

    // WHEN "Start restore drill" runs
    const attempt = startDrill();

    // THEN the import is not adopted: refused naming both owners, the record names no job
    await expect(attempt).rejects.toMatchObject({ name: ErrorName.ImportNotOwned });
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `control table is DBAPI_USER's\\) is answered as ${OTHER}\\.DATAPUMP_REST_IMPORT_\\d{14}, owned by ${OTHER}, not by DBAPI_USER`,
      ),
    );
    expect(importPosts()).toHaveLength(1);
    expect(s3.json(KEY)).toMatchObject({ jobName: null, jobSource: null });
    expect(s3.json(KEY)).not.toHaveProperty('jobOwner');
    expect(changes()).toEqual([]);
    expect(imports()[0]!.dropped).toBe(false);
  });
});
