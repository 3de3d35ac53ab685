import { afterEach, describe, expect, it } from 'vitest';
import { ErrorName, OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import {
  consistentJobName,
  ExportSpecSchema,
  MAX_BLOCK_SENDS,
  type StartConsistentInput,
  startConsistentExport,
} from '../../../../functions/core/export/index.js';
import type { SqlRequestApi } from '../../../../functions/core/ords/index.js';
import { OrdsClient } from '../../../../functions/core/ords/ords-client.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../../simulator/index.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const EXECUTION = 'orders-20261207T020000Z';
const JOB = consistentJobName(EXECUTION);
const INPUT: StartConsistentInput = {
  executionName: EXECUTION,
  executionStartTime: '2026-12-07T02:00:00.000Z',
  database: 'orders',
  export: ExportSpecSchema.parse({ schemas: ['HR'] }),
};

let sim: OrdsSimulator | undefined;
let client: OrdsClient | undefined;

afterEach(async () => {
  await client?.close();
  await sim?.stop();
  client = undefined;
  sim = undefined;
});

async function simulated(options: Parameters<typeof startOrdsSimulator>[0] = {}) {
  sim = await startOrdsSimulator(options);
  client = new OrdsClient({
    baseUrl: sim.url,
    secret: { credentials: { kind: 'basic', username: 'DBAPI_USER', password: 'secret-password' } },
    secretId: 'local/orders',
  });
  return {
    sim,
    deps: {
      sql: client,
      ords: client,
      logger: recordingLogger(),
      now: () => new Date('2026-12-07T02:00:05Z'),
    },
  };
}

describe('startConsistentExport', () => {
  it('starts the job named from the execution name, owned by the REST user, with the SCN of the block', async () => {
    const { sim, deps } = await simulated();

    const started = await startConsistentExport(deps, INPUT);

    expect(started.job).toMatchObject({
      path: 'rest-sql',
      owner: 'DBAPI_USER',
      jobName: JOB,
      fileName: 'ORDERS-20261207T020000Z-5304-%U.DMP',
      logFileName: 'ORDERS-20261207T020000Z-5304.LOG',
      adopted: false,
      scn: started.scn,
    });
    expect(started.scn).toMatch(/^[1-9]\d*$/);
    expect(started.plan.settings).toContainEqual(expect.objectContaining({ name: 'FLASHBACK_SCN' }));
    expect(sim.jobs().map((job) => job.jobName)).toEqual([JOB]);
  });

  it('adopts the job by name on a retry (ORA-31634), and exactly one job exists', async () => {
    // GIVEN an earlier attempt of the same execution that started the job
    const { sim, deps } = await simulated();
    await startConsistentExport(deps, INPUT);

    // WHEN the retry sends the block again
    const retry = await startConsistentExport(deps, INPUT);

    // THEN it adopts the job it finds in USER_DATAPUMP_JOBS; the log marker will prove the SCN
    expect(retry.job).toMatchObject({ jobName: JOB, adopted: true });
    expect(retry.scn).toBeNull();
    expect(sim.jobs()).toHaveLength(1);
  });

  it('adopts the job whose start answer was lost, never starting a second one', async () => {
    // GIVEN a gateway that loses the answer after the block ran
    const { sim, deps } = await simulated({ sqlAnswersLost: 1 });

    const started = await startConsistentExport(deps, INPUT);

    expect(started.job).toMatchObject({ jobName: JOB, adopted: true });
    expect(sim.jobs()).toHaveLength(1);
    expect(sim.requests.filter((request) => request.fault === 'sql-answer-lost')).toHaveLength(1);
  });

  it('sends the block again when the answer was lost before anything was created', async () => {
    // GIVEN a gateway that fails the first request before the database sees it
    const { sim, deps } = await simulated({ transientFailures: { count: 1, route: 'sql', status: 504 } });

    const started = await startConsistentExport(deps, INPUT);

    expect(started.job).toMatchObject({ jobName: JOB, adopted: false });
    expect(started.scn).toMatch(/^[1-9]\d*$/);
    expect(sim.jobs()).toHaveLength(1);
  });

  it('fails naming the table when ORA-31634 comes for a name USER_DATAPUMP_JOBS does not list', async () => {
    // GIVEN a database where a table, not a job, holds the name
    const sql: SqlRequestApi = {
      runSqlRequest: async (request) =>
        request.statementText.startsWith('SELECT')
          ? { items: [{ resultSet: { items: [] } }] }
          : {
              items: [
                {
                  errorCode: 20001,
                  errorDetails: 'ORA-20001: ORA-31634: job already exists\nORA-06512: at line 40',
                },
              ],
            },
    };
    const deps = {
      sql,
      ords: { listJobs: async () => [], jobOwner: 'DBAPI_USER' },
      logger: recordingLogger(),
      now: () => new Date(),
    };

    const error = await startConsistentExport(deps, INPUT).catch((e: Error) => e);

    expect(error).toMatchObject({
      name: ErrorName.ExportFailed,
      message: expect.stringContaining('a table of that name'),
    });
  });

  it(`gives up as retryable after ${MAX_BLOCK_SENDS} lost answers that created nothing`, async () => {
    // GIVEN a network that loses every answer of the block, and a database without such a job
    const sent: string[] = [];
    const sql: SqlRequestApi = {
      runSqlRequest: async (request) => {
        sent.push(request.statementText.startsWith('SELECT') ? 'poll' : 'block');
        if (request.statementText.startsWith('SELECT')) return { items: [{ resultSet: { items: [] } }] };
        throw new OrdsUnavailableError('socket hang up');
      },
    };
    const deps = {
      sql,
      ords: { listJobs: async () => [], jobOwner: 'DBAPI_USER' },
      logger: recordingLogger(),
      now: () => new Date(),
    };

    const error = await startConsistentExport(deps, INPUT).catch((e: Error) => e);

    // THEN it looked the job up after each loss, sent the block at most MAX_BLOCK_SENDS times, and says so
    expect(error).toMatchObject({
      name: ErrorName.OrdsUnavailable,
      message: expect.stringContaining('nothing was created'),
    });
    expect(sent).toEqual(Array.from({ length: MAX_BLOCK_SENDS }, () => ['block', 'poll']).flat());
  });

  it('records in the job the FILESIZE the block sent: the chosen one, or 8 GiB without one', async () => {
    const { sim, deps } = await simulated();
    const size = 18 * 1024 ** 3;

    const chosen = await startConsistentExport(deps, { ...INPUT, options: { filesizeBytes: size } });
    const sentBlock = sim.requests.find((request) => /DBMS_DATAPUMP\.OPEN/.test(request.body ?? ''));
    const binds = (JSON.parse(sentBlock!.body!) as { binds: Array<{ name: string; value?: unknown }> }).binds;

    expect(chosen.job.filesizeBytes).toBe(size);
    expect(binds).toContainEqual(expect.objectContaining({ name: 'filesize', value: String(size) }));
    const other = await startConsistentExport(deps, { ...INPUT, executionName: `${EXECUTION}-b` });
    expect(other.job.filesizeBytes).toBe(8 * 1024 ** 3);
  });
});
