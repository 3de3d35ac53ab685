import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, startHarness } from './harness.js';

/** Settings that every test starts from: a healthy simulator. */
const HEALTHY = {
  dumpFiles: 2,
  dumpFileBytes: 4096,
  outcome: 'success',
  restSql: true,
  transientFailures: undefined,
  logWithoutDumpFileSet: false,
} as const;

describe('a run accepts and changes only what it can prove, through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  let database_ = 0;
  const run = (options: Parameters<Harness['run']>[0] = {}) =>
    h.run({ database: `own${++database_}`, ...options });
  beforeEach(() => h.simulator.configure(HEALTHY));

  it('refuses a scheduledTime in 2099 with InvalidInputError naming it, before any request to ORDS', async () => {
    // GIVEN a hand-made execution input that claims to be scheduled for 2099
    const before = h.simulator.requests.length;

    // WHEN it runs
    const result = await run({ scheduledTime: '2099-01-01T02:00:00Z' });

    // THEN it fails in "Start export", naming the value, and ORDS saw nothing
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.InvalidInput);
    expect(result.cause).toContain('scheduledTime "2099-01-01T02:00:00Z"');
    expect(h.simulator.requests.length).toBe(before);
  });

  it('counts a run as scheduled only under the name its launcher gives it', async () => {
    // GIVEN the launcher's execution name for a scheduled time of a minute ago
    const scheduledTime = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const database = `own${++database_}`;
    const name = `${database}_${scheduledTime.replace(/[-:]/g, '')}`;

    // WHEN it runs
    const result = await h.run({ database, scheduledTime, executionName: name });

    // THEN its manifest says the schedule started it, for that time
    expect(result.status).toBe('SUCCEEDED');
    expect(result.manifest).toMatchObject({ scheduledTime, startedBy: 'schedule' });
  });

  it('fails with ExportFailedError naming the incomplete log when its dump file set is missing, and stores no dump file', async () => {
    // GIVEN an export whose log says success but lists no dump file set
    h.simulator.configure({ logWithoutDumpFileSet: true });

    // WHEN a backup runs
    const result = await run();

    // THEN it fails loudly, naming the incomplete log; no manifest, no dump file in S3
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.ExportFailed);
    expect(result.cause).toContain('lists no dump file set');
    const job = h.simulator.jobs().at(-1)!;
    const keys = await h.keys();
    expect(keys.some((key) => key.endsWith('manifest.json') && key.includes(job.jobName))).toBe(false);
    expect(keys.some((key) => key.includes(job.jobName) && key.endsWith('.DMP'))).toBe(false);
    expect(keys.some((key) => key.includes(job.jobName) && key.endsWith('.LOG'))).toBe(true);
  });

  it('releases the run lock when a run ends: complete, export failed, or a step failed for good', async () => {
    const lockOf = async (database: string) =>
      (await h.keys()).filter((key) => key.endsWith(`_locks/${database}.json`));
    const released = (result: { events: ReadonlyArray<{ type: string; state?: { name: string } }> }) =>
      result.events.some(
        (event) => event.type === 'StateEntered' && event.state?.name === 'Release run lock',
      );

    // A complete backup
    const complete = await run();
    expect(complete.status).toBe('SUCCEEDED');
    expect(released(complete)).toBe(true);
    expect(await lockOf(`own${database_}`)).toEqual([]);

    // An export whose log says it failed (its dump files removed first)
    h.simulator.configure({ outcome: 'fatal' });
    const exportFailed = await run();
    expect(exportFailed.status).toBe('FAILED');
    expect(exportFailed.error).toBe(ErrorName.ExportFailed);
    expect(await lockOf(`own${database_}`)).toEqual([]);
    h.simulator.configure(HEALTHY);

    // A step that failed for good after the export: the run still ends in "Backup failed", with its cause
    const stepFailed = await run({
      taskFaults: {
        'Write manifest': Object.assign(new Error('S3 was down'), { name: 'StorageUnavailableError' }),
      },
    });
    expect(stepFailed.status).toBe('FAILED');
    expect(stepFailed.error).toBe('StorageUnavailableError');
    expect(stepFailed.cause).toContain('S3 was down');
    expect(released(stepFailed)).toBe(true);
    expect(await lockOf(`own${database_}`)).toEqual([]);
  });

  it('stops a redriven execution that lost the run lock to a newer run before it touches the server', async () => {
    // GIVEN an execution that failed in "Write manifest" after its export, holding the lock
    const database = `own${++database_}`;
    const executionName = `${database}_redriven`;
    const failed = await h.run({
      database,
      executionName,
      taskFaults: {
        'Write manifest': Object.assign(new Error('S3 was down'), { name: 'StorageUnavailableError' }),
      },
    });
    expect(failed.status).toBe('FAILED');
    const failedAt = failed.events.find(
      (event) => event.type === 'StateEntered' && event.state.name === 'Write manifest',
    );
    const oldJob = h.simulator.jobs().at(-1)!;
    // AND a newer run of the same database that took the lock (released when the failed run ended),
    // completed, and released it in turn
    const newer = await h.run({ database });
    expect(newer.status).toBe('SUCCEEDED');

    // WHEN the failed execution is redriven from "Write manifest"
    const sqlBefore = h.simulator.requests.filter((request) => request.path.endsWith('/_/sql')).length;
    const redriven = await h.run({
      database,
      executionName,
      redrive: { state: 'Write manifest', input: (failedAt as { state: { input: unknown } }).state.input },
    });

    // THEN its backup is complete, but its cleanup stopped before any change: the lock is not its own
    expect(redriven.status).toBe('SUCCEEDED');
    const states = redriven.events
      .filter((event) => event.type === 'StateEntered')
      .map((event) => event.state.name);
    expect(states.at(-1)).toBe('Backup complete, cleanup failed');
    const cleanup = (redriven.output as { serverCleanup: { reason: string; error: { Cause: string } } })
      .serverCleanup;
    expect(cleanup.reason).toContain('RunLockLostError');
    expect(cleanup.error.Cause).toContain('nobody holds it (its run released it when it ended');
    // AND no REST-enabled SQL statement reached the server; the old job's files are still there
    expect(h.simulator.requests.filter((request) => request.path.endsWith('/_/sql')).length).toBe(sqlBefore);
    expect(h.simulator.jobs().find((job) => job.jobName === oldJob.jobName)?.files.length).toBeGreaterThan(0);
  });
});
