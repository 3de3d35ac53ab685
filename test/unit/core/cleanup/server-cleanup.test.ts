import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName, OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import { cleanUpServer, type ServerCleanupInput } from '../../../../functions/core/cleanup/server-cleanup.js';
import {
  OrdsHttpRequestError,
  OrdsHttpUnavailableError,
} from '../../../../functions/core/ords/ords-errors.js';
import type { RestSqlApi, SqlStatementResult } from '../../../../functions/core/ords/rest-sql.js';
import { TRANSIENT_RETRY_DELAYS_MS } from '../../../../functions/core/ords/transient-retry.js';
import { job as jobOf, recordingLogger } from '../../../helpers/job-fakes.js';

const JOB = 'DATAPUMP_REST_EXPORT_20261201020000';
const RUN = '20261201T020000Z-1A2B';
const FOLDER = `orders/2026/12/01/${JOB}/`;
const DUMP = `ORDERS-${RUN}-A020000-01.DMP`;
const LOG = `ORDERS-${RUN}-A020000.LOG`;
const file = (name: string, kind: 'dump' | 'log') => ({ name, kind, key: `${FOLDER}${name}` });

const input = (changes: Partial<ServerCleanupInput> = {}): ServerCleanupInput => ({
  executionName: 'orders_20261201T020000Z',
  executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:backup:orders_20261201T020000Z',
  database: 'orders',
  job: {
    owner: 'DBAPI_USER',
    jobName: JOB,
    runId: RUN,
    fileName: `ORDERS-${RUN}-A020000-%U.DMP`,
    jobMode: 'SCHEMA',
    startedAt: '2026-12-01T02:00:00.000Z',
    adopted: false,
  },
  verdict: {
    verdict: 'succeeded',
    summary: 'Job … successfully completed',
    errors: [],
    cause: '',
    files: [file(DUMP, 'dump'), file(LOG, 'log')],
    checkedAt: '2026-12-01T02:10:00.000Z',
  },
  phase: 'after-backup',
  prefix: '',
  serverCleanup: 'files-and-control-table',
  autonomousDatabase: false,
  directory: 'DATA_PUMP_DIR',
  ...changes,
});

/** REST-enabled SQL that answers each statement with `answer` (default: success), recording scripts. */
class FakeSql implements RestSqlApi {
  readonly scripts: string[][] = [];
  failure: Error | undefined;
  /** Errors thrown by the next scripts, one each, before `failure` and `answer` apply. */
  readonly failNext: Error[] = [];
  answer: (statement: string) => SqlStatementResult = (statement) => ({ ok: true, statement });
  async runSql(statements: readonly string[]): Promise<SqlStatementResult[]> {
    this.scripts.push([...statements]);
    const next = this.failNext.shift();
    if (next) throw next;
    if (this.failure) throw this.failure;
    return statements.map((statement) => this.answer(statement));
  }
}

const s3 = mockClient(S3Client);
let sql: FakeSql;
let linkedFiles: Array<{ name: string }> | null;
let sleeps: number[];
const deps = () => ({
  sleep: async (milliseconds: number) => {
    sleeps.push(milliseconds);
  },
  sql,
  ords: {
    baseUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
    getJob: async () => (linkedFiles === null ? null : jobOf({ jobName: JOB, files: linkedFiles })),
  },
  s3: new S3Client({ region: 'us-east-1' }),
  bucket: 'backups',
  logger: recordingLogger(),
  now: () => new Date('2026-12-01T02:11:00Z'),
});
const report = () => {
  const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
  return put ? { key: put.Key, body: JSON.parse(String(put.Body)) } : undefined;
};

