import { describe, expect, it } from 'vitest';
import { ErrorName, OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import { dropDrillSchema, startRestoreDrill } from '../../../../functions/core/drill/restore-drill.js';
import type { DrillStarted } from '../../../../functions/core/drill/restore-drill-payloads.js';
import type { DataPumpJob, ImportRequestBody } from '../../../../functions/core/ords/ords-api.js';
import { OrdsHttpRequestError } from '../../../../functions/core/ords/ords-errors.js';
import type { SqlStatementResult } from '../../../../functions/core/ords/rest-sql.js';
import { job, recordingLogger } from '../../../helpers/job-fakes.js';
import { memoryS3 } from '../../../helpers/memory-s3.js';

const IMPORT_JOB = 'DATAPUMP_REST_IMPORT_20261206021000';
const IMPORT_LOG = 'IMPDAT-20261206021000.LOG';
const ARN = 'arn:aws:states:us-east-1:123456789012:execution:sm:orders_run';
const INTENT_KEY = 'orders/2026/12/06/DATAPUMP_REST_EXPORT_20261206020000/restore-drill-intent.json';
/** The intent record of this drill, its import recorded. */
const INTENT = {
  importIntentVersion: 1,
  executionArn: ARN,
  targetSchemas: ['HR_DRILL'],
  dbUser: 'DBAPI_USER',
  dbTime: '2026-12-06T02:10:00',
  dbOffset: '+00:00',
  jobName: 'DATAPUMP_REST_IMPORT_20261206021000',
  jobSource: 'post',
};
const EXPORT_JOB = {
  owner: 'DBAPI_USER',
  jobName: 'DATAPUMP_REST_EXPORT_20261206020000',
  runId: '20261206T020000Z-1A2B',
  fileName: 'ORDERS-20261206T020000Z-1A2B-A020000-%U.DMP',
  jobMode: 'SCHEMA',
  startedAt: '2026-12-06T02:00:00.000Z',
  adopted: false,
};

const importLog = (ending: string, extra: string[] = []) =>
  [
    'Import: Release 19.0.0.0.0 - Production on Sun Dec 6 02:10:00 2026',
    `Master table "DBAPI_USER"."${IMPORT_JOB}" successfully loaded/unloaded`,
    `Starting "DBAPI_USER"."${IMPORT_JOB}":`,
    'Processing object type SCHEMA_EXPORT/USER',
    'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA',
    '. . imported "HR_DRILL"."EMPLOYEES"                     17.08 KB     107 rows',
    '. . imported "HR_DRILL"."JOBS"                          7.109 KB      19 rows',
    ...extra,
    ending.replace('JOB', `"DBAPI_USER"."${IMPORT_JOB}"`),
  ].join('\n');

/** The export's log: HR's tables and their rows, as the import must bring them back. */
const exportLog = (tables: string[] = ['"EMPLOYEES"   17.08 KB     107', '"JOBS"   7.109 KB      19']) =>
  [
    'Export: Release 19.0.0.0.0 - Production on Sun Dec 6 02:00:00 2026',
    ...tables.map((table) => `. . exported "HR".${table} rows`),
    'Job "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261206020000" successfully completed at Sun Dec 6 02:01:00 2026',
  ].join('\n');

/** ORDS with one import job and REST-enabled SQL answering from a list of users. */
function fakes(options: {
  users?: Record<string, string>;
  log?: string;
  /** The export's log text; null: reading it fails. */
  exportLog?: string | null;
  sqlDisabled?: boolean;
  dropError?: SqlStatementResult;
  dbTime?: string;
  /** The import POST creates the job and the schema, then loses its answer (a reset connection). */
  postAnswerLost?: boolean;
  /** The intent record in the bucket before the step runs. @default none */
  intent?: Record<string, unknown>;
}) {
  const users = new Map(Object.entries(options.users ?? {}));
  const imports: ImportRequestBody[] = [];
  const statements: string[] = [];
  const importJob: DataPumpJob = job({
    jobName: IMPORT_JOB,
    operation: 'IMPORT',
    files: [{ name: IMPORT_LOG }],
  });
  /** Control tables of the user's imports and when the database created them. */
  const tables = new Map<string, string>();
  const s3 = memoryS3();
  if (options.intent) s3.put(INTENT_KEY, options.intent);
  const ords = {
    baseUrl: 'http://127.0.0.1/ords/x/',
    getJob: async (_owner: string, _jobName: string): Promise<DataPumpJob | null> => importJob,
    readLog: async (_owner: string, jobName: string) => {
      if (jobName === EXPORT_JOB.jobName) {
        if (options.exportLog === null)
          throw new OrdsUnavailableError('ORDS answered 503 for the export log');
        return options.exportLog ?? exportLog();
      }
      return options.log ?? importLog('Job JOB successfully completed at Sun Dec 6 02:11:00 2026');
    },
    startImport: async (body: ImportRequestBody) => {
      imports.push(body);
      tables.set(IMPORT_JOB, '2026-12-06T02:10:01');
      users.set(body.remap_schemas[0]!.target, '2026-12-06T02:10:01');
      if (options.postAnswerLost) {
        throw new OrdsUnavailableError('ORDS reset the connection (ECONNRESET) during POST …/import');
      }
      return importJob;
    },
  };
  const sql = {
    runSql: async (list: readonly string[]): Promise<SqlStatementResult[]> => {
      if (options.sqlDisabled) throw new OrdsHttpRequestError('ORDS answered 404 for POST …/_/sql', 404);
      return list.map((statement) => {
        statements.push(statement);
        const dbTime = options.dbTime ?? '2026-12-06T02:10:00';
        if (/FROM user_objects/.test(statement)) {
          const rows = [...tables].map(([job_name, created]) => ({ job_name, created, db_offset: '+00:00' }));
          return { ok: true, statement, rows };
        }
        const query = /username = '([^']+)'/.exec(statement);
        if (query && statement.startsWith('SELECT USER AS db_user')) {
          const created_1 = users.get(query[1]!) ?? null;
          return {
            ok: true,
            statement,
            rows: [{ db_user: 'DBAPI_USER', db_time: dbTime, db_offset: '+00:00', created_1 }],
          };
        }
        if (query) {
          const created = users.get(query[1]!) ?? null;
          return {
            ok: true,
            statement,
            rows: [{ db_time: dbTime, created }],
          };
        }
        if (options.dropError) return options.dropError;
        const name = /DROP USER "([^"]+)"/.exec(statement)?.[1] ?? '';
        users.delete(name);
        return { ok: true, statement };
      });
    },
  };
  const sleeps: number[] = [];
  const sleep = async (milliseconds: number) => {
    sleeps.push(milliseconds);
  };
  const deps = {
    ords,
    sql,
    s3: s3.client,
    bucket: 'backups',
    logger: recordingLogger(),
    now: () => new Date('2026-12-06T02:10:00Z'),
    sleep,
  };
  return { deps, imports, statements, users, sleeps, s3 };
}

