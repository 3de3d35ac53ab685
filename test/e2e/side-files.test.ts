import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_CLEANUP_FILE } from '../../functions/core/cleanup/index.js';
import type { ServerCleanupResult } from '../../functions/core/state/index.js';
import { backupFolder } from '../../functions/core/state/naming.js';
import type { LocalRunResult } from '../../local/local-run.js';
import { type Harness, startHarness } from './harness.js';

/**
 * Issue 18: server-cleanup.json is a conditional create. A retry of "Clean up server" (the function
 * timed out after it wrote the record) keeps its earlier try's record; a foreign object under the
 * key fails the cleanup loudly and is kept.
 */
describe('the cleanup side file through the state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  const cleanupOf = (result: LocalRunResult) =>
    (result.output as { serverCleanup: ServerCleanupResult }).serverCleanup;
  const entered = (result: LocalRunResult) =>
    result.events.filter((event) => event.type === 'StateEntered').map((event) => event.state.name);
  const recordKey = (result: LocalRunResult) => {
    const manifest = result.manifest!;
    return `${manifest.files[0]!.key.slice(0, manifest.files[0]!.key.lastIndexOf('/') + 1)}${SERVER_CLEANUP_FILE}`;
  };

  it("keeps its earlier try's record when the cleanup function timed out after writing it, and completes", async () => {
    h.simulator.configure({ dumpFiles: 2, dumpFileBytes: 4096, outcome: 'success', restSql: true });

    // WHEN the first try of "Clean up server" removes the files, drops the table, writes the record
    // and then times out, and Step Functions retries it
    const result = await h.run({ taskInterruptions: { 'Clean up server': 1 } });

    // THEN the backup is complete: the retry found its earlier try's record and kept it
    expect(result.status).toBe('SUCCEEDED');
    expect(entered(result).at(-1)).toBe('Backup complete');
    const table = `DBAPI_USER.${result.manifest!.jobName}`;
    // The retry found the job gone; the state shows what the earlier try did (and recorded).
    expect(cleanupOf(result)).toMatchObject({ serverCleanup: 'done', droppedControlTable: table });
    const record = JSON.parse((await h.read(recordKey(result))).toString('utf8'));
    expect(record).toMatchObject({ serverCleanup: 'done', droppedControlTable: table });
  });

  it('fails the cleanup loudly and keeps a foreign object put under server-cleanup.json before the run wrote it', async () => {
    h.simulator.configure({
      dumpFiles: 1,
      dumpFileBytes: 4096,
      outcome: 'success',
      restSql: true,
      pollsPerState: 3,
    });
    const foreign = Buffer.from(
      JSON.stringify({ serverCleanup: 'done', removedFiles: [], droppedControlTable: null }),
    );
    const before = h.simulator.jobs().length;
    let foreignKey: string | undefined;
    // While the export runs, someone with s3:PutObject stores a record under the run's cleanup key.
    const planted = (async () => {
      for (;;) {
        const job = h.simulator.jobs()[before];
        if (job !== undefined) {
          foreignKey = `${backupFolder('', 'orders', new Date().toISOString(), job.jobName)}${SERVER_CLEANUP_FILE}`;
          await h.s3.client.send(
            new PutObjectCommand({ Bucket: h.s3.bucket, Key: foreignKey, Body: foreign }),
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const result = await h.run({ database: 'orders' });
    await planted;

    // THEN the backup is stored, the console shows the cleanup failure naming the refusal
    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    expect(recordKey(result)).toBe(foreignKey);
    expect(entered(result).at(-1)).toBe('Backup complete, cleanup failed');
    expect(entered(result)).toContain('Record cleanup failure');
    expect(cleanupOf(result).reason).toContain('StorageRejectedError');
    // AND the foreign object is kept, byte for byte
    expect((await h.read(foreignKey!)).equals(foreign)).toBe(true);
  });
});
