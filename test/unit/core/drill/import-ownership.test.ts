import { describe, expect, it } from 'vitest';
import { ErrorName, OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import {
  schemaOwnershipProblem,
  startOwnedImport,
} from '../../../../functions/core/drill/import-ownership.js';
import type { DataPumpJob } from '../../../../functions/core/ords/ords-api.js';
import type { SqlStatementResult } from '../../../../functions/core/ords/rest-sql.js';
import { job, recordingLogger } from '../../../helpers/job-fakes.js';
import { memoryS3 } from '../../../helpers/memory-s3.js';

const KEY = 'p/orders/2026/12/06/DATAPUMP_REST_EXPORT_20261206020000/restore-drill-intent.json';
const ARN = 'arn:aws:states:us-east-1:123456789012:execution:sm:orders_run';
const OURS = 'DATAPUMP_REST_IMPORT_20261206021000';

/**
 * A database as REST-enabled SQL shows it: its clock (local text and offset), its users and the
 * control tables of the session user's imports; ORDS serves those imports' jobs and logs.
 */
function database(options: { time?: string; offset?: string } = {}) {
  const clock = { time: options.time ?? '2026-12-06T02:10:00', offset: options.offset ?? '+00:00' };
  const users = new Map<string, string>();
  const tables = new Map<string, string>();
  const logs = new Map<string, string>();
  const statements: string[] = [];
  const sql = {
    runSql: async (list: readonly string[]): Promise<SqlStatementResult[]> =>
      list.map((statement) => {
        statements.push(statement);
        if (/FROM user_objects/.test(statement)) {
          const rows = [...tables].map(([job_name, created]) => ({
            job_name,
            created,
            db_offset: clock.offset,
          }));
          return { ok: true, statement, rows };
        }
        const targets = [...statement.matchAll(/username = '([^']+)'/g)].map((match) => match[1]!);
        const row: Record<string, unknown> = {
          db_user: 'DBAPI_USER',
          db_time: clock.time,
          db_offset: clock.offset,
        };
        targets.forEach((target, index) => {
          row[`created_${index + 1}`] = users.get(target) ?? null;
        });
        return { ok: true, statement, rows: [row] };
      }),
  };
  const ords = {
    getJob: async (_owner: string, jobName: string): Promise<DataPumpJob | null> =>
      tables.has(jobName) ? job({ jobName, operation: 'IMPORT', files: [{ name: `${jobName}.LOG` }] }) : null,
    readLog: async (_owner: string, jobName: string) => logs.get(jobName) ?? '',
  };
  /** An import the database runs: its control table, and its target user, created now. */
  const importInto = (jobName: string, target: string) => {
    tables.set(jobName, clock.time);
    if (!users.has(target)) users.set(target, clock.time);
    logs.set(
      jobName,
      `Starting "DBAPI_USER"."${jobName}":\n. . imported "${target}"."EMPLOYEES"  17 KB  107 rows`,
    );
    return job({ jobName, operation: 'IMPORT', files: [{ name: `${jobName}.LOG` }] });
  };
  return { clock, users, tables, logs, statements, sql, ords, importInto };
}

function setup(options: { time?: string; offset?: string } = {}) {
  const db = database(options);
  const s3 = memoryS3();
  const posts: string[] = [];
  const deps = {
    s3: s3.client,
    bucket: 'backups',
    sql: db.sql,
    ords: db.ords,
    logger: recordingLogger(),
    sleep: async () => {},
  };
  const request = (start?: () => Promise<DataPumpJob>) => ({
    key: KEY,
    executionArn: ARN,
    targetSchemas: ['hr_drill'],
    subject: 'The restore drill of database "orders"',
    relistDelaysMs: [1, 1],
    start:
      start ??
      (async () => {
        posts.push(OURS);
        return db.importInto(OURS, 'HR_DRILL');
      }),
  });
  return { db, s3, posts, deps, request };
}

const lostAnswer = (db: ReturnType<typeof database>, posts: string[]) => async () => {
  posts.push(OURS);
  db.importInto(OURS, 'HR_DRILL');
  throw new OrdsUnavailableError('ORDS reset the connection (ECONNRESET) during POST …/import');
};

describe('startOwnedImport', () => {
  it('writes the intent with If-None-Match before the POST, then records the job with If-Match', async () => {
    const { db, s3, posts, deps, request } = setup({ time: '2026-12-06T11:10:00', offset: '+09:00' });

    const owned = await startOwnedImport(deps, request());

    expect(owned).toMatchObject({ adopted: false, job: { jobName: OURS } });
    expect(posts).toEqual([OURS]);
    expect(s3.puts.map((put) => [put.ifNoneMatch, put.ifMatch])).toEqual([
      ['*', undefined],
      [undefined, '"1"'],
    ]);
    // The intent holds the user ORDS runs as and the database clock, read before the POST
    expect(JSON.parse(s3.puts[0]!.body)).toMatchObject({
      executionArn: ARN,
      targetSchemas: ['HR_DRILL'],
      dbUser: 'DBAPI_USER',
      dbTime: '2026-12-06T11:10:00',
      dbOffset: '+09:00',
      jobName: null,
    });
    expect(s3.json(KEY)).toMatchObject({ jobName: OURS, jobSource: 'post' });
    expect(db.statements[0]).toMatch(/SELECT USER AS db_user, TO_CHAR\(SYSDATE/);
  });

  it('fails without an intent or a POST when the target schema already exists', async () => {
    const { db, s3, posts, deps, request } = setup();
    db.users.set('HR_DRILL', '2025-01-01T00:00:00');

    const attempt = startOwnedImport(deps, request());

    await expect(attempt).rejects.toMatchObject({ name: ErrorName.ImportNotOwned });
    await expect(attempt).rejects.toThrow(/schema HR_DRILL already exists \(created 2025-01-01T00:00:00\)/);
    expect(posts).toEqual([]);
    expect(s3.puts).toEqual([]);
  });

  it('adopts only the recorded job on a retry, without a second POST', async () => {
    const { db, posts, deps, request } = setup();
    await startOwnedImport(deps, request());
    // A foreign import of the same user appears after ours
    db.importInto('DATAPUMP_REST_IMPORT_20261206021005', 'HR_DRILL');

    const retry = await startOwnedImport(deps, request());

    expect(retry).toMatchObject({ adopted: true, job: { jobName: OURS } });
    expect(posts).toEqual([OURS]);
  });

  it('adopts the single import created since the intent when the POST answer was lost', async () => {
    const { db, s3, posts, deps, request } = setup();

    const owned = await startOwnedImport(deps, request(lostAnswer(db, posts)));

    expect(owned).toMatchObject({ adopted: true, job: { jobName: OURS } });
    expect(posts).toHaveLength(1);
    expect(s3.json(KEY)).toMatchObject({ jobName: OURS, jobSource: 'adopted' });
  });

  it('adopts after a lost answer on the night the clock turns back, comparing in the database clock', async () => {
    // GIVEN an intent at 01:50 EDT (05:50Z) and the import created at 01:05 EST (06:05Z)
    const { db, posts, deps, request } = setup({ time: '2026-11-01T01:50:00', offset: '-04:00' });
    const start = async () => {
      Object.assign(db.clock, { time: '2026-11-01T01:05:00', offset: '-05:00' });
      return lostAnswer(db, posts)();
    };

    const owned = await startOwnedImport(deps, request(start));

    expect(owned).toMatchObject({ adopted: true, job: { jobName: OURS } });
  });

  it('refuses, naming both, when two imports were created since the intent and none is recorded', async () => {
    const { db, s3, posts, deps, request } = setup();
    const start = async () => {
      db.importInto('DATAPUMP_REST_IMPORT_20261206020959', 'HR_DRILL');
      return lostAnswer(db, posts)();
    };

    const attempt = startOwnedImport(deps, request(start));

    await expect(attempt).rejects.toMatchObject({ name: ErrorName.ImportNotOwned });
    await expect(attempt).rejects.toThrow(
      /2 imports were created since its intent.*20261206020959.*20261206021000/,
    );
    expect(s3.json(KEY)).toMatchObject({ jobName: null });
  });

  it('refuses the one import since the intent when its log imports into another schema', async () => {
    const { db, posts, deps, request } = setup();
    const start = async () => {
      posts.push(OURS);
      db.importInto(OURS, 'PAYROLL');
      throw new OrdsUnavailableError('ORDS answered 504');
    };

    await expect(startOwnedImport(deps, request(start))).rejects.toThrow(
      /imports into PAYROLL, not into HR_DRILL/,
    );
  });

  it('never adopts an import created before the intent: it POSTs its own', async () => {
    const { db, posts, deps, request } = setup();
    db.tables.set('DATAPUMP_REST_IMPORT_20261206020500', '2026-12-06T02:05:00');

    const owned = await startOwnedImport(deps, request());

    expect(owned).toMatchObject({ adopted: false, job: { jobName: OURS } });
    expect(posts).toEqual([OURS]);
  });

  it("refuses another execution's intent record", async () => {
    const { s3, posts, deps, request } = setup();
    s3.put(KEY, {
      importIntentVersion: 1,
      executionArn: `${ARN}_other`,
      targetSchemas: ['HR_DRILL'],
      dbUser: 'DBAPI_USER',
      dbTime: '2026-12-06T02:00:00',
      dbOffset: '+00:00',
      jobName: null,
      jobSource: null,
    });

    await expect(startOwnedImport(deps, request())).rejects.toThrow(/belongs to execution .*_other/);
    expect(posts).toEqual([]);
  });

  it('refuses a schema that appeared after the intent with no import to own it', async () => {
    const { db, posts, deps, request } = setup();
    await expect(
      startOwnedImport(
        deps,
        request(async () => Promise.reject(new Error('ORDS answered 400'))),
      ),
    ).rejects.toThrow(/400/);
    db.users.set('HR_DRILL', '2026-12-06T02:11:00');

    await expect(startOwnedImport(deps, request())).rejects.toThrow(
      /HR_DRILL already exists .* although no import of DBAPI_USER was created since/,
    );
    expect(posts).toEqual([]);
  });

  it('fails retryably when the POST answer was lost and no import appeared', async () => {
    const { deps, request } = setup();
    const start = async () => Promise.reject(new OrdsUnavailableError('ORDS answered 502'));

    await expect(startOwnedImport(deps, request(start))).rejects.toMatchObject({
      name: ErrorName.OrdsUnavailable,
    });
  });
});

describe('schemaOwnershipProblem', () => {
  const check = { key: KEY, executionArn: ARN, target: 'HR_DRILL', jobName: OURS };

  it('proves a schema created by the recorded import after the intent', async () => {
    const { deps, request } = setup({ time: '2026-12-06T21:10:00', offset: '-05:00' });
    await startOwnedImport(deps, request());

    expect(await schemaOwnershipProblem(deps, check)).toBeNull();
  });

  it('refuses a schema created before the intent, in the database clock', async () => {
    const { db, deps, request } = setup();
    await startOwnedImport(deps, request());
    db.users.set('HR_DRILL', '2026-12-06T02:09:59');

    expect(await schemaOwnershipProblem(deps, check)).toMatch(
      /created 2026-12-06T02:09:59, before this import's intent/,
    );
  });

  it('refuses without an intent record, or for a job it does not record', async () => {
    const { deps, request } = setup();
    expect(await schemaOwnershipProblem(deps, check)).toMatch(/no intent record/);
    await startOwnedImport(deps, request());
    expect(
      await schemaOwnershipProblem(deps, { ...check, jobName: 'DATAPUMP_REST_IMPORT_20261206021005' }),
    ).toMatch(/records import DATAPUMP_REST_IMPORT_20261206021000, not/);
  });

  it('says absent when the schema does not exist', async () => {
    const { db, deps, request } = setup();
    await startOwnedImport(deps, request());
    db.users.delete('HR_DRILL');

    expect(await schemaOwnershipProblem(deps, check)).toBe('absent');
  });
});

describe('the intent record as read back', () => {
  it('refuses a tampered record whose job name is not an ORDS import name, and drops nothing', async () => {
    const { s3, posts, deps, request } = setup();
    s3.put(KEY, {
      importIntentVersion: 1,
      executionArn: ARN,
      targetSchemas: ['HR_DRILL'],
      dbUser: 'DBAPI_USER',
      dbTime: '2026-12-06T02:00:00',
      dbOffset: '+00:00',
      jobName: '../SYSTEM,SYS_EXPORT_FULL_01',
      jobSource: 'post',
    });

    await expect(startOwnedImport(deps, request())).rejects.toThrow(
      /not an import intent record this version reads/,
    );
    await expect(
      schemaOwnershipProblem(deps, { key: KEY, executionArn: ARN, target: 'HR_DRILL', jobName: OURS }),
    ).rejects.toThrow(/not an import intent record/);
    expect(posts).toEqual([]);
  });
});