const drillBinding = {
  schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' },
  targetSchema: 'hr_drill',
  schema: 'HR',
};
const startInput = {
  database: 'orders',
  job: EXPORT_JOB,
  drill: drillBinding,
  directory: 'DATA_PUMP_DIR',
  exportedSchemas: ['HR'],
  executionArn: ARN,
  intentKey: INTENT_KEY,
};
const started: DrillStarted = {
  job: { ...EXPORT_JOB, jobName: IMPORT_JOB, startedAt: '2026-12-06T02:10:00.000Z', logFileName: IMPORT_LOG },
  schema: 'HR',
  targetSchema: 'HR_DRILL',
  dbTimeAtStart: '2026-12-06T02:10:00',
};

const dropInput = (drill: DrillStarted, serverCleanup: 'off' | 'files-and-control-table' = 'off') => ({
  database: 'orders',
  drill,
  executionArn: ARN,
  intentKey: INTENT_KEY,
  exportJob: EXPORT_JOB,
  serverCleanup,
  directory: 'DATA_PUMP_DIR',
  remover: 'utl-file' as const,
});

describe('startRestoreDrill', () => {
  it("imports this run's dump files with the drilled schema remapped to the drill schema", async () => {
    const { deps, imports, s3 } = fakes({});

    const drill = await startRestoreDrill(deps, startInput);

    expect(imports).toEqual([
      expect.objectContaining({
        file_name: EXPORT_JOB.fileName,
        schema_expressions: [{ expression: "IN ('HR')" }],
        remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }],
      }),
    ]);
    expect(drill).toMatchObject({
      targetSchema: 'HR_DRILL',
      dbTimeAtStart: '2026-12-06T02:10:00',
      job: { jobName: IMPORT_JOB, logFileName: IMPORT_LOG, adopted: false },
    });
    // AND the intent record beside the manifest names this execution and its import
    expect(s3.json(INTENT_KEY)).toMatchObject({ ...INTENT, jobSource: 'post' });
  });

  it('adopts the recorded import of an interrupted earlier attempt, without a second POST', async () => {
    // GIVEN an attempt that started and recorded the import, but was cut off before it returned
    const { deps, imports } = fakes({});
    await startRestoreDrill(deps, startInput);

    // WHEN "Start restore drill" runs again
    const retried = await startRestoreDrill(deps, startInput);

    // THEN it adopts that import and POSTs nothing
    expect(imports).toHaveLength(1);
    expect(retried).toMatchObject({
      targetSchema: 'HR_DRILL',
      job: { jobName: IMPORT_JOB, logFileName: IMPORT_LOG, adopted: true },
      dbTimeAtStart: '2026-12-06T02:10:00',
    });
  });

  it('adopts the import of a POST whose answer was lost, without a second POST', async () => {
    const { deps, imports, s3 } = fakes({ postAnswerLost: true });

    const drill = await startRestoreDrill(deps, startInput);

    expect(imports).toHaveLength(1);
    expect(drill.job).toMatchObject({ jobName: IMPORT_JOB, adopted: true });
    expect(s3.json(INTENT_KEY)).toMatchObject({ jobName: IMPORT_JOB, jobSource: 'adopted' });
  });

  it('fails retryably after a lost POST answer when no import of this run appears', async () => {
    // GIVEN a POST that lost its answer and created nothing
    const { deps, imports, sleeps } = fakes({});
    deps.ords.startImport = async (body) => {
      imports.push(body);
      throw new OrdsUnavailableError('ORDS did not answer within 60 s (POST …/import)');
    };

    await expect(startRestoreDrill(deps, startInput)).rejects.toMatchObject({
      name: ErrorName.OrdsUnavailable,
      message: expect.stringMatching(/nothing was started/),
    });
    expect(sleeps.length).toBeGreaterThan(0);
  });

  it('fails without importing when the drill schema already exists, saying to drop it or pick another', async () => {
    const { deps, imports } = fakes({ users: { HR_DRILL: '2025-01-01T00:00:00' } });

    await expect(startRestoreDrill(deps, startInput)).rejects.toMatchObject({
      name: ErrorName.ImportNotOwned,
      message: expect.stringMatching(/HR_DRILL already exists.*DROP USER "HR_DRILL" CASCADE.*another name/s),
    });
    expect(imports).toEqual([]);
  });

  it('fails with how to enable REST-enabled SQL when it answers 404', async () => {
    const { deps, imports } = fakes({ sqlDisabled: true });

    await expect(startRestoreDrill(deps, startInput)).rejects.toThrow(/restEnabledSql\.active/);
    expect(imports).toEqual([]);
  });

  it('refuses a target that is one of the exported schemas', async () => {
    const { deps } = fakes({});

    await expect(
      startRestoreDrill(deps, { ...startInput, drill: { ...drillBinding, targetSchema: 'HR' } }),
    ).rejects.toThrow(/exported schemas/);
  });
});

