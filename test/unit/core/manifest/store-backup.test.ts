import { crc32 } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoreBackupInput, storeBackup } from '../../../../functions/core/manifest/index.js';
import { writeTimeTags } from '../../../../functions/core/retention/index.js';
import { crc32ToBase64 } from '../../../../functions/core/transfer/index.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';
import { objectTags } from '../transfer/transfer-fixtures.js';

const RETENTION = { daily: 7, weekly: 5, monthly: 12, yearly: 7, timeZone: 'Europe/Berlin' };
let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3.stop();
});

const deps = (now = new Date()) => ({
  s3: s3.client,
  bucket: s3.bucket,
  logger: recordingLogger(),
  now: () => now,
  toolVersion: '1.2.3',
});

/** Stores a run's dump file as the copy does (a daily) and returns the manifest step's input. */
async function runOf(
  database: string,
  day: string,
  options: { verdict?: 'succeeded' | 'completed-with-errors'; prefix?: string } = {},
): Promise<StoreBackupInput> {
  const prefix = options.prefix ?? '';
  const jobName = `DATAPUMP_REST_EXPORT_${day.replaceAll('-', '')}020000`;
  const folder = `${prefix}${database}/${day.replaceAll('-', '/')}/${jobName}/`;
  const data = Buffer.from(`dump of ${day}`);
  const checksum = crc32ToBase64(crc32(data));
  const key = `${folder}A-01.DMP`;
  const tagging = writeTimeTags(RETENTION)
    .map((tag) => `${tag.Key}=${tag.Value}`)
    .join('&');
  await s3.client.send(
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: key,
      Body: data,
      ChecksumCRC32: checksum,
      Tagging: tagging,
    }),
  );
  const file = { name: 'A-01.DMP', kind: 'dump' as const, key };
  return {
    executionName: `${database}_${day}`,
    database,
    prefix,
    ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
    exportSpec: { jobMode: 'SCHEMA', schemas: ['HR'], datapumpDir: 'DATA_PUMP_DIR' },
    scheduledTime: `${day}T01:00:00Z`,
    startedBy: 'schedule',
    job: {
      owner: 'DBAPI_USER',
      jobName,
      runId: `${day.replaceAll('-', '')}T010000Z-1A2B`,
      fileName: 'A-%U.DMP',
      jobMode: 'SCHEMA',
      startedAt: `${day}T01:00:05.000Z`,
      adopted: false,
    },
    verdict: {
      verdict: options.verdict ?? 'succeeded',
      summary: 'Job … successfully completed',
      errors: [],
      cause: '',
      files: [file],
      checkedAt: `${day}T01:10:00.000Z`,
    },
    stored: [
      {
        ...file,
        bytes: data.length,
        checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: checksum },
        invocations: 1,
      },
    ],
    acceptCompletedWithErrors: false,
    retention: RETENTION,
  };
}

async function json(key: string): Promise<Record<string, unknown>> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return JSON.parse(await object.Body!.transformToString());
}
const manifestKeyOf = (input: StoreBackupInput) => input.stored[0]!.key.replace('A-01.DMP', 'manifest.json');

