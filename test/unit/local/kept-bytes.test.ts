import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeKept,
  estimateMonthlyCost,
  keptBytes,
  type PriceFigures,
  parsePriceFigures,
} from '../../../local/commands/kept-bytes.js';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
  const put = (Key: string, Body: string) =>
    s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body }));
  const manifest = (tier?: string) => JSON.stringify({ files: [], ...(tier ? { retention: { tier } } : {}) });
  await put('acme/orders/2026/03/01/JOB1/A-01.DMP', 'x'.repeat(1000));
  await put('acme/orders/2026/03/01/JOB1/manifest.json', manifest('monthly'));
  await put('acme/orders/2026/03/02/JOB2/A-01.DMP', 'x'.repeat(500));
  await put('acme/orders/2026/03/02/JOB2/manifest.json', manifest('daily'));
  await put('acme/orders/2026/03/03/JOB3/A-01.DMP', 'x'.repeat(300)); // a failed run: no manifest
  await put('acme/hr/2026/03/01/JOB1/A-01.DMP', 'x'.repeat(200));
  await put('acme/hr/2026/03/01/JOB1/manifest.json', manifest());
  await put('acme/orders/last-backup.json', '{}');
  await put('other/x/2026/03/01/JOB1/A-01.DMP', 'not ours');
});
afterAll(async () => {
  await s3.stop();
});

const manifestBytes = (tier?: string) =>
  Buffer.byteLength(JSON.stringify({ files: [], ...(tier ? { retention: { tier } } : {}) }));

describe('keptBytes', () => {
  it('sums the objects of each backup folder per database and the tier its manifest records', async () => {
    const rows = await keptBytes({ s3: s3.client, now: () => new Date() }, s3.bucket, 'acme/');
    expect(rows.map((row) => [row.database, row.tier, row.objects, row.bytes])).toEqual([
      ['hr', 'untiered', 2, 200 + manifestBytes()],
      ['orders', 'daily', 2, 500 + manifestBytes('daily')],
      ['orders', 'incomplete', 1, 300],
      ['orders', 'monthly', 2, 1000 + manifestBytes('monthly')],
    ]);
    expect(rows.every((row) => row.writtenLast30Days === row.bytes)).toBe(true);
  });

  it('counts nothing as written in the last 30 days for objects older than that', async () => {
    const later = new Date(Date.now() + 31 * 86_400_000);
    const rows = await keptBytes({ s3: s3.client, now: () => later }, s3.bucket, 'acme/');
    expect(rows.every((row) => row.writtenLast30Days === 0)).toBe(true);
  });
});

// Round figures for the arithmetic only: not AWS's prices.
const PRICES: PriceFigures = {
  source: 'test figures',
  region: 'xx-test-1',
  readOn: '2026-12-01',
  storagePerGbMonth: { STANDARD: 1, GLACIER_IR: 0.5 },
  replicaStoragePerGbMonth: 2,
  replicationTimeControlPerGb: 3,
  interRegionTransferPerGb: 4,
};
const GB = 1024 ** 3;
const row = {
  database: 'orders',
  tier: 'monthly',
  objects: 3,
  bytes: 3 * GB,
  writtenLast30Days: GB,
  byStorageClass: { STANDARD: GB, GLACIER_IR: 2 * GB },
};

describe('estimateMonthlyCost', () => {
  it('prices storage per class, and with the off-site copy the replica and the bytes replicated this month', () => {
    expect(estimateMonthlyCost(row, PRICES, false)).toEqual({
      storage: 2,
      replicaStorage: 0,
      replication: 0,
      total: 2,
    });
    expect(estimateMonthlyCost(row, PRICES, true)).toEqual({
      storage: 2,
      replicaStorage: 6,
      replication: 7,
      total: 15,
    });
  });

  it('refuses to guess a price the figures do not give', () => {
    expect(() =>
      estimateMonthlyCost({ ...row, byStorageClass: { DEEP_ARCHIVE: GB } }, PRICES, false),
    ).toThrow('--prices gives no storagePerGbMonth.DEEP_ARCHIVE');
    const { replicationTimeControlPerGb: _, ...withoutRtc } = PRICES;
    expect(() => estimateMonthlyCost(row, withoutRtc, true)).toThrow('replicationTimeControlPerGb');
  });

  it('prints the region and date of the figures beside the estimate', () => {
    const lines = describeKept([row], PRICES, true);
    expect(lines.at(-1)).toContain('list prices of xx-test-1 read on 2026-12-01 (test figures)');
    expect(lines.at(-1)).toContain('$15.00');
  });
});

describe('parsePriceFigures', () => {
  it('names the file and the bad field', () => {
    expect(() => parsePriceFigures('{', 'p.json')).toThrow('--prices p.json is not JSON');
    expect(() => parsePriceFigures(JSON.stringify({ ...PRICES, readOn: 'last week' }), 'p.json')).toThrow(
      '--prices p.json: readOn:',
    );
    expect(() =>
      parsePriceFigures(JSON.stringify({ ...PRICES, storagePerGbMonth: { STANDARD: -1 } }), 'p.json'),
    ).toThrow('storagePerGbMonth.STANDARD');
    expect(() => parsePriceFigures(JSON.stringify({ ...PRICES, typo: 1 }), 'p.json')).toThrow('p.json');
  });
});

describe('the shipped us-east-1 price figures', () => {
  it('parse, and price every storage class a backup uses and the off-site copy', () => {
    const file = new URL('../../../config/prices-us-east-1.json', import.meta.url);
    const prices = parsePriceFigures(readFileSync(file, 'utf8'), 'config/prices-us-east-1.json');
    expect(prices.region).toBe('us-east-1');
    expect(Object.keys(prices.storagePerGbMonth).sort()).toEqual(['GLACIER_IR', 'STANDARD']);
    expect(prices.replicaStoragePerGbMonth).toBeGreaterThan(0);
    expect(prices.replicationTimeControlPerGb).toBeGreaterThan(0);
    expect(prices.interRegionTransferPerGb).toBeGreaterThan(0);
  });

  it('are the figures docs/retention.md writes down', () => {
    const doc = readFileSync(new URL('../../../docs/retention.md', import.meta.url), 'utf8');
    const prices = JSON.parse(
      readFileSync(new URL('../../../config/prices-us-east-1.json', import.meta.url), 'utf8'),
    );
    expect(doc).toContain(`as of ${prices.readOn}`);
    for (const figure of [
      prices.storagePerGbMonth.STANDARD,
      prices.storagePerGbMonth.GLACIER_IR,
      prices.replicationTimeControlPerGb,
      prices.interRegionTransferPerGb,
    ]) {
      expect(doc).toContain(`| ${figure} per GB`);
    }
  });
});