describe('cleanUpServer', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(HeadObjectCommand, { Key: `${FOLDER}manifest.json` }).resolves({ ContentLength: 900 });
    s3.on(PutObjectCommand).resolves({});
    sql = new FakeSql();
    linkedFiles = [{ name: DUMP }, { name: LOG }];
    sleeps = [];
  });

  it('retries a transient ORDS error (503, reset connection) and cleans up once ORDS answers again', async () => {
    // GIVEN an ORDS that answers 503 to the first script and resets the connection on the second
    sql.failNext.push(
      new OrdsHttpUnavailableError('ORDS answered 503 Service Unavailable to POST …/_/sql', 503),
      new OrdsUnavailableError('ORDS reset the connection (ECONNRESET) during POST …/_/sql'),
    );

    // WHEN the server is cleaned up
    const result = await cleanUpServer(deps(), input());

    // THEN the files are removed on the third try and the control table dropped: nothing is failed
    expect(sleeps).toEqual(TRANSIENT_RETRY_DELAYS_MS.slice(0, 2));
    expect(sql.scripts).toHaveLength(4);
    expect(result).toMatchObject({
      serverCleanup: 'done',
      removedFiles: [DUMP, LOG],
      droppedControlTable: `DBAPI_USER.${JOB}`,
    });
  });

  it('records serverCleanup failed only once the retries of a transient error run out', async () => {
    sql.failure = new OrdsHttpUnavailableError('ORDS answered 429 Too Many Requests to POST …/_/sql', 429);

    const result = await cleanUpServer(deps(), input());

    expect(sql.scripts).toHaveLength(TRANSIENT_RETRY_DELAYS_MS.length + 1);
    expect(sleeps).toEqual(TRANSIENT_RETRY_DELAYS_MS);
    expect(result.serverCleanup).toBe('failed');
    expect(result.reason).toContain('429');
    expect(report()).toMatchObject({ body: { serverCleanup: 'failed' } });
  });

  it('retries a transient error of the control table drop without removing the files twice', async () => {
    // GIVEN the files are removed, and the drop's first answer is a 502
    let scripts = 0;
    const realRun = sql.runSql.bind(sql);
    sql.runSql = async (statements) => {
      scripts += 1;
      if (scripts === 2) {
        sql.scripts.push([...statements]);
        throw new OrdsHttpUnavailableError('ORDS answered 502 Bad Gateway to POST …/_/sql', 502);
      }
      return realRun(statements);
    };

    const result = await cleanUpServer(deps(), input());

    expect(sql.scripts.map((script) => script.length)).toEqual([2, 1, 1]);
    expect(result).toMatchObject({ serverCleanup: 'done', droppedControlTable: `DBAPI_USER.${JOB}` });
  });

  it('fails a permanent error (404: REST-enabled SQL off) at once, without retrying', async () => {
    sql.failure = new OrdsHttpRequestError('ORDS answered 404 Not Found to POST …/_/sql', 404);

    const result = await cleanUpServer(deps(), input());

    expect(sql.scripts).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(result.serverCleanup).toBe('failed');
  });

  it('removes the files this run stored, then drops its control table, and records it beside the manifest', async () => {
    // GIVEN a stored backup whose manifest exists WHEN the server is cleaned up
    const result = await cleanUpServer(deps(), input());

    // THEN exactly its two files are removed by name, then its control table is dropped
    expect(sql.scripts).toEqual([
      [
        `BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${DUMP}'); END;`,
        `BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${LOG}'); END;`,
      ],
      [`DROP TABLE "DBAPI_USER"."${JOB}" PURGE`],
    ]);
    expect(result).toEqual({
      serverCleanup: 'done',
      removedFiles: [DUMP, LOG],
      droppedControlTable: `DBAPI_USER.${JOB}`,
      report: `s3://backups/${FOLDER}server-cleanup.json`,
    });
    expect(report()).toMatchObject({ key: `${FOLDER}server-cleanup.json`, body: { serverCleanup: 'done' } });
  });

  it('removes nothing while the manifest is not in S3, and says so', async () => {
    s3.on(HeadObjectCommand, { Key: `${FOLDER}manifest.json` }).rejects({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });

    const result = await cleanUpServer(deps(), input());

    expect(sql.scripts).toEqual([]);
    expect(result.serverCleanup).toBe('failed');
    expect(result.reason).toContain('manifest.json does not exist');
  });

  it('counts the backup as complete when REST-enabled SQL answers 404, and names how to enable it or turn cleanup off', async () => {
    sql.failure = new OrdsHttpRequestError('ORDS answered 404 Not Found to POST …/_/sql', 404);

    const result = await cleanUpServer(deps(), input());

    expect(result).toMatchObject({ serverCleanup: 'failed', removedFiles: [], droppedControlTable: null });
    expect(result.reason).toContain('restEnabledSql.active');
    expect(result.reason).toContain('"serverCleanup": "off" for database "orders"');
    expect(report()?.body).toMatchObject({ serverCleanup: 'failed', reason: result.reason });
  });

  it('keeps the control table and names the grants when a file cannot be removed (ORA- inside the 200 answer)', async () => {
    sql.answer = (statement) =>
      statement.includes('.DMP')
        ? { ok: false, statement, errorCode: 29289, errorDetails: 'ORA-29289: directory access denied' }
        : { ok: true, statement };

    const result = await cleanUpServer(deps(), input());

    expect(sql.scripts).toHaveLength(1);
    expect(result).toMatchObject({ serverCleanup: 'failed', removedFiles: [LOG], droppedControlTable: null });
    expect(result.reason).toContain('ORA-29289: directory access denied');
    expect(result.reason).toContain('GRANT READ, WRITE ON DIRECTORY DATA_PUMP_DIR TO DBAPI_USER');
  });

  it('counts a file that is already gone (ORA-29283) and a table already dropped (ORA-00942) as removed', async () => {
    sql.answer = (statement) =>
      statement.startsWith('DROP')
        ? { ok: false, statement, errorCode: 942, errorDetails: 'ORA-00942: table or view does not exist' }
        : { ok: false, statement, errorCode: 29283, errorDetails: 'ORA-29283: invalid file operation' };

    const result = await cleanUpServer(deps(), input());

    expect(result).toMatchObject({ serverCleanup: 'done', removedFiles: [DUMP, LOG] });
  });

  it('fails the drop step, not the backup, when the statement fails for lack of privileges', async () => {
    sql.answer = (statement) =>
      statement.startsWith('DROP')
        ? { ok: false, statement, errorCode: 1031, errorDetails: 'ORA-01031: insufficient privileges' }
        : { ok: true, statement };

    const result = await cleanUpServer(deps(), input());

    expect(result).toMatchObject({
      serverCleanup: 'failed',
      removedFiles: [DUMP, LOG],
      droppedControlTable: null,
    });
    expect(result.reason).toContain('can only be dropped by its owner DBAPI_USER');
  });

  it('does not drop a control table whose job links no file of this run', async () => {
    linkedFiles = [{ name: 'ORDERS-20261130T020000Z-9F9F-01.DMP' }];

    const result = await cleanUpServer(deps(), input());

    expect(sql.scripts).toHaveLength(1);
    expect(result.serverCleanup).toBe('failed');
    expect(result.reason).toContain('not this run');
  });

  it('does not drop a control table whose recorded name is not a Data Pump job name of its path', async () => {
    // GIVEN a tampered state that names an application table as the job
    const result = await cleanUpServer(deps(), input({ job: { ...input().job, jobName: 'EMPLOYEES' } }));

    // THEN the files are removed, the table is not touched, and the reason names it
    expect(result).toMatchObject({ serverCleanup: 'failed', droppedControlTable: null });
    expect(result.reason).toContain('"EMPLOYEES" is not one a job of path "ords-export" has');
    expect(sql.scripts.flat().some((statement) => statement.startsWith('DROP'))).toBe(false);
  });

  it("does not drop a control table owned by another user than the one this run's ORDS client works as", async () => {
    const result = await cleanUpServer(
      { ...deps(), ords: { ...deps().ords, jobOwner: 'DBAPI_USER' } },
      input({ job: { ...input().job, owner: 'HR' } }),
    );

    expect(result).toMatchObject({ serverCleanup: 'failed', droppedControlTable: null });
    expect(result.reason).toContain('owned by HR, not by DBAPI_USER');
    expect(sql.scripts.flat().some((statement) => statement.startsWith('DROP'))).toBe(false);
  });

  it('drops the control table of a job the run named itself (path rest-sql), whatever its prefix', async () => {
    const own = 'ODBK_ORDERS_20261201T020000Z';
    linkedFiles = [{ name: DUMP }, { name: LOG }];
    const result = await cleanUpServer(
      { ...deps(), ords: { ...deps().ords, jobOwner: 'DBAPI_USER' } },
      input({ job: { ...input().job, path: 'rest-sql', jobName: own } }),
    );

    expect(result).toMatchObject({ serverCleanup: 'done', droppedControlTable: `DBAPI_USER.${own}` });
    expect(sql.scripts.flat()).toContain(`DROP TABLE "DBAPI_USER"."${own}" PURGE`);
  });

  it('removes only the files with serverCleanup "files", with DBMS_CLOUD on Autonomous Database', async () => {
    const result = await cleanUpServer(deps(), input({ serverCleanup: 'files', autonomousDatabase: true }));

    expect(sql.scripts).toHaveLength(1);
    expect(sql.scripts[0]![0]).toContain('DBMS_CLOUD.DELETE_FILE');
    expect(result).toMatchObject({ serverCleanup: 'done', droppedControlTable: null });
  });

  it('counts ORA-20025 from DBMS_CLOUD.DELETE_FILE as already removed on Autonomous Database', async () => {
    // GIVEN an Autonomous Database where an earlier try already removed the files
    sql.answer = (statement) => ({
      ok: false,
      statement,
      errorCode: 20025,
      errorDetails: 'ORA-20025: File does not exist',
    });

    // WHEN the cleanup runs again
    const result = await cleanUpServer(deps(), input({ serverCleanup: 'files', autonomousDatabase: true }));

    // THEN both files count as removed: nothing is failed
    expect(result).toMatchObject({ serverCleanup: 'done', removedFiles: [DUMP, LOG] });
  });

  it('fails on ORA-20025 from UTL_FILE.FREMOVE: outside Autonomous Database it is no missing file', async () => {
    sql.answer = (statement) => ({
      ok: false,
      statement,
      errorCode: 20025,
      errorDetails: 'ORA-20025: raised by a trigger',
    });

    const result = await cleanUpServer(deps(), input({ serverCleanup: 'files' }));

    expect(result).toMatchObject({ serverCleanup: 'failed', removedFiles: [] });
    expect(result.reason).toContain('ORA-20025');
  });

  describe('after ORDS ignored file_name (file-name-ignored)', () => {
    const TEMPLATE = 'EXPDAT%U-2026-12-01-02_00_00.DMP';
    const OWN_DUMP = 'EXPDAT01-2026-12-01-02_00_00.DMP';
    const OWN_LOG = 'EXPDAT-2026-12-01-02_00_00.LOG';
    const ignored = (names: string[], fallbacks: Array<'file-name-ignored'> = ['file-name-ignored']) =>
      input({
        job: { ...input().job, fileName: TEMPLATE, logFileName: OWN_LOG, fallbacks },
        verdict: {
          ...input().verdict,
          files: names.map((name) => file(name, /LOG$/.test(name) ? 'log' : 'dump')),
        },
      });

    it('removes the files of the template ORDS used, and drops the control table of the job linking them', async () => {
      linkedFiles = [{ name: OWN_DUMP }, { name: OWN_LOG }];

      const result = await cleanUpServer(deps(), ignored([OWN_DUMP, OWN_LOG]));

      expect(result).toMatchObject({
        serverCleanup: 'done',
        removedFiles: [OWN_DUMP, OWN_LOG],
        droppedControlTable: `DBAPI_USER.${JOB}`,
      });
    });

    it('refuses a file of another default-named export, before any SQL', async () => {
      const other = 'EXPDAT01-2026-11-30-02_00_00.DMP';

      await expect(cleanUpServer(deps(), ignored([OWN_DUMP, other]))).rejects.toMatchObject({
        name: ErrorName.InvalidInput,
        message: expect.stringContaining(other),
      });
      expect(sql.scripts).toEqual([]);
    });

    it('refuses the same names when the run recorded no file-name-ignored fallback', async () => {
      await expect(cleanUpServer(deps(), ignored([OWN_DUMP], []))).rejects.toMatchObject({
        name: ErrorName.InvalidInput,
      });
      expect(sql.scripts).toEqual([]);
    });
  });

  it('does nothing at all with serverCleanup "off"', async () => {
    const result = await cleanUpServer(deps(), input({ serverCleanup: 'off' }));

    expect(result).toEqual({ serverCleanup: 'off', removedFiles: [], droppedControlTable: null });
    expect(sql.scripts).toEqual([]);
    expect(s3.calls()).toHaveLength(0);
  });

  it("removes a failed export's dump files only, keeps its log and job, and writes no record", async () => {
    // GIVEN a failed export: only its log is stored, its dump file is left on the server
    const failed = input({
      phase: 'after-failure',
      verdict: { ...input().verdict, verdict: 'failed', files: [file(LOG, 'log')], dumpFilesLeft: [DUMP] },
    });

    const result = await cleanUpServer(deps(), failed);

    expect(sql.scripts).toEqual([[`BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${DUMP}'); END;`]]);
    expect(result).toEqual({ serverCleanup: 'done', removedFiles: [DUMP], droppedControlTable: null });
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails before any SQL on a file name of another run, naming it', async () => {
    const other = 'ORDERS-20261130T020000Z-9F9F-01.DMP';
    const tampered = input({ verdict: { ...input().verdict, files: [file(other, 'dump')] } });

    await expect(cleanUpServer(deps(), tampered)).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringContaining(other),
    });
    expect(sql.scripts).toEqual([]);
  });

  it('fails before any SQL on a file name that carries SQL', async () => {
    const evil = `ORDERS-${RUN}-01.DMP'); EXECUTE IMMEDIATE 'DROP USER HR CASCADE'; --`;
    const tampered = input({ verdict: { ...input().verdict, files: [file(evil, 'dump')] } });

    await expect(cleanUpServer(deps(), tampered)).rejects.toMatchObject({ name: ErrorName.InvalidInput });
    expect(sql.scripts).toEqual([]);
  });
});
