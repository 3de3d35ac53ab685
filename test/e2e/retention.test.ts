import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;
const RETENTION = { daily: 7, weekly: 5, monthly: 12, yearly: 7, timeZone: 'Europe/Berlin' };

describe('retention tiers through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.simulator.configure({ dumpFiles: 2, dumpFileBytes: [6 * MiB, 1000], outcome: 'success' });
  });
  afterAll(() => h.stop());

  const tagsOf = async (key: string) => {
    const { TagSet = [] } = await h.s3.client.send(
      new GetObjectTaggingCommand({ Bucket: h.s3.bucket, Key: key }),
    );
    return Object.fromEntries(TagSet.map((tag) => [tag.Key, tag.Value]));
  };

  it("holds a successful run's objects at its tier, keeps the copy's marker, and releases the run before", async () => {
    const first = await h.run({ database: 'tiered', retention: RETENTION });
    expect(first.status).toBe('SUCCEEDED');
    const manifest = first.manifest!;
    expect(manifest.retention).toMatchObject({ tier: 'yearly', expireAfterDays: 7 * 366 });
    expect(first.output).toMatchObject({ tier: 'yearly', deletableFrom: manifest.retention!.deletableFrom });
    const folder = manifest.files[0]!.key.replace(/[^/]+$/, '');
    for (const key of [...manifest.files.map((file) => file.key), `${folder}manifest.json`]) {
      const tags = await tagsOf(key);
      expect(tags.tier, key).toBe('yearly');
      expect(tags['expire-after-days'], key).toBeUndefined();
    }
    expect(await tagsOf(manifest.files[0]!.key)).toHaveProperty('crc32');

    const second = await h.run({ database: 'tiered', retention: RETENTION });

    expect(second.status).toBe('SUCCEEDED');
    expect(second.manifest!.retention!.tier).toBe('daily');
    expect(await tagsOf(second.manifest!.files[0]!.key)).toMatchObject({ tier: 'daily' });
    expect(await tagsOf(second.manifest!.files[0]!.key)).not.toHaveProperty('expire-after-days');
    expect(await tagsOf(manifest.files[0]!.key)).toMatchObject({
      tier: 'yearly',
      'expire-after-days': '2562',
    });
    expect(await tagsOf(`${folder}manifest.json`)).toMatchObject({
      tier: 'yearly',
      'expire-after-days': '2562',
    });
  });

  it('leaves every object of a run that completed with errors a daily that expires', async () => {
    h.simulator.configure({ dumpFiles: 1, dumpFileBytes: 1000, outcome: 'errors' });
    const result = await h.run({ database: 'failing', retention: RETENTION });
    h.simulator.configure({ dumpFiles: 2, dumpFileBytes: [6 * MiB, 1000], outcome: 'success' });

    expect(result.status).toBe('FAILED');
    // Its dump, log and manifest are stored (the verdict is in the manifest), all as dailies.
    const keys = (await h.keys()).filter((key) => key.startsWith('failing/') && !key.endsWith('lock.json'));
    expect(keys.map((key) => key.replace(/^.*\//, '').replace(/^FAILING-.*\./, 'FILE.'))).toEqual(
      expect.arrayContaining(['FILE.DMP', 'FILE.LOG', 'manifest.json']),
    );
    for (const key of keys) {
      expect(await tagsOf(key), key).toMatchObject({ tier: 'daily', 'expire-after-days': '7' });
    }
  });
});
