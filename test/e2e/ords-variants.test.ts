import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import type { ServerCleanupResult } from '../../functions/core/state/index.js';
import { type Harness, startHarness } from './harness.js';

/** Settings that every test starts from: an ORDS as this project's simulator reads the docs. */
const PLAIN = {
  linkBasePath: undefined,
  logLanguage: 'en',
  endStateInState: false,
  listNoise: {},
  pageLimit: 25,
  ignoreOffset: false,
  jobAppearsAfterMs: 0,
  ignoreKeepMaster: false,
  refuseKeepMaster: false,
  ignoreFileName: false,
  servesDroppedJobFiles: false,
  postHangAfterCreate: false,
  unknownState: undefined,
  includeJobState: true,
  importLogLink: true,
  restSqlError: undefined,
  sessionRoles: ['DATAPUMP_EXP_FULL_DATABASE', 'DATAPUMP_IMP_FULL_DATABASE'],
  contentLength: true,
  range: true,
  restSql: true,
} as const;

describe('ORDS variants seen in the field, through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dumpFiles: 2, dumpFileBytes: 256 * 1024 });
  });
  afterAll(() => h.stop());
  let database = 0;
  const run = (options: Parameters<Harness['run']>[0] = {}) =>
    h.run({ database: `variant${++database}`, ...options });
  beforeEach(() => h.simulator.configure(PLAIN));

  it('completes byte-identical when links carry another path prefix', async () => {
    h.simulator.configure({ linkBasePath: '/gateway/ORDS/PDB1/DBAPI_USER/' });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
  });

  it('completes when state itself reads COMPLETED at the end', async () => {
    h.simulator.configure({ endStateInState: true });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
  });

  it('completes when state reads COMPLETED for one poll before NOT RUNNING', async () => {
    h.simulator.configure({ endStateInState: 'transient', includeJobState: false });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
  });

  it('completes when the job list holds other owners, BIN$ rows, orphans and several pages', async () => {
    h.simulator.configure({
      listNoise: { foreignOwnerJobs: 2, recycleBinRows: 2, orphanJobs: 2 },
      pageLimit: 2,
    });
    const before = h.simulator.jobs().length;
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(h.simulator.jobs().length - before).toBe(1);
    await h.expectStoredAsServed(result);
  });

  it('reads the job list in one page when ORDS ignores offset, and starts exactly one export', async () => {
    // GIVEN an ORDS that answers every page request with the first page of 2
    h.simulator.configure({ ignoreOffset: true, pageLimit: 2, listNoise: { orphanJobs: 3 } });
    const before = h.simulator.jobs().length;

    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(h.simulator.jobs().length - before).toBe(1);
    const pages = h.simulator.requests.filter((request) => /[?&]limit=10000\b/.test(request.path));
    expect(pages.length).toBeGreaterThan(0);
    await h.expectStoredAsServed(result);
    expect(result.manifest?.fallbacks).toEqual(['list-offset-ignored']);
  });

  it('confirms the end of chunked downloads without Range by the size REST-enabled SQL gives', async () => {
    // GIVEN an ORDS that sends every file chunked and ignores Range
    h.simulator.configure({ contentLength: false, range: false });

    const result = await run();

    // THEN the backup is complete and byte-identical, and the manifest names the fallback
    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    expect(result.manifest?.fallbacks).toEqual(['size-from-rest-sql']);
    expect(result.manifest?.files.every((file) => file.endConfirmedBy === 'rest-enabled-sql')).toBe(true);
  });

  it('fails rather than store a file whose end nothing confirms (chunked, no Range, no REST-enabled SQL)', async () => {
    h.simulator.configure({ contentLength: false, range: false, restSql: false });

    const result = await run({ keepServerFiles: true });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.TransferIncomplete);
    expect(result.cause).toMatch(/the end is unconfirmed/);
  });

  it('keeps polling through a state it does not know', async () => {
    h.simulator.configure({ unknownState: 'HIBERNATING' });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
  });

  it('gives verdict succeeded for a Japanese success log', async () => {
    h.simulator.configure({ logLanguage: 'ja' });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(result.manifest?.verdict).toBe('succeeded');
    expect(result.manifest?.summary).toMatch(/で正常に完了しました$/);
    await h.expectStoredAsServed(result);
  });

  it('fails with LogLanguageUnknownError quoting the line and how to run ORDS for English logs', async () => {
    h.simulator.configure({ logLanguage: 'unknown' });
    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.LogLanguageUnknown);
    expect(result.cause).toContain('⟦success⟧');
    expect(result.cause).toContain('-Duser.language=en -Duser.region=US');
  });

  it('leads to exactly one export job when the POST answer is lost and the job is slow to appear', async () => {
    h.simulator.configure({ postHangAfterCreate: { destroyAfterMs: 50, count: 1 }, jobAppearsAfterMs: 2000 });
    const before = h.simulator.jobs().length;
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(h.simulator.jobs().length - before).toBe(1);
    await h.expectStoredAsServed(result);
  });

  it('keeps polling a job that is slow to appear after a POST that was answered', async () => {
    h.simulator.configure({ jobAppearsAfterMs: 1500 });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
  });

  it('reads the files by name when an ORDS that ignores keep_master drops the job on success', async () => {
    h.simulator.configure({ ignoreKeepMaster: true, servesDroppedJobFiles: true });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(h.simulator.jobs().at(-1)?.dropped).toBe(true);
    await h.expectStoredAsServed(result);
  });

  it('retries once without keep_master after a 400 naming it, and records the fallback in the manifest', async () => {
    // GIVEN a strict gateway that refuses keep_master with a 400 (and an ORDS that then drops the job)
    h.simulator.configure({ refuseKeepMaster: true, ignoreKeepMaster: true, servesDroppedJobFiles: true });
    const before = h.simulator.jobs().length;

    // WHEN a backup runs
    const result = await run();

    // THEN one job was created, from a body without keep_master, and the backup is complete
    expect(result.status).toBe('SUCCEEDED');
    const created = h.simulator.jobs().slice(before);
    expect(created).toHaveLength(1);
    expect(created[0]!.requestBody).not.toHaveProperty('keep_master');
    await h.expectStoredAsServed(result);
    // AND the manifest says what the run did differently
    expect(result.manifest?.fallbacks).toEqual(['keep-master-refused']);
  });

  it('follows the names ORDS gives when it ignores file_name, and records the fallback', async () => {
    // GIVEN an ORDS before 22.3 that names the files EXPDAT%U-<date>-<time>.DMP
    h.simulator.configure({ ignoreFileName: true });

    // WHEN a backup runs
    const result = await run();

    // THEN the backup holds the files ORDS wrote, and the manifest names their real template
    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    expect(result.manifest?.files.map((file) => file.name)).toEqual([
      expect.stringMatching(/^EXPDAT01-.*\.DMP$/),
      expect.stringMatching(/^EXPDAT02-.*\.DMP$/),
      expect.stringMatching(/^EXPDAT-.*\.LOG$/),
    ]);
    expect(result.manifest?.dumpFile).toMatch(/^EXPDAT%U-.*\.DMP$/);
    expect(result.manifest?.fallbacks).toEqual(['file-name-ignored']);
    // AND the server cleanup removed those files: they are this job's by the template the run recorded
    const cleanup = (result.output as { serverCleanup: ServerCleanupResult }).serverCleanup;
    expect(cleanup).toMatchObject({ serverCleanup: 'done' });
    expect(cleanup.removedFiles).toHaveLength(3);
  });

  it('records no fallback against an ORDS that takes every field', async () => {
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(result.manifest?.fallbacks).toEqual([]);
  });

  it('counts ORA-20025 from DBMS_CLOUD.DELETE_FILE on Autonomous Database as a file already removed', async () => {
    // GIVEN an Autonomous Database whose files an earlier try already removed
    h.simulator.configure({
      restSqlError: {
        statement: 'remove-file',
        code: 29283,
        message: 'ORA-29283: invalid file operation: nonexistent file or path',
      },
    });

    // WHEN a backup runs there
    const result = await run({ autonomousDatabase: true });

    // THEN the files were removed with DBMS_CLOUD (answered ORA-20025) and the cleanup is done
    expect(result.status).toBe('SUCCEEDED');
    const sql = h.simulator.requests.filter((request) => request.path.endsWith('/_/sql'));
    expect(sql.at(-2)?.body).toContain('DBMS_CLOUD.DELETE_FILE');
    const cleanup = (result.output as { serverCleanup: ServerCleanupResult }).serverCleanup;
    expect(cleanup).toMatchObject({ serverCleanup: 'done', removedFiles: expect.any(Array) });
    expect(cleanup.removedFiles).toHaveLength(3);
  });

  it('fails the drill loudly, keeping the backup, when ORDS links no log for the import', async () => {
    // GIVEN an ORDS that links no log file for import jobs
    h.simulator.configure({ importLogLink: false });

    // WHEN a backup with a restore drill runs
    const result = await run({ restoreDrill: 'HR_DRILL' });

    // THEN the drill fails saying why, the backup is stored, and the drill schema is dropped
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreDrillFailed);
    expect(result.cause).toMatch(/ORDS links no log file for import/);
    const keys = await h.keys();
    expect(keys.some((key) => key.startsWith(`variant${database}/`) && key.endsWith('/manifest.json'))).toBe(
      true,
    );
    expect(h.simulator.users().map((user) => user.username)).not.toContain('HR_DRILL');
  });

  it('fails naming DBA_DATAPUMP_JOBS and the grant when the user may not read the job list (500)', async () => {
    // GIVEN a user whose session holds no role that reads DBA_DATAPUMP_JOBS
    h.simulator.configure({ sessionRoles: [] });
    const before = h.simulator.jobs().length;

    const result = await run();

    // THEN no export starts, and the console shows why and what to grant
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.OrdsUnavailable);
    expect(result.cause).toMatch(/DBA_DATAPUMP_JOBS/);
    expect(result.cause).toMatch(/GRANT SELECT ON SYS\.DBA_DATAPUMP_JOBS/);
    expect(h.simulator.jobs().length).toBe(before);
  });

  it("fails explaining keep_master when the dropped job's files answer 404 too", async () => {
    h.simulator.configure({ ignoreKeepMaster: true });
    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.JobNotFound);
    expect(result.cause).toMatch(/keep_master.*25\.x/);
  });
});
