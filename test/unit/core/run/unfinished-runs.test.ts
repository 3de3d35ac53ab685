import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName, RunLockLostError } from '../../../../functions/core/base/errors.js';
import type { EarlierRun } from '../../../../functions/core/cleanup/index.js';
import {
  forgetUnfinishedRun,
  recordUnfinishedRun,
  settleEarlierRuns,
} from '../../../../functions/core/run/unfinished-runs.js';
import type { JobRef, SupersededCleanup } from '../../../../functions/core/state/index.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const KEY = 'a/_locks/orders.unfinished.json';
const arn = (name: string) => `arn:aws:states:eu-central-1:123456789012:execution:backup:${name}`;
const jobRef = (jobName: string): JobRef => ({
  owner: 'DBAPI_USER',
  jobName,
  runId: '20261201T020000Z-1A2B',
  fileName: 'ORDERS-20261201T020000Z-1A2B-A020000-%U.DMP',
  jobMode: 'SCHEMA',
  startedAt: '2026-12-01T02:00:00.000Z',
  adopted: false,
});
const entry = (name: string) => ({
  database: 'orders',
  executionArn: arn(name),
  executionName: name,
  job: jobRef(`DATAPUMP_REST_EXPORT_2026120${name.length % 10}020000`),
  recordedAt: '2026-12-01T02:00:05.000Z',
});
/** A GetObject body as the SDK gives it. */
const body = (text: string) => ({ transformToString: async () => text }) as never;
const s3 = mockClient(S3Client);
let statuses: Record<string, string>;
let cleaned: EarlierRun[];
let cleanUp: (run: EarlierRun) => Promise<SupersededCleanup>;
const store = () => ({ s3: new S3Client({ region: 'us-east-1' }), bucket: 'backups' });
const deps = () => ({
  ...store(),
  logger: recordingLogger(),
  executionStatus: async (executionArn: string) => statuses[executionArn] ?? 'GONE',
  cleanUp: (run: EarlierRun) => {
    cleaned.push(run);
    return cleanUp(run);
  },
});
const request = { prefix: 'a/', database: 'orders', executionArn: arn('orders_new') };
const stored = (runs: unknown[]) =>
  s3.on(GetObjectCommand, { Key: KEY }).resolves({ Body: body(JSON.stringify({ runs })), ETag: '"v1"' });
const written = () => {
  const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input as PutObjectCommandInput | undefined;
  return (
    put && { ...put, runs: (JSON.parse(String(put.Body)) as { runs: Array<{ executionName: string }> }).runs }
  );
};
const done = (run: EarlierRun): SupersededCleanup => ({
  execution: run.executionName,
  job: `${run.job.owner}.${run.job.jobName}`,
  serverCleanup: 'done',
  removedFiles: ['A-01.DMP'],
  droppedControlTable: null,
  keep: false,
});

