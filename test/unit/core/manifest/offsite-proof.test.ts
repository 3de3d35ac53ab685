import { crc32 } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkOffsiteCopy } from '../../../../functions/core/manifest/index.js';
import { crc32ToBase64 } from '../../../../functions/core/transfer/index.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';
import { objectTags } from '../transfer/transfer-fixtures.js';

const OFFSITE = 'offsite-copy';
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3({ replication: { destinationBucket: OFFSITE, delayMs: 1 } });
});
afterAll(async () => {
  await s3.stop();
});
beforeEach(async () => {
  s3.replication?.release();
  await s3.replication?.settle();
});

const T0 = new Date('2026-03-01T02:00:00Z');
const deps = (now = T0) => ({
  s3: s3.client,
  bucket: s3.bucket,
  offsite: { s3: s3.client, bucket: OFFSITE },
  logger: recordingLogger(),
  now: () => now,
});

/** Stores a backup's dump file and manifest as a run does; returns the manifest's URI. */
async function backup(folder: string, manifestExtra: Record<string, unknown> = {}): Promise<string> {
  const data = Buffer.from(`dump in ${folder}`);
  const checksum = crc32ToBase64(crc32(data));
  await s3.client.send(
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: `${folder}A-01.DMP`,
      Body: data,
      ChecksumCRC32: checksum,
    }),
  );
  const manifest = {
    files: [
      { key: `${folder}A-01.DMP`, bytes: data.length, checksum: { value: checksum, type: 'FULL_OBJECT' } },
    ],
    ...manifestExtra,
  };
  await s3.client.send(
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: `${folder}manifest.json`,
      Body: JSON.stringify(manifest),
    }),
  );
  return `s3://${s3.bucket}/${folder}manifest.json`;
}

