import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import type { RestoreDrillResult } from '../../functions/core/drill/restore-drill-payloads.js';
import type { LocalRunResult } from '../../local/local-run.js';
import { type Harness, startHarness } from './harness.js';

describe('restore drill through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() =>
    h.simulator.configure({
      dumpFiles: 2,
      dumpFileBytes: 4096,
      restSql: true,
      importOutcome: 'success',
      importMissesTable: false,
      postHangAfterCreate: false,
    }),
  );

  const drillOf = (result: LocalRunResult) =>
    (result.output as { restoreDrill: RestoreDrillResult }).restoreDrill;
  const users = () => h.simulator.users().map((user) => user.username);
  const imports = () => h.simulator.jobs().filter((job) => job.operation === 'IMPORT');
  const readJson = async (key: string) => JSON.parse((await h.read(key)).toString('utf8'));
  /** The folder of the newest manifest in the bucket (a failed execution's output carries none). */
  const newestFolder = async () => {
    const manifests = (await h.keys()).filter((key) => key.endsWith('/manifest.json')).sort();
    return manifests.at(-1)!.replace(/manifest\.json$/, '');
  };

  it("imports this run's dump with the remap, records restore-drill.json, drops the drill schema, then cleans up", async () => {
    const before = imports().length;

    const result = await h.run({ restoreDrill: 'HR_DRILL' });

    // THEN the backup is complete and stored as served
    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    // AND one import read exactly this run's dump files, HR remapped to HR_DRILL
    const [drillImport] = imports().slice(before);
    expect(imports().slice(before)).toHaveLength(1);
    expect(drillImport!.requestBody).toMatchObject({
      file_name: result.manifest!.dumpFile,
      schema_expressions: [{ expression: "IN ('HR')" }],
      remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }],
    });
    // AND the import carries no `filter`, which Oracle documents for exports only
    expect(drillImport!.requestBody).not.toHaveProperty('filter');
    expect(drillImport!.logText).toMatch(/imported "HR_DRILL"\."EMPLOYEES"/);
    // AND the drill succeeded, its schema is gone, and it is recorded beside the manifest
    expect(drillOf(result)).toMatchObject({ succeeded: true, schemaDropped: true, tables: 7, rows: 215 });
    expect(users()).not.toContain('HR_DRILL');
    // AND the import's own control table is dropped, as the cleanup drops the export's
    expect(drillImport!.dropped).toBe(true);
    const folder = await newestFolder();
    expect(await readJson(`${folder}restore-drill.json`)).toMatchObject({
      succeeded: true,
      importJobName: drillImport!.jobName,
      targetSchema: 'HR_DRILL',
    });
    expect(await readJson('orders/last-restore-drill.json')).toMatchObject({ succeeded: true });
    // AND the cleanup ran after the drill
    expect((result.output as { serverCleanup: { serverCleanup: string } }).serverCleanup.serverCleanup).toBe(
      'done',
    );
  });

  it('adopts its import when the import POST loses its answer, and the drill succeeds', async () => {
    // GIVEN an ORDS that starts the import but resets the connection instead of answering
    h.simulator.configure({ postHangAfterCreate: { count: 1, destroyAfterMs: 50, operation: 'IMPORT' } });
    const before = imports().length;

    // WHEN a drill night runs
    const result = await h.run({ restoreDrill: 'HR_DRILL' });

    // THEN exactly one import ran, and the drill read its verdict and dropped its schema
    expect(result.status).toBe('SUCCEEDED');
    const hung = h.simulator.requests.filter((request) => request.fault === 'hang');
    expect(hung.map((request) => request.path.replace(/^.*\//, ''))).toEqual(['import']);
    expect(imports().slice(before)).toHaveLength(1);
    expect(drillOf(result)).toMatchObject({
      succeeded: true,
      schemaDropped: true,
      importJobName: imports().at(-1)!.jobName,
    });
    expect(users()).not.toContain('HR_DRILL');
  });

  it('fails the drill loudly when the import brings back one table short, naming it in the console and restore-drill.json', async () => {
    // GIVEN an import that loads every table of HR but REGIONS, and says it succeeded
    h.simulator.configure({ importMissesTable: true });

    const result = await h.run({ restoreDrill: 'HR_DRILL' });

    // THEN the execution fails with the table in its cause, and the backup stays stored
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreDrillFailed);
    expect(result.cause).toContain('1 table(s) did not come back with the rows exported');
    expect(result.cause).toContain(
      'HR.REGIONS: 4 row(s) exported, but the import log shows no table HR_DRILL.REGIONS',
    );
    const folder = await newestFolder();
    expect((await readJson(`${folder}manifest.json`)).verdict).toBe('succeeded');
    // AND restore-drill.json lists every table with its exported and imported rows
    const report = await readJson(`${folder}restore-drill.json`);
    expect(report).toMatchObject({ succeeded: false, verdict: 'succeeded', mismatchCount: 1 });
    expect(report.tableRows).toHaveLength(7);
    expect(report.tableRows).toContainEqual({ table: 'EMPLOYEES', exported: 107, imported: 107 });
    expect(report.tableRows).toContainEqual({ table: 'REGIONS', exported: 4, imported: null });
    // AND the drill's own schema is dropped all the same
    expect(users()).not.toContain('HR_DRILL');
  });

  it('ends in "Restore drill failed" when the import fails, with manifest.json still stored', async () => {
    h.simulator.configure({ importOutcome: 'fatal' });

    const result = await h.run({ restoreDrill: 'HR_DRILL' });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreDrillFailed);
    expect(result.cause).toMatch(/stopped due to fatal error/);
    expect(result.cause).toMatch(/The backup itself is stored/);
    const folder = await newestFolder();
    const manifest = await readJson(`${folder}manifest.json`);
    expect(manifest.verdict).toBe('succeeded');
    expect(await readJson(`${folder}restore-drill.json`)).toMatchObject({
      succeeded: false,
      verdict: 'failed',
    });
    // The import created the schema before it failed: the drill dropped it all the same.
    expect(users()).not.toContain('HR_DRILL');
    expect(
      result.events.some((event) => event.type === 'StateEntered' && event.state.name === 'Clean up server'),
    ).toBe(true);
  });

  it('fails loudly when REST-enabled SQL is off, starting no import and keeping the backup', async () => {
    h.simulator.configure({ restSql: false });
    const before = imports().length;

    const result = await h.run({ restoreDrill: 'HR_DRILL' });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreDrillFailed);
    expect(result.cause).toMatch(/restEnabledSql\.active/);
    expect(imports()).toHaveLength(before);
    const folder = await newestFolder();
    expect((await readJson(`${folder}manifest.json`)).verdict).toBe('succeeded');
  });

  it('never imports into nor drops a schema that existed before the drill', async () => {
    // GIVEN a drill pointed at an existing schema (the ORDS user's own)
    const before = imports().length;
    const requestsBefore = h.simulator.requests.length;

    const result = await h.run({ restoreDrill: 'DBAPI_USER' });

    // THEN the drill refuses to start, the schema stays, and the backup is stored
    expect(result.status).toBe('FAILED');
    expect(result.cause).toMatch(/DBAPI_USER already exists/);
    expect(result.cause).toMatch(/another name/);
    expect(imports()).toHaveLength(before);
    expect(users()).toContain('DBAPI_USER');
    const sql = h.simulator.requests
      .slice(requestsBefore)
      .filter((request) => request.path.endsWith('/_/sql'));
    expect(sql.some((request) => /DROP USER/.test(request.body ?? ''))).toBe(false);
  });
});
