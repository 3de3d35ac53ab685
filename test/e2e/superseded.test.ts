import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import type { StartedRun } from '../../functions/core/state/index.js';
import type { LocalRunResult } from '../../local/local-run.js';
import { type Harness, PASSWORD, startHarness } from './harness.js';

// The cleanup's pauses between ORDS retries (1, 4 and 10 s) at a hundredth: fast-sleeps.ts.
vi.mock('node:timers/promises', async (importOriginal) =>
  (await import('./fast-sleeps.js')).fastSleeps(await importOriginal()),
);

const AUTH = `Basic ${Buffer.from(`DBAPI_USER:${PASSWORD}`).toString('base64')}`;
const HEALTHY = {
  dumpFiles: 2,
  dumpFileBytes: 4096,
  outcome: 'success',
  restSql: true,
  transientFailures: undefined,
} as const;
/** A bug in "Copy file": not retried, the run ends "Backup failed" with its files on the server. */
const copyBroken = () => ({
  taskFaults: {
    'Copy file': Object.assign(new Error('Access Denied by the bucket policy'), { name: 'TypeError' }),
  },
});

/**
 * A run that fails after its export started ("Read job", "Copy files", the manifest) keeps its files
 * on the server for a redrive. The next run of the database removes them before its own export, from
 * what the deployment recorded when the earlier run started its export.
 */