const recordExists = (folder: string) =>
  s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${folder}offsite.json` })).then(
    () => true,
    () => false,
  );

describe('checkOffsiteCopy', () => {
  it('stays pending while objects replicate, then records offsite.json once the replicas match', async () => {
    s3.replication?.hold();
    const manifest = await backup('db1/2026/03/01/JOB1/');
    const first = await checkOffsiteCopy(deps(), { manifest, maxLagSeconds: 900 });
    expect(first).toEqual({ offsite: 'pending', since: T0.toISOString(), pending: 2, objects: 2 });
    expect(await recordExists('db1/2026/03/01/JOB1/')).toBe(false);

    s3.replication?.release();
    await s3.replication?.settle();
    const later = new Date(T0.getTime() + 60_000);
    const second = await checkOffsiteCopy(deps(later), {
      manifest,
      since: T0.toISOString(),
      maxLagSeconds: 900,
    });
    expect(second).toEqual({
      offsite: 'copied',
      record: `s3://${s3.bucket}/db1/2026/03/01/JOB1/offsite.json`,
      objects: 2,
    });
    const stored = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: 'db1/2026/03/01/JOB1/offsite.json' }),
    );
    const record = JSON.parse(await stored.Body!.transformToString());
    expect(record).toMatchObject({
      offsiteVersion: 1,
      manifest,
      replicaBucket: `s3://${OFFSITE}/`,
      provedAt: later.toISOString(),
    });
    expect(record.objects.map((object: { key: string }) => object.key)).toEqual([
      'db1/2026/03/01/JOB1/A-01.DMP',
      'db1/2026/03/01/JOB1/manifest.json',
    ]);

    // A retried step finds its own record: write-once, and still "copied".
    const retried = await checkOffsiteCopy(deps(new Date(later.getTime() + 1000)), {
      manifest,
      maxLagSeconds: 900,
    });
    expect(retried.offsite).toBe('copied');
    const again = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: 'db1/2026/03/01/JOB1/offsite.json' }),
    );
    expect(JSON.parse(await again.Body!.transformToString()).provedAt).toBe(later.toISOString());
  });

  it('fails, naming the object, when S3 reports FAILED, and records nothing', async () => {
    s3.replication?.failPrefix('db2/');
    const manifest = await backup('db2/2026/03/01/JOB1/');
    await s3.replication?.settle();
    const result = await checkOffsiteCopy(deps(), { manifest, maxLagSeconds: 900 });
    expect(result).toMatchObject({ offsite: 'failed' });
    expect(result.offsite === 'failed' && result.reason).toContain('db2/2026/03/01/JOB1/A-01.DMP');
    expect(await recordExists('db2/2026/03/01/JOB1/')).toBe(false);
    s3.replication?.healPrefix('db2/');
  });

  it('is late once the objects stay pending past the threshold', async () => {
    s3.replication?.hold();
    const manifest = await backup('db3/2026/03/01/JOB1/');
    const since = T0.toISOString();
    const result = await checkOffsiteCopy(deps(new Date(T0.getTime() + 901_000)), {
      manifest,
      since,
      maxLagSeconds: 900,
    });
    expect(result).toMatchObject({ offsite: 'late', since });
    expect(result.offsite === 'late' && result.reason).toContain('2 of 2 objects');
  });

  it('does not trust COMPLETED: a replica whose bytes differ from the manifest fails the proof', async () => {
    const manifest = await backup('db4/2026/03/01/JOB1/');
    await s3.replication?.settle();
    // Someone in the other account (or a bug) replaced the replica.
    await s3.client.send(
      new PutObjectCommand({
        Bucket: OFFSITE,
        Key: 'db4/2026/03/01/JOB1/A-01.DMP',
        Body: 'tampered with!!!!!!!!!!!!',
      }),
    );
    const result = await checkOffsiteCopy(deps(), { manifest, maxLagSeconds: 900 });
    expect(result).toMatchObject({ offsite: 'failed' });
    expect(result.offsite === 'failed' && result.reason).toMatch(/replica .*A-01\.DMP has \d+ bytes/);
    expect(await recordExists('db4/2026/03/01/JOB1/')).toBe(false);
  });

  it('gives offsite.json the tags its backup gets when released, with retention tiers', async () => {
    const manifest = await backup('db5/2026/03/01/JOB1/', {
      retention: { tier: 'monthly', expireAfterDays: 372, deletableFrom: '2027-03-08T00:00:00Z' },
    });
    await s3.replication?.settle();
    expect((await checkOffsiteCopy(deps(), { manifest, maxLagSeconds: 900 })).offsite).toBe('copied');
    expect(await objectTags(s3, 'db5/2026/03/01/JOB1/offsite.json')).toEqual({
      tier: 'monthly',
      'expire-after-days': '372',
    });
  });

  it('refuses a manifest that names files outside its folder, or another bucket', async () => {
    const folder = 'db6/2026/03/01/JOB1/';
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${folder}manifest.json`,
        Body: JSON.stringify({
          files: [{ key: 'db7/secret.dmp', bytes: 1, checksum: { value: 'AAAAAA==' } }],
        }),
      }),
    );
    await expect(
      checkOffsiteCopy(deps(), { manifest: `s3://${s3.bucket}/${folder}manifest.json`, maxLagSeconds: 900 }),
    ).rejects.toThrow('names a file outside db6/2026/03/01/JOB1/: db7/secret.dmp');
    await expect(
      checkOffsiteCopy(deps(), { manifest: `s3://other/${folder}manifest.json`, maxLagSeconds: 900 }),
    ).rejects.toThrow('Not a manifest of');
  });

  it('refuses to take over an offsite.json that names another manifest', async () => {
    const folder = 'db8/2026/03/01/JOB1/';
    const manifest = await backup(folder);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${folder}offsite.json`,
        Body: JSON.stringify({ manifest: 's3://x/y/manifest.json' }),
      }),
    );
    await s3.replication?.settle();
    await expect(checkOffsiteCopy(deps(), { manifest, maxLagSeconds: 900 })).rejects.toThrow(
      'already exists and names another manifest',
    );
  });

  it('refuses an offsite.json that names this manifest but other replicas, and keeps it (issue 18)', async () => {
    const folder = 'db9/2026/03/01/JOB1/';
    const manifest = await backup(folder);
    await s3.replication?.settle();
    // Someone who may write the bucket forges the proof before the check writes it.
    const forged = JSON.stringify({
      offsiteVersion: 1,
      manifest,
      replicaBucket: `s3://${OFFSITE}/`,
      provedAt: T0.toISOString(),
      objects: [{ key: `${folder}A-01.DMP`, bytes: 1, crc32: 'AAAAAA==' }],
    });
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `${folder}offsite.json`, Body: forged }),
    );

    await expect(checkOffsiteCopy(deps(), { manifest, maxLagSeconds: 900 })).rejects.toThrow(
      'names this manifest, but not the replicas this check found',
    );
    const kept = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: `${folder}offsite.json` }),
    );
    expect(await kept.Body!.transformToString()).toBe(forged);
  });

  it('accepts its own earlier offsite.json on a retry, whatever the time it was proved at', async () => {
    const folder = 'db10/2026/03/01/JOB1/';
    const manifest = await backup(folder);
    await s3.replication?.settle();
    const first = await checkOffsiteCopy(deps(), { manifest, maxLagSeconds: 900 });
    const later = new Date(T0.getTime() + 120_000);

    const again = await checkOffsiteCopy(deps(later), { manifest, maxLagSeconds: 900 });

    expect(again).toEqual(first);
  });
});
