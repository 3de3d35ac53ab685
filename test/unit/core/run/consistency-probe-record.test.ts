import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsistencyProbeRecord,
  consistencyProbeKey,
  readProbeRecord,
  writeProbeRecord,
} from '../../../../functions/core/run/index.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(() => s3.stop());

const record = (database: string, outcome: 'served' | 'refused'): ConsistencyProbeRecord => ({
  probeVersion: 1,
  database,
  ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
  outcome,
  ...(outcome === 'refused' ? { reason: 'ORDS answers 404 for the log' } : {}),
  probedAt: '2026-12-07T02:00:05.000Z',
  executionName: 'orders-1',
});

describe('the consistency probe record', () => {
  const store = () => ({ s3: s3.client, bucket: s3.bucket, logger: recordingLogger() });

  it('is absent at first, created once, and replaced only from the version read', async () => {
    expect(await readProbeRecord(store(), 'p/', 'orders')).toEqual({ record: null, etag: null });

    expect(await writeProbeRecord(store(), 'p/', record('orders', 'refused'), null)).toBe(true);
    const first = await readProbeRecord(store(), 'p/', 'orders');
    expect(first.record).toMatchObject({ outcome: 'refused' });
    // A second create (another execution's, racing) does not overwrite it.
    expect(await writeProbeRecord(store(), 'p/', record('orders', 'served'), null)).toBe(false);
    expect(await writeProbeRecord(store(), 'p/', record('orders', 'served'), first.etag)).toBe(true);
    // The version read before is stale now: a write from it is refused.
    expect(await writeProbeRecord(store(), 'p/', record('orders', 'refused'), first.etag)).toBe(false);
    expect((await readProbeRecord(store(), 'p/', 'orders')).record).toMatchObject({ outcome: 'served' });
    expect(consistencyProbeKey('p/', 'orders')).toBe('p/orders/consistency-probe.json');
  });

  it("ignores an object that is not a valid record, or another database's, keeping its ETag to replace it", async () => {
    for (const body of ['not json', JSON.stringify({ ...record('sales', 'served') })]) {
      await s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: consistencyProbeKey('', 'orders'), Body: body }),
      );
      const read = await readProbeRecord(store(), '', 'orders');
      expect(read.record).toBeNull();
      expect(read.etag).toMatch(/\S/);
    }
  });
});