describe('the next run removes what an earlier failed run left on the database server', () => {
  let h: Harness;
  let stdout: MockInstance;
  beforeAll(async () => {
    // The handlers print their metrics (EMF) to stdout, as CloudWatch reads them.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    h = await startHarness();
  });
  afterAll(async () => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    await h.stop();
  });
  beforeEach(() => {
    h.simulator.configure(HEALTHY);
    stdout?.mockRestore();
    const write = process.stdout.write.bind(process.stdout);
    // EMF lines are read by the test, not printed; everything else is.
    stdout = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk, ...rest) =>
        String(chunk).includes('"_aws"') ? true : write(chunk, ...(rest as [BufferEncoding])),
      );
  });

  /** The status ORDS answers for a job (`file` omitted) or one of its files. */
  const statusOf = async (jobName: string, file = '') => {
    const url = `${h.simulator.url}_/db-api/stable/database/datapump/jobs/DBAPI_USER,${jobName}/${file}`;
    const answer = await fetch(url, { headers: { authorization: AUTH } });
    await answer.arrayBuffer();
    return answer.status;
  };
  /** The output of "Start export" (`$.run`). */
  const startedRun = (result: LocalRunResult) => {
    const exited = result.events.find(
      (event) => event.type === 'StateExited' && event.state.name === 'Start export',
    ) as { state: { output: unknown } } | undefined;
    const output = exited?.state.output;
    const state = (typeof output === 'string' ? JSON.parse(output) : output) as { run: StartedRun };
    return state.run;
  };
  const entered = (result: LocalRunResult) =>
    result.events.filter((event) => event.type === 'StateEntered').map((event) => event.state.name);
  /** A run of `database` that failed in "Copy files": its job and execution ARN. */
  const failedCopy = async (database: string, consistency: 'per-table' | 'point-in-time' = 'per-table') => {
    let executionArn = '';
    const failed = await h.run({
      database,
      consistency,
      ...copyBroken(),
      onStarted: (arn) => {
        executionArn = arn;
      },
    });
    expect(failed.status).toBe('FAILED');
    expect(entered(failed)).not.toContain('Clean up server');
    const job = startedRun(failed).job;
    const files = h.simulator
      .jobs()
      .find((one) => one.jobName === job.jobName)!
      .files.map((file) => file.name);
    for (const name of files) expect(await statusOf(job.jobName, name), name).toBe(200);
    const copyInput = (
      failed.events.find((event) => event.type === 'StateEntered' && event.state.name === 'Copy files') as {
        state: { input: unknown };
      }
    ).state.input;
    return { job, files, executionArn, executionName: executionArn.split(':').at(-1)!, copyInput };
  };
  const serverCleanupMetrics = () =>
    stdout.mock.calls
      .map(([chunk]) => String(chunk))
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.includes('"ServerCleanupFailed"'))
      .map((line) => JSON.parse(line) as { Database: string; ServerCleanupFailed: number });
  const recordOf = async (database: string) => {
    const object = await h.s3.client.send(
      new GetObjectCommand({ Bucket: h.s3.bucket, Key: `_locks/${database}.unfinished.json` }),
    );
    return JSON.parse(await object.Body!.transformToString()) as { runs: Array<{ executionArn: string }> };
  };

  it('removes the files and control table of an earlier run that failed in "Copy files" before its own export', async () => {
    // GIVEN a run that failed in "Copy files" (the bucket refused the upload): its files stay on the server
    const earlier = await failedCopy('leftover');

    // WHEN the next night's run of the database runs
    const next = await h.run({ database: 'leftover' });

    // THEN it succeeds, and the earlier run's files and job are gone from the server
    expect(next.status).toBe('SUCCEEDED');
    expect(entered(next).at(-1)).toBe('Backup complete');
    await h.expectStoredAsServed(next);
    for (const name of earlier.files) expect(await statusOf(earlier.job.jobName, name), name).toBe(404);
    expect(await statusOf(earlier.job.jobName)).toBe(404);
    // AND its output names what it removed of the earlier run
    expect(startedRun(next).superseded).toEqual([
      expect.objectContaining({
        job: `DBAPI_USER.${earlier.job.jobName}`,
        serverCleanup: 'done',
        removedFiles: earlier.files,
        droppedControlTable: `DBAPI_USER.${earlier.job.jobName}`,
        keep: false,
      }),
    ]);
    // AND nothing of either run is still recorded: the next run has nothing to remove
    await expect(recordOf('leftover')).rejects.toThrow();

    // WHEN the superseded run is redriven from "Copy files" afterwards
    const redriven = await h.run({
      database: 'leftover',
      executionName: earlier.executionName,
      redrive: { state: 'Copy files', input: earlier.copyInput },
    });

    // THEN it fails loudly, naming a file that is gone
    expect(redriven.status).toBe('FAILED');
    expect(entered(redriven).at(-1)).toBe('Backup failed');
    expect(earlier.files.some((name) => redriven.cause?.includes(name))).toBe(true);
  });

  it('removes the leftovers of a point-in-time run (the job started through REST-enabled SQL) too', async () => {
    const earlier = await failedCopy('consistent', 'point-in-time');

    const next = await h.run({ database: 'consistent', consistency: 'point-in-time' });

    expect(next.status).toBe('SUCCEEDED');
    for (const name of earlier.files) expect(await statusOf(earlier.job.jobName, name), name).toBe(404);
    expect(startedRun(next).superseded).toEqual([
      expect.objectContaining({ serverCleanup: 'done', removedFiles: earlier.files }),
    ]);
  });

  it('still backs up when the removal fails (ORDS 500), raises the server-cleanup alarm, and tries again the next night', async () => {
    // GIVEN a run that failed in "Copy files"
    const earlier = await failedCopy('stuck');
    // AND REST-enabled SQL answering 500 to every try of the removal (4 tries), then healthy again
    h.simulator.configure({ transientFailures: { count: 4, route: 'sql', status: 500 } });

    // WHEN the next run runs
    const next = await h.run({ database: 'stuck' });

    // THEN its own backup is complete and cleaned up
    expect(next.status).toBe('SUCCEEDED');
    expect(entered(next).at(-1)).toBe('Backup complete');
    // AND its output says why the earlier run's files stay
    const [report] = startedRun(next).superseded!;
    expect(report).toMatchObject({ serverCleanup: 'failed', keep: true, removedFiles: [] });
    expect(report!.reason).toContain('500');
    for (const name of earlier.files) expect(await statusOf(earlier.job.jobName, name), name).toBe(200);
    // AND the database's server-cleanup alarm gets ServerCleanupFailed = 1
    expect(serverCleanupMetrics()).toContainEqual(
      expect.objectContaining({ Database: 'stuck', ServerCleanupFailed: 1 }),
    );
    // AND the earlier run stays recorded; the run after that removes its files
    expect((await recordOf('stuck')).runs.map((run) => run.executionArn)).toEqual([earlier.executionArn]);
    const third = await h.run({ database: 'stuck' });
    expect(startedRun(third).superseded).toEqual([expect.objectContaining({ serverCleanup: 'done' })]);
    for (const name of earlier.files) expect(await statusOf(earlier.job.jobName, name), name).toBe(404);
  });

  it('does nothing after a run that succeeded: no request reaches ORDS for it', async () => {
    // GIVEN a run that succeeded
    const earlier = await h.run({ database: 'tidy' });
    expect(earlier.status).toBe('SUCCEEDED');
    const before = h.simulator.requests.length;

    // WHEN the next run runs
    const next = await h.run({ database: 'tidy' });

    // THEN it reports nothing superseded, and sent no request about the earlier job
    expect(next.status).toBe('SUCCEEDED');
    expect(startedRun(next).superseded).toBeUndefined();
    const aboutEarlier = h.simulator.requests
      .slice(before)
      .filter((request) => request.path.includes(earlier.manifest!.jobName));
    expect(aboutEarlier).toEqual([]);
  });

  it('leaves an earlier run that still runs alone: busy while it holds the lock, reported while it runs without it', async () => {
    // GIVEN a run that failed in "Copy files", then was redriven and runs again, holding the lock
    const earlier = await failedCopy('running');
    h.aws.putExecution(earlier.executionArn, 'RUNNING');
    const lock = {
      Bucket: h.s3.bucket,
      Key: '_locks/running.json',
      Body: '{}',
      Metadata: {
        'execution-arn': earlier.executionArn,
        'execution-name': 'running_earlier',
        'started-at': new Date().toISOString(),
      },
    };
    await h.s3.client.send(new PutObjectCommand(lock));

    // WHEN the next run starts, THEN it is refused as today, and nothing is removed
    const busy = await h.run({ database: 'running' });
    expect(busy.error).toBe(ErrorName.DatabaseBusy);
    for (const name of earlier.files) expect(await statusOf(earlier.job.jobName, name), name).toBe(200);

    // WHEN the lock is released by hand while the earlier execution still runs
    await h.s3.client.send(
      new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: h.s3.bucket, Key: lock.Key }),
    );
    const next = await h.run({ database: 'running' });

    // THEN the run backs up, says why the earlier files stay, and removes nothing of them
    expect(next.status).toBe('SUCCEEDED');
    expect(startedRun(next).superseded).toEqual([
      expect.objectContaining({ serverCleanup: 'failed', keep: true, removedFiles: [] }),
    ]);
    expect(startedRun(next).superseded![0]!.reason).toContain('still running');
    for (const name of earlier.files) expect(await statusOf(earlier.job.jobName, name), name).toBe(200);
  });

  it("refuses a record that names another database's job, and removes nothing of it", async () => {
    // GIVEN a failed run of database "billing" whose files are on the server
    const billing = await failedCopy('billing');
    // AND a record of database "ledger" tampered to name billing's run
    h.aws.putExecution('arn:aws:states:us-east-1:000000000000:execution:local:ledger_forged', 'FAILED');
    const forged = {
      runs: [
        {
          database: 'billing',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:local:ledger_forged',
          executionName: 'ledger_forged',
          job: billing.job,
          recordedAt: new Date().toISOString(),
        },
      ],
    };
    await h.s3.client.send(
      new PutObjectCommand({
        Bucket: h.s3.bucket,
        Key: '_locks/ledger.unfinished.json',
        Body: JSON.stringify(forged),
      }),
    );
    const before = h.simulator.requests.length;

    // WHEN ledger's next run runs
    const next = await h.run({ database: 'ledger' });

    // THEN it backs up, refuses the record naming the database, and no statement reached ORDS before
    // its own export started
    expect(next.status).toBe('SUCCEEDED');
    const [report] = startedRun(next).superseded!;
    expect(report).toMatchObject({ serverCleanup: 'failed', removedFiles: [], droppedControlTable: null });
    expect(report!.reason).toContain('"billing"');
    const started = next.events.find(
      (event) => event.type === 'StateExited' && event.state.name === 'Start export',
    )!.timestamp!;
    const sqlBeforeExport = h.simulator.requests
      .slice(before)
      .filter((request) => request.path.endsWith('/_/sql') && request.time.getTime() <= started);
    expect(sqlBeforeExport).toEqual([]);
    for (const name of billing.files) expect(await statusOf(billing.job.jobName, name), name).toBe(200);
  });
});
