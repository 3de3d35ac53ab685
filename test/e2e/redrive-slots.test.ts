import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { originSlots } from '../../functions/core/run/index.js';
import type { LocalRunResult } from '../../local/local-run.js';
import { type Harness, startHarness } from './harness.js';

const HEALTHY = { dumpFiles: 2, dumpFileBytes: 4096, outcome: 'success', restSql: true } as const;
/** One database user per run (ORDS names a job after the second it starts). */
const USERS = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`REDRIVE${i + 1}`, 'pw']));
const FAST_WAITS = { 'Waiting for an ORDS slot': 50, 'Wait before polling': 20 };
/** A bug in a step: not retried, caught into "Release run lock", which frees the run's slot. */
const bug = () => Object.assign(new Error('a bug in the step'), { name: 'TypeError' });
const OTHER = 'arn:aws:states:us-east-1:000000000000:execution:local:other_holding';

/**
 * A redrive resumes at the failed state under the same execution ARN. The failed run released its
 * ORDS slot on its way to "Backup failed" (or timed out and lost it to a takeover): the redriven step
 * must hold a slot again before it sends ORDS a single request.
 */
describe('a redriven execution holds its ORDS slot again before it calls ORDS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ users: { DBAPI_USER: 'secret-password', ...USERS } });
  });
  afterAll(() => h.stop());
  beforeEach(() => h.simulator.configure(HEALTHY));
  // Each test starts with every slot free, whatever the last one asserted.
  afterEach(async () => {
    h.aws.putExecution(OTHER, 'SUCCEEDED');
    for (const key of await slotObjects()) {
      await h.s3.client.send(new DeleteObjectCommand({ Bucket: h.s3.bucket, Key: key }));
    }
  });
  let n = 0;
  const run = (options: NonNullable<Parameters<Harness['run']>[0]> & { database: string }) => {
    const database = options.database;
    const secret = JSON.stringify({ username: database.toUpperCase(), password: 'pw' });
    return h.run({ secret, waitOverridesMs: FAST_WAITS, ...options });
  };
  const folder = () => originSlots('', new URL(h.simulator.url).origin);
  const slotObjects = async () => {
    const listed = await h.s3.client.send(
      new ListObjectsV2Command({ Bucket: h.s3.bucket, Prefix: folder() }),
    );
    return (listed.Contents ?? []).map((object) => object.Key!);
  };
  /** The execution that holds a slot object, or "nobody". */
  const holderOf = async (key: string) => {
    try {
      const head = await h.s3.client.send(new HeadObjectCommand({ Bucket: h.s3.bucket, Key: key }));
      return head.Metadata?.['execution-arn'];
    } catch {
      return 'nobody';
    }
  };
  const otherHolds = async (index: number) => {
    h.aws.putExecution(OTHER, 'RUNNING');
    await h.s3.client.send(
      new PutObjectCommand({
        Bucket: h.s3.bucket,
        Key: `${folder()}${index}.json`,
        Body: '{}',
        Metadata: {
          'execution-arn': OTHER,
          'execution-name': 'other_holding',
          'started-at': new Date().toISOString(),
        },
      }),
    );
  };
  const inputOf = (result: LocalRunResult, state: string) =>
    (
      result.events.find(
        (event) =>
          event.type === 'StateEntered' && (event as { state: { name: string } }).state.name === state,
      ) as unknown as { state: { input: unknown } }
    ).state.input;
  /** A run of a new database that failed in `state` (a bug), its slot released on its way out. */
  const failedIn = async (state: string, fault: string, slots: { originCap: number }) => {
    const database = `redrive${++n}`;
    const executionName = `${database}_redriven`;
    const failed = await run({ database, executionName, slots, taskFaults: { [fault]: bug() } });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'TypeError' });
    expect(await slotObjects()).toEqual([]);
    return { database, executionName, slots, input: inputOf(failed, state) };
  };
  const ordsRequests = () => h.simulator.requests.length;

  it('redriven from "Copy files" while another run holds the only slot: fails naming it, before any ORDS request', async () => {
    // GIVEN a run that failed while copying (its slot released), and another run holding the only slot now
    const failed = await failedIn('Copy files', 'Copy file', { originCap: 1 });
    await otherHolds(0);
    const before = ordsRequests();

    // WHEN the failed execution is redriven from "Copy files"
    const redriven = await run({ ...failed, redrive: { state: 'Copy files', input: failed.input } });

    // THEN it fails loudly with the named error, sent ORDS nothing, and left the holder its slot
    expect(redriven).toMatchObject({ status: 'FAILED', error: ErrorName.OrdsSlotLost });
    expect(redriven.cause).toContain('"Copy file"');
    expect(redriven.cause).toContain('other_holding');
    expect(ordsRequests()).toBe(before);
    expect(await slotObjects()).toEqual([`${folder()}0.json`]);
    expect(await holderOf(`${folder()}0.json`)).toBe(OTHER);
    h.aws.putExecution(OTHER, 'SUCCEEDED');
  });

  it('redriven from "Copy files" with its slot free: takes it again, copies under it and releases it at its end', async () => {
    // GIVEN a run that failed while copying, its slot released and free
    const failed = await failedIn('Copy files', 'Copy file', { originCap: 1 });
    let heldWhileWriting: string | undefined;

    // WHEN the failed execution is redriven from "Copy files"
    const redriven = await run({
      ...failed,
      redrive: { state: 'Copy files', input: failed.input },
      beforeTask: {
        'Write manifest': async () => {
          heldWhileWriting = await holderOf(`${folder()}0.json`);
        },
      },
    });

    // THEN it completed, held the slot after copying, and released it at its end
    expect(redriven.status, `${redriven.error}: ${redriven.cause}`).toBe('SUCCEEDED');
    expect(heldWhileWriting).toMatch(new RegExp(`:${failed.executionName}$`));
    expect(await slotObjects()).toEqual([]);
  });

  it('redriven from "Read job" while another run holds its slot: takes a free one and releases it at its end', async () => {
    // GIVEN a run that failed while polling (its slot 0 released), another run holding slot 0 now,
    // and slot 1 free
    const failed = await failedIn('Read job', 'Read job', { originCap: 2 });
    await otherHolds(0);
    let heldWhileWriting: string | undefined;

    // WHEN the failed execution is redriven from "Read job"
    const redriven = await run({
      ...failed,
      redrive: { state: 'Read job', input: failed.input },
      beforeTask: {
        'Write manifest': async () => {
          heldWhileWriting = await holderOf(`${folder()}1.json`);
        },
      },
    });

    // THEN it polled and copied under slot 1, and its end released slot 1 and left slot 0 alone
    expect(redriven.status, `${redriven.error}: ${redriven.cause}`).toBe('SUCCEEDED');
    expect(heldWhileWriting).toMatch(new RegExp(`:${failed.executionName}$`));
    expect(await slotObjects()).toEqual([`${folder()}0.json`]);
    expect(await holderOf(`${folder()}0.json`)).toBe(OTHER);
    h.aws.putExecution(OTHER, 'SUCCEEDED');
  });

  it('redriven from "Copy files" copying two at once, both copy slots taken: both copies take free ones, and its end frees them', async () => {
    // GIVEN a run that copied two files at once (slots 0 and 1 of 4) and failed, and another run
    // that holds slots 0 and 1 now
    const failed = await failedIn('Copy files', 'Copy file', { originCap: 4 });
    expect((failed.input as { slots: { held: string[] } }).slots.held).toEqual([
      `${folder()}0.json`,
      `${folder()}1.json`,
    ]);
    await otherHolds(0);
    await otherHolds(1);

    // WHEN it is redriven from "Copy files"
    const redriven = await run({ ...failed, redrive: { state: 'Copy files', input: failed.input } });

    // THEN it completed, and only the other run's slots are left
    expect(redriven.status, `${redriven.error}: ${redriven.cause}`).toBe('SUCCEEDED');
    expect(await slotObjects()).toEqual([`${folder()}0.json`, `${folder()}1.json`]);
    for (const key of await slotObjects()) expect(await holderOf(key)).toBe(OTHER);
  });

  it('redriven from "Copy files" copying two at once with one slot free: copies nothing', async () => {
    // GIVEN the same, with a cap of 3: one free slot for two copies at once
    const failed = await failedIn('Copy files', 'Copy file', { originCap: 3 });
    await otherHolds(0);
    await otherHolds(1);
    const before = ordsRequests();

    // WHEN it is redriven from "Copy files"
    const redriven = await run({ ...failed, redrive: { state: 'Copy files', input: failed.input } });

    // THEN it fails with the named error, sent ORDS nothing, and left only the other run's slots
    expect(redriven).toMatchObject({ status: 'FAILED', error: ErrorName.OrdsSlotLost });
    expect(ordsRequests()).toBe(before);
    // The copies still in flight when the Map failed give back what they took as they fail too.
    await vi.waitFor(async () =>
      expect(await slotObjects()).toEqual([`${folder()}0.json`, `${folder()}1.json`]),
    );
  });

  it('redriven after it timed out while polling, its slot taken over by a run that still runs: reads no job', async () => {
    // GIVEN a run that timed out between two polls, holding the only slot
    const database = `redrive${++n}`;
    const executionName = `${database}_redriven`;
    const slots = { originCap: 1 };
    const timedOut = await run({
      database,
      executionName,
      slots,
      stopAt: { state: 'Wait before polling', status: 'TIMED_OUT' },
    });
    expect(timedOut.status).toBe('TIMED_OUT');
    expect(await holderOf(`${folder()}0.json`)).toMatch(new RegExp(`:${executionName}$`));
    // AND another run that took the slot over (its holder had ended) and still runs
    await otherHolds(0);
    const before = ordsRequests();

    // WHEN the timed-out execution is redriven from "Wait before polling"
    const redriven = await run({
      database,
      executionName,
      slots,
      redrive: { state: 'Wait before polling', input: inputOf(timedOut, 'Wait before polling') },
    });

    // THEN "Read job" fails with the named error before its request, and the holder keeps its slot
    expect(redriven).toMatchObject({ status: 'FAILED', error: ErrorName.OrdsSlotLost });
    expect(redriven.cause).toContain('"Read job"');
    expect(ordsRequests()).toBe(before);
    expect(await holderOf(`${folder()}0.json`)).toBe(OTHER);
    h.aws.putExecution(OTHER, 'SUCCEEDED');
  });

  it('redriven from "Start export" while another run holds the only slot: starts no export', async () => {
    // GIVEN a run whose "Start export" failed (its slot released), and another run holding the only slot
    const failed = await failedIn('Start export', 'Start export', { originCap: 1 });
    await otherHolds(0);
    const before = ordsRequests();

    // WHEN the failed execution is redriven from "Start export"
    const redriven = await run({ ...failed, redrive: { state: 'Start export', input: failed.input } });

    // THEN it fails with the named error and sent ORDS nothing
    expect(redriven).toMatchObject({ status: 'FAILED', error: ErrorName.OrdsSlotLost });
    expect(ordsRequests()).toBe(before);
    expect(await holderOf(`${folder()}0.json`)).toBe(OTHER);
    h.aws.putExecution(OTHER, 'SUCCEEDED');
  });
});