describe('dropDrillSchema', () => {
  it('reads the verdict and counts with the export parser, then drops the schema the import created', async () => {
    const { deps, statements, users } = fakes({ intent: INTENT, users: { HR_DRILL: '2026-12-06T02:10:01' } });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome).toMatchObject({ verdict: 'succeeded', tables: 2, rows: 126, schemaDropped: true });
    expect(statements).toContain('DROP USER "HR_DRILL" CASCADE');
    expect(users.has('HR_DRILL')).toBe(false);
  });

  it('lists every table with its exported and imported rows when they match', async () => {
    const { deps } = fakes({ intent: INTENT, users: { HR_DRILL: '2026-12-06T02:10:01' } });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome).toMatchObject({
      mismatchCount: 0,
      mismatches: [],
      tableRowsTruncated: false,
      tableRows: [
        { table: 'EMPLOYEES', exported: 107, imported: 107 },
        { table: 'JOBS', exported: 19, imported: 19 },
      ],
    });
    expect(outcome.rowsUnchecked).toBeUndefined();
  });

  it('names a table that came back short, one missing from the import, and one the export never had', async () => {
    // GIVEN an export of EMPLOYEES (108 rows), JOBS and REGIONS; the import loads 107, 19 and COUNTRIES
    const { deps } = fakes({
      users: { HR_DRILL: '2026-12-06T02:10:01' },
      exportLog: exportLog([
        '"EMPLOYEES"   17.08 KB     108',
        '"JOBS"   7.109 KB      19',
        '"REGIONS"   5.546 KB       4',
      ]),
      log: importLog('Job JOB successfully completed at Sun Dec 6 02:11:00 2026', [
        '. . imported "HR_DRILL"."COUNTRIES"                     6.367 KB      25 rows',
      ]),
    });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome.mismatchCount).toBe(3);
    expect(outcome.mismatches).toEqual([
      'HR_DRILL.COUNTRIES: 25 row(s) imported, but the export log lists no table HR.COUNTRIES',
      'HR.EMPLOYEES: 108 row(s) exported, 107 imported into HR_DRILL.EMPLOYEES',
      'HR.REGIONS: 4 row(s) exported, but the import log shows no table HR_DRILL.REGIONS',
    ]);
    expect(outcome.tableRows).toContainEqual({ table: 'JOBS', exported: 19, imported: 19 });
  });

  it('sums the partitions of a table on both sides', async () => {
    const { deps } = fakes({
      users: { HR_DRILL: '2026-12-06T02:10:01' },
      exportLog: exportLog([
        '"EMPLOYEES":"P1"   17.08 KB     100',
        '"EMPLOYEES":"P2"   1 KB     7',
        '"JOBS"   7.109 KB      19',
      ]),
    });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome.mismatchCount).toBe(0);
    expect(outcome.tableRows).toContainEqual({ table: 'EMPLOYEES', exported: 107, imported: 107 });
  });

  it('says the rows are unchecked when the export log cannot be read', async () => {
    const { deps } = fakes({ intent: INTENT, users: { HR_DRILL: '2026-12-06T02:10:01' }, exportLog: null });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome.rowsUnchecked).toMatch(/export's log could not be read.*503/);
    expect(outcome.tableRows).toBeUndefined();
  });

  it('never drops a schema created before the drill started', async () => {
    const { deps, statements, users } = fakes({ intent: INTENT, users: { HR_DRILL: '2026-12-06T02:09:59' } });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome.schemaDropped).toBe(false);
    expect(outcome.dropReason).toMatch(/before this import's intent.*not the import's own schema/);
    expect(statements.some((statement) => statement.startsWith('DROP'))).toBe(false);
    expect(users.has('HR_DRILL')).toBe(true);
  });

  it('never drops a schema the import log says existed already when it ran (another import created it)', async () => {
    // GIVEN a recorded import that found HR_DRILL already there, created after the intent by someone else
    const log = importLog('Job JOB completed with 1 error(s) at Sun Dec 6 02:11:00 2026', [
      'ORA-31684: Object type USER:"HR_DRILL" already exists',
    ]);
    const { deps, statements, users } = fakes({
      intent: INTENT,
      log,
      users: { HR_DRILL: '2026-12-06T02:10:01' },
    });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome.schemaDropped).toBe(false);
    expect(outcome.dropReason).toMatch(/already existed when import .* ran \(ORA-31684\)/);
    expect(statements.some((statement) => statement.startsWith('DROP USER'))).toBe(false);
    expect(users.has('HR_DRILL')).toBe(true);
  });

  it('never drops a schema without the intent record that names its import', async () => {
    const { deps, statements } = fakes({ users: { HR_DRILL: '2026-12-06T02:10:01' } });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome).toMatchObject({
      schemaDropped: false,
      dropReason: expect.stringMatching(/no intent record/),
    });
    expect(statements.some((statement) => statement.startsWith('DROP USER'))).toBe(false);
  });

  it('fails the drop, without a DROP, when the schema did not exist after the import', async () => {
    // GIVEN an import whose log says success, but the drill schema never existed
    const { deps, statements } = fakes({ intent: INTENT });

    // WHEN the drill schema is dropped
    const outcome = await dropDrillSchema(deps, dropInput(started));

    // THEN nothing proves the data came back: not counted as dropped, no DROP sent
    expect(outcome).toMatchObject({ verdict: 'succeeded', schemaDropped: false });
    expect(outcome.dropReason).toContain('HR_DRILL did not exist after the import');
    expect(statements.some((statement) => statement.startsWith('DROP'))).toBe(false);
  });

  it('fails the drop when the schema still exists after DROP USER answered success', async () => {
    // GIVEN a database that answers DROP USER with success but keeps the schema
    const { deps, users } = fakes({ intent: INTENT, users: { HR_DRILL: '2026-12-06T02:10:01' } });
    const runSql = deps.sql.runSql.bind(deps.sql);
    deps.sql.runSql = async (statements: readonly string[]) => {
      const results = await runSql(statements);
      if (statements.some((statement) => statement.startsWith('DROP USER')))
        users.set('HR_DRILL', '2026-12-06T02:10:01');
      return results;
    };

    // WHEN the drill schema is dropped
    const outcome = await dropDrillSchema(deps, dropInput(started));

    // THEN it is not counted as dropped
    expect(outcome.schemaDropped).toBe(false);
    expect(outcome.dropReason).toContain('HR_DRILL still exists after DROP USER');
  });

  it('reads "completed with errors" as such, with its ORA- lines', async () => {
    const log = importLog('Job JOB completed with 1 error(s) at Sun Dec 6 02:11:00 2026', [
      'ORA-39083: Object type PROCEDURE:"HR_DRILL"."ADD_JOB_HISTORY" failed to create with error:',
    ]);
    const { deps } = fakes({ log, users: { HR_DRILL: '2026-12-06T02:10:01' } });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome.verdict).toBe('completed-with-errors');
    expect(outcome.errors).toEqual([expect.stringMatching(/^ORA-39083/)]);
  });

  it('reports a DROP USER that failed inside the 200 answer', async () => {
    const dropError = {
      ok: false as const,
      statement: 'DROP USER "HR_DRILL" CASCADE',
      errorCode: 1031,
      errorDetails: 'ORA-01031: insufficient privileges',
    };
    const { deps } = fakes({ intent: INTENT, users: { HR_DRILL: '2026-12-06T02:10:01' }, dropError });

    const outcome = await dropDrillSchema(deps, dropInput(started));

    expect(outcome).toMatchObject({ schemaDropped: false, dropReason: expect.stringMatching(/ORA-01031/) });
  });

  it('refuses a tampered drill schema name in the state', async () => {
    const { deps } = fakes({});

    await expect(dropDrillSchema(deps, dropInput({ ...started, targetSchema: 'SYS' }))).rejects.toThrow(
      /Refusing "SYS"/,
    );
  });

  it("removes the import's own log and control table as the server cleanup would", async () => {
    const { deps, statements } = fakes({ intent: INTENT, users: { HR_DRILL: '2026-12-06T02:10:01' } });

    const outcome = await dropDrillSchema(deps, dropInput(started, 'files-and-control-table'));

    expect(outcome.importLeft).toBeUndefined();
    expect(statements).toEqual(
      expect.arrayContaining([
        `BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${IMPORT_LOG}'); END;`,
        `DROP TABLE "DBAPI_USER"."${IMPORT_JOB}" PURGE`,
      ]),
    );
  });
});
