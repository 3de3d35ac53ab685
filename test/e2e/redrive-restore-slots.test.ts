import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { originSlots } from '../../functions/core/run/index.js';
import type { LocalRunResult } from '../../local/local-run.js';
import { defaultRestoreSwitches } from '../../simulator/uploaded-files.js';
import { type Harness, startHarness } from './harness.js';

/** A bug in a step: not retried, caught into "Release run lock", which frees the restore's slot. */
const bug = () => Object.assign(new Error('a bug in the step'), { name: 'TypeError' });
const OTHER = 'arn:aws:states:us-east-1:000000000000:execution:local:sales_other';

/**
 * The restore state machine, redriven at a step that calls ORDS after its failed end released its
 * slot: the step holds a slot again before it puts a byte on the server, or fails naming the holder.
 */
describe('a redriven restore holds its ORDS slot again before it calls ORDS', () => {
  let h: Harness;
  let manifest: string;
  beforeAll(async () => {
    h = await startHarness();
    h.simulator.configure({ dumpFiles: 1, dumpFileBytes: 4096, restSql: true });
    const backup = await h.run();
    expect(backup.status).toBe('SUCCEEDED');
    const manifestKey = (await h.keys()).filter((key) => key.endsWith('/manifest.json')).at(-1)!;
    manifest = `s3://${h.s3.bucket}/${manifestKey}`;
  });
  afterAll(() => h.stop());
  beforeEach(() => h.simulator.configure({ restore: defaultRestoreSwitches(), importOutcome: 'success' }));

  const folder = () => originSlots('', new URL(h.simulator.url).origin);
  const slotObjects = async () =>
    (
      await h.s3.client.send(new ListObjectsV2Command({ Bucket: h.s3.bucket, Prefix: folder() }))
    ).Contents?.map((object) => object.Key!) ?? [];
  const inputOf = (result: LocalRunResult, state: string) =>
    (
      result.events.find(
        (event) =>
          event.type === 'StateEntered' && (event as { state: { name: string } }).state.name === state,
      ) as unknown as { state: { input: unknown } }
    ).state.input;
  const restore = (targetSchema: string, options: Parameters<Harness['run']>[0] = {}) =>
    h.run({
      restore: { manifest, targetSchema, pollSeconds: 1 },
      slots: { originCap: 1 },
      executionName: `orders_restore_${targetSchema}`,
      ...options,
    });
  /** A restore that failed in "Put files on the server" (its slot and lock released on its way out). */
  const failedPut = async (targetSchema: string) => {
    const failed = await restore(targetSchema, { taskFaults: { 'Put files on the server': bug() } });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'TypeError' });
    expect(await slotObjects()).toEqual([]);
    return inputOf(failed, 'Put files on the server');
  };

  it('redriven while a backup holds the only slot: fails naming it, and puts nothing on the server', async () => {
    // GIVEN a failed restore, and a running backup that holds the only slot now
    const input = await failedPut('HR_REDRIVE_BUSY');
    h.aws.putExecution(OTHER, 'RUNNING');
    await h.s3.client.send(
      new PutObjectCommand({
        Bucket: h.s3.bucket,
        Key: `${folder()}0.json`,
        Body: '{}',
        Metadata: {
          'execution-arn': OTHER,
          'execution-name': 'sales_other',
          'started-at': new Date().toISOString(),
        },
      }),
    );
    const before = h.simulator.requests.length;
    try {
      // WHEN the restore is redriven from "Put files on the server"
      const redriven = await restore('HR_REDRIVE_BUSY', {
        redrive: { state: 'Put files on the server', input },
      });

      // THEN it fails with the named error, naming the holder, and sent ORDS nothing
      expect(redriven).toMatchObject({ status: 'FAILED', error: ErrorName.OrdsSlotLost });
      expect(redriven.cause).toContain('"Put files on the server"');
      expect(redriven.cause).toContain('sales_other');
      expect(h.simulator.requests.length).toBe(before);
      expect(await slotObjects()).toEqual([`${folder()}0.json`]);
    } finally {
      h.aws.putExecution(OTHER, 'SUCCEEDED');
    }
  });

  it('redriven while a backup holds the run lock: fails naming it, and puts nothing on the server', async () => {
    // GIVEN a failed restore, and a running backup of the database that holds its run lock now
    const input = await failedPut('HR_REDRIVE_LOCKED');
    h.aws.putExecution(OTHER, 'RUNNING');
    await h.s3.client.send(
      new PutObjectCommand({
        Bucket: h.s3.bucket,
        Key: '_locks/orders.json',
        Body: '{}',
        Metadata: {
          'execution-arn': OTHER,
          'execution-name': 'orders_backup',
          'started-at': new Date().toISOString(),
        },
      }),
    );
    const before = h.simulator.requests.length;
    try {
      // WHEN the restore is redriven from "Put files on the server"
      const redriven = await restore('HR_REDRIVE_LOCKED', {
        redrive: { state: 'Put files on the server', input },
      });

      // THEN it stops before any request to ORDS, naming the holder, and frees the slot it took again
      expect(redriven).toMatchObject({ status: 'FAILED', error: ErrorName.RunLockLost });
      expect(redriven.cause).toContain('orders_backup');
      expect(h.simulator.requests.length).toBe(before);
      expect(await slotObjects()).toEqual([]);
    } finally {
      h.aws.putExecution(OTHER, 'SUCCEEDED');
      await h.s3.client.send(new DeleteObjectCommand({ Bucket: h.s3.bucket, Key: '_locks/orders.json' }));
    }
  });

  it('redriven with the slot free: takes it again, restores, and releases it', async () => {
    // GIVEN a failed restore, its slot free (the last test's holder ended; its slot is taken over)
    const input = await failedPut('HR_REDRIVE_FREE');

    // WHEN it is redriven from "Put files on the server"
    const redriven = await restore('HR_REDRIVE_FREE', {
      redrive: { state: 'Put files on the server', input },
    });

    // THEN it restored, and left no slot behind
    expect(redriven.status, `${redriven.error}: ${redriven.cause}`).toBe('SUCCEEDED');
    expect(h.simulator.users().map((user) => user.username)).toContain('HR_REDRIVE_FREE');
    expect(await slotObjects()).toEqual([]);
  });
});
