import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import type { ServerCleanupResult } from '../../functions/core/state/index.js';
import type { LocalRunResult } from '../../local/local-run.js';
import { type Harness, PASSWORD, startHarness } from './harness.js';

// The cleanup's pauses between ORDS retries (1, 4 and 10 s) at a hundredth: fast-sleeps.ts.
vi.mock('node:timers/promises', async (importOriginal) =>
  (await import('./fast-sleeps.js')).fastSleeps(await importOriginal()),
);

const AUTH = `Basic ${Buffer.from(`DBAPI_USER:${PASSWORD}`).toString('base64')}`;

describe('server cleanup through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() =>
    h.simulator.configure({
      dumpFiles: 2,
      dumpFileBytes: 4096,
      outcome: 'success',
      restSql: true,
      transientFailures: undefined,
    }),
  );

  /** The status ORDS answers for a job (`file` omitted) or one of its files. */
  const statusOf = async (jobName: string, file = '') => {
    const url = `${h.simulator.url}_/db-api/stable/database/datapump/jobs/DBAPI_USER,${jobName}/${file}`;
    const answer = await fetch(url, { headers: { authorization: AUTH } });
    await answer.arrayBuffer();
    return answer.status;
  };
  const cleanupOf = (result: LocalRunResult) =>
    (result.output as { serverCleanup: ServerCleanupResult }).serverCleanup;
  const entered = (result: LocalRunResult) =>
    result.events.filter((event) => event.type === 'StateEntered').map((event) => event.state.name);
  const exitedAt = (result: LocalRunResult, state: string) =>
    result.events.find((event) => event.type === 'StateExited' && event.state.name === state)?.timestamp;

  it("removes exactly this run's files and control table after manifest.json is stored, and nothing of another run", async () => {
    // GIVEN an earlier run that kept its files on the server
    const earlier = await h.run({ keepServerFiles: true });
    expect(cleanupOf(earlier).serverCleanup).toBe('off');
    const kept = earlier.manifest!;

    // WHEN the next run cleans up
    const sqlBefore = h.simulator.requests.length;
    const result = await h.run();

    // THEN the backup is complete and its files are stored
    expect(result.status).toBe('SUCCEEDED');
    expect(entered(result).at(-1)).toBe('Backup complete');
    await h.expectStoredAsServed(result);
    const manifest = result.manifest!;
    const names = manifest.files.map((file) => file.name);
    expect(cleanupOf(result)).toMatchObject({
      serverCleanup: 'done',
      removedFiles: names,
      droppedControlTable: `DBAPI_USER.${manifest.jobName}`,
    });
    // AND on the server its files and job are gone, while the earlier run's are all still there
    for (const name of names) expect(await statusOf(manifest.jobName, name), name).toBe(404);
    expect(await statusOf(manifest.jobName)).toBe(404);
    expect(await statusOf(kept.jobName)).toBe(200);
    for (const file of kept.files) expect(await statusOf(kept.jobName, file.name), file.name).toBe(200);
    // AND the first statement reached ORDS only after the manifest was written
    const sql = h.simulator.requests.slice(sqlBefore).filter((request) => request.path.endsWith('/_/sql'));
    expect(sql).toHaveLength(2);
    expect(sql[0]!.time.getTime()).toBeGreaterThanOrEqual(exitedAt(result, 'Write manifest')!);
    const folder = manifest.files[0]!.key.replace(/[^/]+$/, '');
    expect(await h.keys()).toEqual(
      expect.arrayContaining([`${folder}manifest.json`, `${folder}server-cleanup.json`]),
    );
  });

  it('completes the backup and names the cleanup failure when REST-enabled SQL is disabled', async () => {
    // GIVEN an ORDS without REST-enabled SQL
    h.simulator.configure({ restSql: false });

    // WHEN a backup runs
    const result = await h.run();

    // THEN it is complete, stored and verified, and its output says why nothing was removed
    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    const cleanup = cleanupOf(result);
    expect(cleanup).toMatchObject({ serverCleanup: 'failed', removedFiles: [], droppedControlTable: null });
    expect(cleanup.reason).toContain('restEnabledSql.active');
    expect(cleanup.reason).toContain('"serverCleanup": "off"');
    const manifest = result.manifest!;
    expect(await statusOf(manifest.jobName, manifest.files[0]!.name)).toBe(200);
    // AND the side file beside the manifest records it; the manifest itself says nothing about it
    const folder = manifest.files[0]!.key.replace(/[^/]+$/, '');
    const record = JSON.parse((await h.read(`${folder}server-cleanup.json`)).toString('utf8'));
    expect(record).toMatchObject({ serverCleanup: 'failed', database: 'orders', jobName: manifest.jobName });
    expect(manifest).not.toHaveProperty('serverCleanup');
  });

  it('ends in "Backup complete, cleanup failed" when REST-enabled SQL answers 500 to every try', async () => {
    // GIVEN an ORDS whose REST-enabled SQL answers 500 for longer than the cleanup retries
    h.simulator.configure({ transientFailures: { count: 1000, route: 'sql', status: 500 } });

    // WHEN a backup runs
    const result = await h.run();

    // THEN the backup is complete and stored, but the execution ends in the state named for the cleanup
    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    expect(entered(result).at(-1)).toBe('Backup complete, cleanup failed');
    const cleanup = cleanupOf(result);
    expect(cleanup).toMatchObject({ serverCleanup: 'failed', removedFiles: [], droppedControlTable: null });
    expect(cleanup.reason).toContain('500');
    // AND the files are still on the server, the manifest says nothing about the cleanup
    const manifest = result.manifest!;
    for (const file of manifest.files)
      expect(await statusOf(manifest.jobName, file.name), file.name).toBe(200);
    expect(manifest).not.toHaveProperty('serverCleanup');
  });

  it('ends in "Backup complete, cleanup failed" and records the failure when the cleanup step itself fails (a bug)', async () => {
    // GIVEN a cleanup function that throws an unexpected error on every attempt
    const bug = new TypeError("Cannot read properties of undefined (reading 'files')");

    // WHEN a backup runs
    const result = await h.run({ taskFaults: { 'Clean up server': bug } });

    // THEN the backup is complete, and the console shows the cleanup failure, not "Backup complete"
    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    const states = entered(result);
    expect(states.at(-1)).toBe('Backup complete, cleanup failed');
    expect(states).not.toContain('Backup complete');
    // AND "Record cleanup failure" ran (it publishes the database's ServerCleanupFailed = 1)
    expect(states).toContain('Record cleanup failure');
    expect(result.events).toContainEqual(
      expect.objectContaining({
        type: 'StateExited',
        state: expect.objectContaining({ name: 'Record cleanup failure' }),
      }),
    );
    const cleanup = cleanupOf(result);
    expect(cleanup).toMatchObject({ serverCleanup: 'failed', removedFiles: [] });
    expect(cleanup.reason).toContain('TypeError');
  });

  it('rides out transient REST-enabled SQL errors (503) and still cleans up', async () => {
    // GIVEN an ORDS whose next two REST-enabled SQL calls answer 503
    h.simulator.configure({ transientFailures: { count: 2, route: 'sql', status: 503 } });
    const faultsBefore = h.simulator.requests.filter((request) => request.fault === 'transient').length;

    // WHEN a backup runs
    const result = await h.run();

    // THEN the cleanup is done, not failed: the transient error was retried
    expect(result.status).toBe('SUCCEEDED');
    const faults = h.simulator.requests.filter((request) => request.fault === 'transient');
    expect(faults.length - faultsBefore).toBe(2);
    expect(faults.at(-1)!.path).toMatch(/\/_\/sql$/);
    const manifest = result.manifest!;
    expect(cleanupOf(result)).toMatchObject({
      serverCleanup: 'done',
      removedFiles: manifest.files.map((file) => file.name),
      droppedControlTable: `DBAPI_USER.${manifest.jobName}`,
    });
    for (const file of manifest.files)
      expect(await statusOf(manifest.jobName, file.name), file.name).toBe(404);
  });

  it("removes a stopped export's dump files, keeps its log, and still fails with ExportFailedError", async () => {
    // GIVEN an export that stops after writing its dump files
    h.simulator.configure({ outcome: 'stopped' });

    // WHEN the run ends
    const result = await h.run();

    // THEN it fails as before, with the export's own error
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.ExportFailed);
    const job = h.simulator.jobs().at(-1)!;
    const dumps = job.files.filter((file) => file.kind === 'dump');
    expect(dumps.length).toBeGreaterThan(0);
    // AND its dump files are gone from the server, its log and job are kept for diagnosis
    for (const file of dumps) expect(await statusOf(job.jobName, file.name), file.name).toBe(404);
    const log = job.files.find((file) => file.kind === 'log')!;
    expect(await statusOf(job.jobName, log.name)).toBe(200);
    expect(await statusOf(job.jobName)).toBe(200);
    const states = entered(result);
    expect(states.indexOf('Remove dump files')).toBeLessThan(states.indexOf('Export failed'));
  });

  it("records the failure of a dump file removal that fails for good, then still fails with the export's own error", async () => {
    // GIVEN an export that stops, and a removal step that throws on every attempt
    h.simulator.configure({ outcome: 'stopped' });

    // WHEN the run ends
    const result = await h.run({
      taskFaults: { 'Remove dump files': new Error('connection reset by a bug') },
    });

    // THEN it fails with the export's own error, after recording the database's cleanup failure
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.ExportFailed);
    const states = entered(result);
    expect(states.indexOf('Record dump files left')).toBeGreaterThan(states.indexOf('Remove dump files'));
    expect(states.indexOf('Record dump files left')).toBeLessThan(states.indexOf('Export failed'));
  });
});
