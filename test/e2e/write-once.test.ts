import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { backupFolder } from '../../functions/core/state/naming.js';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;

/** Issue 18: a dump key that already holds a foreign object fails the run loudly and keeps the object. */
describe('write-once objects through the state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('fails the run naming the key when a foreign object is put under a dump key before the copy', async () => {
    h.simulator.configure({ dumpFiles: 1, dumpFileBytes: 2 * MiB, pollsPerState: 3 });
    const foreign = Buffer.from('not this database');
    const before = h.simulator.jobs().length;
    let foreignKey: string | undefined;
    // While the export runs, someone with s3:PutObject stores an object under the dump file's key.
    const planted = (async () => {
      for (;;) {
        const job = h.simulator.jobs()[before];
        const dump = job?.files.find((file) => /\.dmp$/i.test(file.name));
        if (job !== undefined && dump !== undefined) {
          foreignKey = `${backupFolder('', 'planted', new Date().toISOString(), job.jobName)}${dump.name}`;
          await h.s3.client.send(
            new PutObjectCommand({ Bucket: h.s3.bucket, Key: foreignKey, Body: foreign }),
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const result = await h.run({ database: 'planted' });
    await planted;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.StorageRejected);
    expect(result.cause).toContain(`${foreignKey} already holds an object of ${foreign.length} bytes`);
    const kept = await h.s3.client.send(new GetObjectCommand({ Bucket: h.s3.bucket, Key: foreignKey }));
    expect(Buffer.from(await kept.Body!.transformToByteArray()).equals(foreign)).toBe(true);
  });
});