describe('storeBackup with retention tiers', () => {
  it('makes the first backup the yearly, held: its tier without an expiry tag, the marker kept', async () => {
    const run = await runOf('first', '2026-12-07');

    const { summary } = await storeBackup(deps(), run);

    expect(summary).toMatchObject({ tier: 'yearly', deletableFrom: '2033-12-13T00:00:00.000Z' });
    expect((await json(manifestKeyOf(run))).retention).toEqual({
      tier: 'yearly',
      expireAfterDays: 2562,
      deletableFrom: '2033-12-13T00:00:00.000Z',
    });
    expect(await objectTags(s3, run.stored[0]!.key)).toEqual({ tier: 'yearly' });
    expect(await objectTags(s3, manifestKeyOf(run))).toEqual({ tier: 'yearly' });
    expect((await json('first/last-backup.json')).retention).toEqual({
      tier: 'yearly',
      expireAfterDays: 2562,
      runAt: '2026-12-07T01:00:00.000Z',
    });
  });

  it('releases the previous newest backup to its tier once the next one is held', async () => {
    const first = await runOf('second', '2026-12-07');
    await storeBackup(deps(), first);
    const next = await runOf('second', '2026-12-08');

    const { summary } = await storeBackup(deps(), next);

    expect(summary.tier).toBe('daily');
    expect(await objectTags(s3, next.stored[0]!.key)).toEqual({ tier: 'daily' });
    expect(await objectTags(s3, first.stored[0]!.key)).toEqual({
      tier: 'yearly',
      'expire-after-days': '2562',
    });
    expect(await objectTags(s3, manifestKeyOf(first))).toEqual({
      tier: 'yearly',
      'expire-after-days': '2562',
    });
  });

  it('leaves a run that does not count as a success a daily, and the newest backup held', async () => {
    const good = await runOf('failing', '2026-12-07');
    await storeBackup(deps(), good);
    const bad = await runOf('failing', '2026-12-14', { verdict: 'completed-with-errors' });

    const { summary, succeeded } = await storeBackup(deps(), bad);

    expect(succeeded).toBe(false);
    // 14 December 2026 is a Monday, the first run of its week: a success would have been the weekly.
    expect(summary.tier).toBe('daily');
    expect(await objectTags(s3, bad.stored[0]!.key)).toEqual({ tier: 'daily', 'expire-after-days': '7' });
    expect(await objectTags(s3, manifestKeyOf(bad))).toEqual({ tier: 'daily', 'expire-after-days': '7' });
    expect(await objectTags(s3, good.stored[0]!.key)).toEqual({ tier: 'yearly' });
    // The next success of that week takes the weekly.
    expect((await storeBackup(deps(), await runOf('failing', '2026-12-15'))).summary.tier).toBe('weekly');
  });

  it('keeps its tier on a retry after it was recorded, and does not release itself', async () => {
    await storeBackup(deps(), await runOf('retry', '2026-11-30'));
    const run = await runOf('retry', '2026-12-01');
    const first = await storeBackup(deps(), run);

    const again = await storeBackup(deps(), run);

    expect(first.summary.tier).toBe('monthly');
    expect(again.summary.tier).toBe('monthly');
    expect(await objectTags(s3, run.stored[0]!.key)).toEqual({ tier: 'monthly' });
  });

  it('fails without releasing anything when the previous manifest names keys of another database', async () => {
    const victim = await runOf('victim', '2026-12-07');
    await storeBackup(deps(), victim);
    const first = await runOf('hostile', '2026-12-07');
    await storeBackup(deps(), first);
    // Someone rewrites the previous manifest to point at another database's dump.
    const manifest = await json(manifestKeyOf(first));
    const body = Buffer.from(JSON.stringify({ ...manifest, files: [{ key: victim.stored[0]!.key }] }));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: manifestKeyOf(first), Body: body }));

    await expect(storeBackup(deps(), await runOf('hostile', '2026-12-08'))).rejects.toThrow(
      /names keys outside hostile\//,
    );
    expect(await objectTags(s3, victim.stored[0]!.key)).toEqual({ tier: 'yearly' });
  });

  it('counts from a last-backup record written before tiers, and leaves that backup untagged', async () => {
    const { retention: _retention, ...old } = await runOf('upgraded', '2026-12-13');
    await storeBackup(deps(new Date('2026-12-13T01:10:00Z')), old);
    const tagsBefore = await objectTags(s3, old.stored[0]!.key);

    // Monday 14 December: the first success of the week since the record's finishedAt (13 December).
    const { summary } = await storeBackup(deps(), await runOf('upgraded', '2026-12-14'));
    // Tuesday 15 December: a daily.
    const next = await storeBackup(deps(), await runOf('upgraded', '2026-12-15'));

    expect(summary.tier).toBe('weekly');
    expect(next.summary.tier).toBe('daily');
    expect(await objectTags(s3, old.stored[0]!.key)).toEqual(tagsBefore);
  });

  it('fails loudly, before writing the manifest, when last-backup.json is not a record of this database', async () => {
    await storeBackup(deps(), await runOf('edited', '2026-12-07'));
    const record = await json('edited/last-backup.json');
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'edited/last-backup.json',
        Body: JSON.stringify({ ...record, database: 'other' }),
      }),
    );
    const run = await runOf('edited', '2026-12-08');

    await expect(storeBackup(deps(), run)).rejects.toThrow(
      /edited\/last-backup\.json is not the last-backup record of database "edited"/,
    );
    await expect(json(manifestKeyOf(run))).rejects.toThrow();
  });

  it('writes no tier tags and no tier without retention', async () => {
    const { retention: _retention, ...run } = await runOf('plain', '2026-12-07');

    const { summary } = await storeBackup(deps(), run);

    expect(summary.tier).toBeUndefined();
    expect((await json(manifestKeyOf(run))).retention).toBeUndefined();
    expect((await json('plain/last-backup.json')).retention).toBeUndefined();
  });
});
