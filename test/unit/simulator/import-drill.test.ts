import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OrdsSimulator, startOrdsSimulator } from '../../../simulator/index.js';
import { call, datapump, linksOf, pollUntilFinished, postExport } from './http.js';

const TEMPLATE = 'ORDERS-20261201T020000Z-1A2B-%U.DMP';
const DUMP = 'ORDERS-20261201T020000Z-1A2B-01.DMP';
const QUERY = (name: string) =>
  `SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD"T"HH24:MI:SS') AS db_time, (SELECT TO_CHAR(created, 'YYYY-MM-DD"T"HH24:MI:SS') FROM all_users WHERE username = '${name}') AS created FROM dual;`;

let sim: OrdsSimulator;

function runSql(script: string) {
  return call(`${sim.url}_/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ statementText: script }),
  });
}

function postImport(body: Record<string, unknown>) {
  return call(`${datapump(sim)}import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Imports the export's dump set and returns its finished log text. */
async function importAndRead(body: Record<string, unknown>): Promise<string> {
  const created = await postImport({ file_name: TEMPLATE, ...body });
  expect(created.status).toBe(201);
  const jobUrl = created.headers.location as string;
  const finished = await pollUntilFinished(jobUrl);
  const log = linksOf(finished).find((link) => /\.LOG$/i.test(link.href));
  expect(log).toBeDefined();
  return (await call(log!.href)).text;
}

type Row = { db_time: string; created: string | null };
type Items = { items: Array<{ errorCode?: number; errorDetails?: string; resultSet?: { items: Row[] } }> };

beforeEach(async () => {
  sim = await startOrdsSimulator({ dumpFiles: 1 });
  await pollUntilFinished((await postExport(sim, { file_name: TEMPLATE })).headers.location as string);
});

afterEach(async () => {
  await sim.stop();
});

describe('import jobs (restore drills)', () => {
  it('imports the dump with remap_schemas: the log names the target schema and the target user exists', async () => {
    // WHEN the export's dump set is imported with HR remapped to HR_DRILL
    const log = await importAndRead({
      schema_expressions: [{ expression: "IN ('HR')" }],
      remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }],
    });

    // THEN the log reads like Data Pump's, and the user exists
    expect(log).toMatch(/^Processing object type SCHEMA_EXPORT\/USER$/m);
    expect(log).toMatch(/^\. \. imported "HR_DRILL"\."EMPLOYEES"\s+17\.08 KB\s+107 rows$/m);
    expect(log).not.toMatch(/imported "HR"\./);
    expect(log).toMatch(/^Job "DBAPI_USER"\."DATAPUMP_REST_IMPORT_\d{14}" successfully completed at /m);
    expect(sim.users().map((user) => user.username)).toContain('HR_DRILL');
  });

  it('completes with errors when the target user exists already', async () => {
    const log = await importAndRead({ remap_schemas: [{ source: 'HR', target: 'SYSTEM' }] });

    expect(log).toMatch(/ORA-31684: Object type USER:"SYSTEM" already exists/);
    expect(log).toMatch(/completed with \d+ error\(s\) at/);
  });

  it('completes with errors for schema_expressions that name no schema of the dump', async () => {
    const log = await importAndRead({
      schema_expressions: [{ expression: "= 'SCOTT'" }],
      remap_schemas: [{ source: 'SCOTT', target: 'X' }],
    });

    expect(log).toMatch(/ORA-39165: Schema SCOTT was not found\./);
    expect(log).toMatch(/completed with \d+ error\(s\) at/);
    expect(sim.users().map((user) => user.username)).not.toContain('X');
  });

  it('ignores filter on an import, as ORDS ignores keys it does not document: every schema is loaded', async () => {
    // GIVEN an import naming a schema that is not in the dump through the export-only `filter`
    const log = await importAndRead({
      filter: 'SCOTT',
      remap_schemas: [{ source: 'HR', target: 'HR_COPY' }],
    });

    // THEN the filter had no effect: HR (the dump's schema) is loaded
    expect(log).not.toMatch(/ORA-39165/);
    expect(log).toMatch(/imported "HR_COPY"\."EMPLOYEES"/);
  });

  it('refuses schema_expressions that are not a list of expressions', async () => {
    const created = await postImport({ file_name: TEMPLATE, schema_expressions: 'HR' });

    expect(created.status).toBe(400);
    expect(created.text).toContain('schema_expressions');
  });

  it('fails the import with importOutcome fatal, leaving the created user behind', async () => {
    sim.configure({ importOutcome: 'fatal' });

    const log = await importAndRead({ remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }] });

    expect(log).toMatch(/stopped due to fatal error at/);
    expect(sim.users().map((user) => user.username)).toContain('HR_DRILL');
  });

  it('refuses an import of files removed from the directory (ORA-31640)', async () => {
    await runSql(`BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${DUMP}'); END;\n/`);

    const created = await postImport({ file_name: TEMPLATE });

    expect(created.status).toBe(400);
    expect(created.text).toMatch(/ORA-31640/);
  });

  it('refuses remap_schemas that is not a list of source and target', async () => {
    const created = await postImport({ file_name: TEMPLATE, remap_schemas: { HR: 'X' } });

    expect(created.status).toBe(400);
    expect(created.text).toMatch(/remap_schemas/);
  });
});

describe('REST-enabled SQL for drill schemas', () => {
  it('answers the user query with the database clock, and null for a user that does not exist', async () => {
    const answer = await runSql(QUERY('HR_DRILL'));

    expect(answer.status).toBe(200);
    const row = answer.json<Items>().items[0]!.resultSet!.items[0]!;
    expect(row.db_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(row.created).toBeNull();
  });

  it('shows the creation time of a user an import created, then drops it with DROP USER … CASCADE', async () => {
    await importAndRead({ remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }] });
    const row = (await runSql(QUERY('HR_DRILL'))).json<Items>().items[0]!.resultSet!.items[0]!;
    expect(row.created).not.toBeNull();

    const dropped = await runSql('DROP USER "HR_DRILL" CASCADE;');

    expect(dropped.json<Items>().items[0]).not.toHaveProperty('errorCode');
    expect(sim.users().map((user) => user.username)).not.toContain('HR_DRILL');
  });

  it('answers ORA-01918 inside a 200 when the user does not exist', async () => {
    const dropped = await runSql('DROP USER "NOBODY" CASCADE;');

    expect(dropped.status).toBe(200);
    expect(dropped.json<Items>().items[0]).toMatchObject({ errorCode: 1918 });
    expect(dropped.json<Items>().items[0]!.errorDetails).toMatch(/^ORA-01918: user 'NOBODY' does not exist/);
  });

  it('answers an injected error for DROP USER (a missing grant)', async () => {
    sim.configure({
      restSqlError: { statement: 'drop-user', code: 1031, message: 'ORA-01031: insufficient privileges' },
    });

    const dropped = await runSql('DROP USER "HR" CASCADE;');

    expect(dropped.json<Items>().items[0]).toMatchObject({ errorCode: 1031 });
    expect(sim.users().map((user) => user.username)).toContain('HR');
  });
});
