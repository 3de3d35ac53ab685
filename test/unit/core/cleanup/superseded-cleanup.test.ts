import { S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { RunLockLostError } from '../../../../functions/core/base/errors.js';
import {
  cleanUpSuperseded,
  type EarlierRun,
  type SupersededCleanupInput,
} from '../../../../functions/core/cleanup/superseded-cleanup.js';
import type { DataPumpJob } from '../../../../functions/core/ords/ords-api.js';
import { OrdsHttpUnavailableError } from '../../../../functions/core/ords/ords-errors.js';
import type { RestSqlApi, SqlStatementResult } from '../../../../functions/core/ords/rest-sql.js';
import { job as jobOf, recordingLogger } from '../../../helpers/job-fakes.js';

const JOB = 'DATAPUMP_REST_EXPORT_20261201020000';
const RUN = '20261201T020000Z-1A2B';
const DUMP1 = `ORDERS-${RUN}-A020000-01.DMP`;
const DUMP2 = `ORDERS-${RUN}-A020000-02.DMP`;
const LOG = `ORDERS-${RUN}-A020000.LOG`;

const earlier = (changes: Partial<EarlierRun> = {}): EarlierRun => ({
  database: 'orders',
  executionName: 'orders_20261201T020000Z',
  job: {
    owner: 'DBAPI_USER',
    jobName: JOB,
    runId: RUN,
    fileName: `ORDERS-${RUN}-A020000-%U.DMP`,
    jobMode: 'SCHEMA',
    startedAt: '2026-12-01T02:00:00.000Z',
    adopted: false,
  },
  ...changes,
});
const input = (changes: Partial<SupersededCleanupInput> = {}): SupersededCleanupInput => ({
  database: 'orders',
  serverCleanup: 'files-and-control-table',
  autonomousDatabase: false,
  directory: 'DATA_PUMP_DIR',
  ...changes,
});

/** REST-enabled SQL recording scripts; `events` shows the order of fence, reads and statements. */
class FakeSql implements RestSqlApi {
  readonly scripts: string[][] = [];
  failure: Error | undefined;
  constructor(private readonly events: string[]) {}
  async runSql(statements: readonly string[]): Promise<SqlStatementResult[]> {
    this.events.push('sql');
    this.scripts.push([...statements]);
    if (this.failure) throw this.failure;
    return statements.map((statement) => ({ ok: true, statement }));
  }
}

let events: string[];
let sql: FakeSql;
let ordsJob: DataPumpJob | null;
let jobOwner: string | null;
let fence: () => Promise<void>;
const deps = () => ({
  sleep: async () => {},
  sql,
  ords: {
    baseUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
    jobOwner,
    getJob: async () => {
      events.push('getJob');
      return ordsJob;
    },
  },
  s3: new S3Client({ region: 'us-east-1' }),
  bucket: 'backups',
  logger: recordingLogger(),
  now: () => new Date('2026-12-02T02:00:00Z'),
  fence: async () => {
    events.push('fence');
    await fence();
  },
});
const finished = (files: string[]) =>
  jobOf({
    jobName: JOB,
    state: 'NOT RUNNING',
    jobState: 'COMPLETED',
    files: files.map((name) => ({ name })),
  });

describe('cleanUpSuperseded', () => {
  beforeEach(() => {
    events = [];
    sql = new FakeSql(events);
    ordsJob = finished([DUMP1, DUMP2, LOG]);
    jobOwner = 'DBAPI_USER';
    fence = async () => {};
  });

  it('removes the files ORDS links for the recorded job, then its control table, after checking the run lock', async () => {
    const result = await cleanUpSuperseded(deps(), input(), earlier());

    expect(result).toEqual({
      execution: 'orders_20261201T020000Z',
      job: `DBAPI_USER.${JOB}`,
      serverCleanup: 'done',
      removedFiles: [DUMP1, DUMP2, LOG],
      droppedControlTable: `DBAPI_USER.${JOB}`,
      keep: false,
    });
    expect(sql.scripts[0]).toEqual([
      `BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${DUMP1}'); END;`,
      `BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${DUMP2}'); END;`,
      `BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${LOG}'); END;`,
    ]);
    expect(sql.scripts[1]).toEqual([`DROP TABLE "DBAPI_USER"."${JOB}" PURGE`]);
    // The lock is checked after the job read and right before the first statement
    expect(events.slice(0, 3)).toEqual(['getJob', 'fence', 'sql']);
  });

  it('refuses a record naming another database, before any ORDS request', async () => {
    const result = await cleanUpSuperseded(deps(), input(), earlier({ database: 'billing' }));

    expect(result).toMatchObject({ serverCleanup: 'failed', keep: false, removedFiles: [] });
    expect(result.reason).toContain('"billing"');
    expect(events).toEqual([]);
  });

  it('refuses a job of another database that ORDS links, even under a record of this database', async () => {
    // GIVEN a record whose job ORDS shows with billing's files (a tampered job name)
    ordsJob = finished([`BILLING-${RUN}-A020000-01.DMP`, LOG]);

    const result = await cleanUpSuperseded(deps(), input(), earlier());

    expect(result).toMatchObject({ serverCleanup: 'failed', keep: false, removedFiles: [] });
    expect(result.reason).toContain(`BILLING-${RUN}-A020000-01.DMP`);
    expect(events).toEqual(['getJob']);
  });

  it('refuses a job owned by another user than the one this run works as', async () => {
    jobOwner = 'OTHER_USER';

    const result = await cleanUpSuperseded(deps(), input(), earlier());

    expect(result).toMatchObject({ serverCleanup: 'failed', keep: false });
    expect(result.reason).toContain('OTHER_USER');
    expect(events).toEqual([]);
  });

  it('leaves a job that is still running alone and keeps the run recorded', async () => {
    ordsJob = jobOf({ jobName: JOB, state: 'EXECUTING', files: [{ name: DUMP1 }] });

    const result = await cleanUpSuperseded(deps(), input(), earlier());

    expect(result).toMatchObject({ serverCleanup: 'failed', keep: true, removedFiles: [] });
    expect(result.reason).toContain('EXECUTING');
    expect(events).toEqual(['getJob']);
  });

  it('names the files to remove by hand when ORDS no longer shows the job, and removes nothing', async () => {
    ordsJob = null;

    const result = await cleanUpSuperseded(deps(), input(), earlier());

    expect(result).toMatchObject({ serverCleanup: 'failed', keep: false, removedFiles: [] });
    expect(result.reason).toContain(`ORDERS-${RUN}-A020000-%U.DMP`);
    expect(events).toEqual(['getJob']);
  });

  it('keeps the run recorded when ORDS fails beyond the retries (500), with the reason', async () => {
    sql.failure = new OrdsHttpUnavailableError(
      'ORDS answered 500 Internal Server Error to POST …/_/sql',
      500,
    );

    const result = await cleanUpSuperseded(deps(), input(), earlier());

    expect(result).toMatchObject({ serverCleanup: 'failed', keep: true, removedFiles: [] });
    expect(result.reason).toContain('500');
  });

  it('refuses a directory no statement may carry, sending nothing', async () => {
    const result = await cleanUpSuperseded(
      deps(),
      input({ directory: "DATA_PUMP_DIR'; DROP USER X" }),
      earlier(),
    );

    expect(result).toMatchObject({ serverCleanup: 'failed', keep: false, removedFiles: [] });
    expect(result.reason).toContain('DATA_PUMP_DIR');
    expect(sql.scripts).toEqual([]);
  });

  it('removes nothing when this execution lost the run lock: the error goes up', async () => {
    fence = async () => {
      throw new RunLockLostError('held by a newer run');
    };

    await expect(cleanUpSuperseded(deps(), input(), earlier())).rejects.toThrow(RunLockLostError);
    expect(sql.scripts).toEqual([]);
  });

  it('follows the database setting: files only, or nothing at all when cleanup is off', async () => {
    const files = await cleanUpSuperseded(deps(), input({ serverCleanup: 'files' }), earlier());
    expect(files).toMatchObject({ serverCleanup: 'done', droppedControlTable: null });
    expect(sql.scripts).toHaveLength(1);

    events.length = 0;
    const off = await cleanUpSuperseded(deps(), input({ serverCleanup: 'off' }), earlier());
    expect(off).toMatchObject({ serverCleanup: 'off', keep: false, removedFiles: [] });
    expect(events).toEqual([]);
  });

  it('removes the files but drops no table whose name the job path cannot produce', async () => {
    const forged = earlier();
    const result = await cleanUpSuperseded(deps(), input(), {
      ...forged,
      job: { ...forged.job, jobName: 'SYS_EXPORT_FULL_01' },
    });

    expect(result).toMatchObject({ serverCleanup: 'failed', droppedControlTable: null });
    expect(result.reason).toContain('SYS_EXPORT_FULL_01');
    expect(sql.scripts.flat().some((statement) => statement.startsWith('DROP'))).toBe(false);
  });
});