describe('settleEarlierRuns', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }),
    );
    s3.on(PutObjectCommand).resolves({});
    statuses = {};
    cleaned = [];
    cleanUp = async (run) => done(run);
  });

  it('reads one object and does nothing more when no earlier run is recorded', async () => {
    expect(await settleEarlierRuns(deps(), request)).toEqual([]);

    expect(s3.calls()).toHaveLength(1);
    expect(cleaned).toEqual([]);
  });

  it('cleans up a failed run, forgets a succeeded one, leaves a running one recorded, and keeps its own', async () => {
    stored([entry('failed_run'), entry('succeeded_run'), entry('running_run'), entry('orders_new')]);
    statuses = {
      [arn('failed_run')]: 'FAILED',
      [arn('succeeded_run')]: 'SUCCEEDED',
      [arn('running_run')]: 'RUNNING',
    };

    const reports = await settleEarlierRuns(deps(), request);

    expect(cleaned.map((run) => run.executionName)).toEqual(['failed_run']);
    expect(reports.map((report) => [report.execution, report.serverCleanup, report.keep])).toEqual([
      ['failed_run', 'done', false],
      ['running_run', 'failed', true],
    ]);
    expect(reports[1]!.reason).toContain('still running');
    // Written over the version read: the running run and this execution's own entry stay
    expect(written()).toMatchObject({ Key: KEY, IfMatch: '"v1"' });
    expect(written()!.runs.map((run) => run.executionName)).toEqual(['running_run', 'orders_new']);
  });

  it('keeps a run whose cleanup should be tried again, and cleans up timed-out and aborted runs too', async () => {
    stored([entry('timed_out'), entry('aborted')]);
    statuses = { [arn('timed_out')]: 'TIMED_OUT', [arn('aborted')]: 'ABORTED' };
    cleanUp = async (run) => ({
      ...done(run),
      serverCleanup: 'failed',
      keep: run.executionName === 'aborted',
    });

    await settleEarlierRuns(deps(), request);

    expect(cleaned.map((run) => run.executionName)).toEqual(['timed_out', 'aborted']);
    expect(written()!.runs.map((run) => run.executionName)).toEqual(['aborted']);
  });

  it('writes nothing when every recorded run stays recorded (one running, its own)', async () => {
    stored([entry('running_run'), entry('orders_new')]);
    statuses = { [arn('running_run')]: 'RUNNING' };

    const reports = await settleEarlierRuns(deps(), request);

    expect(reports.map((report) => [report.execution, report.keep])).toEqual([['running_run', true]]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('leaves the runs it has no time left for recorded, untouched, for the next run', async () => {
    stored([entry('first_run'), entry('second'), entry('orders_new')]);
    statuses = { [arn('first_run')]: 'FAILED', [arn('second')]: 'FAILED' };
    let left = 1;
    cleanUp = async (run) => {
      left = 0; // the first cleanup spends the time
      return done(run);
    };

    const reports = await settleEarlierRuns({ ...deps(), timeLeftMs: () => left }, request);

    expect(cleaned.map((run) => run.executionName)).toEqual(['first_run']);
    expect(reports[1]).toMatchObject({ execution: 'second', serverCleanup: 'failed', keep: true });
    expect(reports[1]!.reason).toContain('time');
    expect(written()!.runs.map((run) => run.executionName)).toEqual(['second', 'orders_new']);
  });

  it('never throws for an unreadable record: one failed report names it, and nothing is cleaned', async () => {
    s3.on(GetObjectCommand, { Key: KEY }).resolves({ Body: body('not json'), ETag: '"v1"' });

    const reports = await settleEarlierRuns(deps(), request);

    expect(reports).toEqual([expect.objectContaining({ serverCleanup: 'failed', keep: true })]);
    expect(reports[0]!.reason).toContain(KEY);
    expect(cleaned).toEqual([]);
  });

  it('reports a record changed by someone else meanwhile (412) as failed, without throwing', async () => {
    stored([entry('failed_run')]);
    statuses = { [arn('failed_run')]: 'FAILED' };
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('Precondition Failed'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );

    const reports = await settleEarlierRuns(deps(), request);

    expect(reports.at(-1)).toMatchObject({ serverCleanup: 'failed', keep: true });
    expect(reports.at(-1)!.reason).toContain('changed while this run updated it');
  });

  it('lets a lost run lock stop the run', async () => {
    stored([entry('failed_run')]);
    statuses = { [arn('failed_run')]: 'FAILED' };
    cleanUp = async () => {
      throw new RunLockLostError('held by a newer run');
    };

    await expect(settleEarlierRuns(deps(), request)).rejects.toMatchObject({ name: ErrorName.RunLockLost });
  });
});

describe('recordUnfinishedRun and forgetUnfinishedRun', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }),
    );
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
  });
  const own = {
    ...request,
    executionName: 'orders_new',
    job: jobRef('DATAPUMP_REST_EXPORT_20261202020000'),
    now: new Date('2026-12-02T02:00:05Z'),
  };

  it('creates the record with If-None-Match when there is none', async () => {
    await recordUnfinishedRun(store(), own);

    expect(written()).toMatchObject({ Key: KEY, IfNoneMatch: '*' });
    expect(written()!.runs).toEqual([
      expect.objectContaining({ executionName: 'orders_new', database: 'orders' }),
    ]);
  });

  it("replaces an earlier try's entry of the same execution, keeping the others", async () => {
    stored([entry('aborted'), entry('orders_new')]);

    await recordUnfinishedRun(store(), own);

    expect(written()).toMatchObject({ IfMatch: '"v1"' });
    expect(written()!.runs).toEqual([
      expect.objectContaining({ executionName: 'aborted' }),
      expect.objectContaining({ executionName: 'orders_new', job: own.job }),
    ]);
  });

  it('takes out the entry of an earlier run whose job this run adopted (onRunningExport "adopt")', async () => {
    const running = entry('abandoned');
    stored([running, entry('aborted')]);

    await recordUnfinishedRun(store(), { ...own, job: running.job });

    expect(written()!.runs.map((run) => run.executionName)).toEqual(['aborted', 'orders_new']);
  });

  it('counts a 403 as no record when forgetting (the cleanup may not list the bucket), but not when recording', async () => {
    const denied = Object.assign(new Error('Access Denied'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    s3.on(GetObjectCommand, { Key: KEY }).rejects(denied);

    expect(await forgetUnfinishedRun(store(), request)).toBe(false);
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
    await expect(recordUnfinishedRun(store(), own)).rejects.toThrow(KEY);
  });

  it('replaces an unreadable record over its version', async () => {
    s3.on(GetObjectCommand, { Key: KEY }).resolves({ Body: body('{"runs":"x"}'), ETag: '"v9"' });

    await recordUnfinishedRun(store(), own);

    expect(written()).toMatchObject({ IfMatch: '"v9"' });
    expect(written()!.runs.map((run) => run.executionName)).toEqual(['orders_new']);
  });

  it('deletes the record when its own run was the last, rewrites it when others stay, and touches nothing else', async () => {
    stored([entry('orders_new')]);
    expect(await forgetUnfinishedRun(store(), request)).toBe(true);
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toMatchObject({ Key: KEY });

    s3.resetHistory();
    stored([entry('aborted'), entry('orders_new')]);
    expect(await forgetUnfinishedRun(store(), request)).toBe(true);
    expect(written()).toMatchObject({ IfMatch: '"v1"' });
    expect(written()!.runs.map((run) => run.executionName)).toEqual(['aborted']);

    s3.resetHistory();
    stored([entry('aborted')]);
    expect(await forgetUnfinishedRun(store(), request)).toBe(false);
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
  });
});
