import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { UsageError } from './state-machine.js';

/**
 * `runs --kept-in <bucket>`: the bytes the bucket keeps per database and retention tier (read from
 * each backup's manifest; objects of a folder without one are `incomplete`), and an estimate of
 * their monthly S3 and replication cost from the price figures the operator gives (`--prices`).
 */

/** Bytes kept for one database and tier. */
export interface KeptRow {
  readonly database: string;
  /** `daily` … `yearly`; `untiered` for a backup without tiers; `incomplete` for a folder without manifest. */
  readonly tier: string;
  readonly objects: number;
  readonly bytes: number;
  /** Bytes of these objects written in the last 30 days: what replication copied in a month. */
  readonly writtenLast30Days: number;
  /** Bytes by storage class (STANDARD, GLACIER_IR, …). */
  readonly byStorageClass: Readonly<Record<string, number>>;
}

/** A backup folder's key: `<prefix><database>/<YYYY>/<MM>/<DD>/<job name>/`. */
const FOLDER = /^(.*?)([a-z][a-z0-9-]{1,31})\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)\//;
const DAY_MS = 86_400_000;

/** Lists `prefix` in `bucket` and sums the backups' objects per database and tier. */
export async function keptBytes(
  deps: { readonly s3: S3Client; readonly now: () => Date },
  bucket: string,
  prefix = '',
): Promise<KeptRow[]> {
  const folders = new Map<
    string,
    { database: string; objects: { key: string; bytes: number; at: Date; storageClass: string }[] }
  >();
  const manifests: string[] = [];
  let token: string | undefined;
  do {
    const page = await deps.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const match = FOLDER.exec(object.Key ?? '');
      if (!match) continue; // last-backup.json, run locks: not a backup's
      const folder = match[0];
      const entry = folders.get(folder) ?? { database: match[2]!, objects: [] };
      entry.objects.push({
        key: object.Key!,
        bytes: object.Size ?? 0,
        at: object.LastModified ?? new Date(0),
        storageClass: object.StorageClass ?? 'STANDARD',
      });
      folders.set(folder, entry);
      if (object.Key === `${folder}manifest.json`) manifests.push(folder);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);

  const tiers = new Map<string, string>();
  for (const folder of manifests) tiers.set(folder, await tierOf(deps.s3, bucket, `${folder}manifest.json`));
  const since = deps.now().getTime() - 30 * DAY_MS;
  const rows = new Map<
    string,
    {
      database: string;
      tier: string;
      objects: number;
      bytes: number;
      writtenLast30Days: number;
      byStorageClass: Record<string, number>;
    }
  >();
  for (const [folder, { database, objects }] of folders) {
    const tier = tiers.get(folder) ?? 'incomplete';
    const id = `${database}\u0000${tier}`;
    const row = rows.get(id) ?? {
      database,
      tier,
      objects: 0,
      bytes: 0,
      writtenLast30Days: 0,
      byStorageClass: {},
    };
    for (const object of objects) {
      row.objects += 1;
      row.bytes += object.bytes;
      if (object.at.getTime() >= since) row.writtenLast30Days += object.bytes;
      row.byStorageClass[object.storageClass] = (row.byStorageClass[object.storageClass] ?? 0) + object.bytes;
    }
    rows.set(id, row);
  }
  return [...rows.values()].sort(
    (a, b) => a.database.localeCompare(b.database) || a.tier.localeCompare(b.tier),
  );
}

async function tierOf(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  try {
    const manifest = JSON.parse(await object.Body!.transformToString()) as { retention?: { tier?: unknown } };
    const tier = manifest.retention?.tier;
    return typeof tier === 'string' && /^[a-z]{1,16}$/.test(tier) ? tier : 'untiered';
  } catch {
    return 'untiered';
  }
}

/** The price figures of one Region on one date, in USD, as read from AWS's pricing pages by the operator. */
export const PriceFiguresSchema = z
  .object({
    /** Where the figures come from, e.g. `https://aws.amazon.com/s3/pricing/`. */
    source: z.string().min(1),
    /** The Region the figures are for, e.g. `eu-central-1`. */
    region: z.string().min(1),
    /** The date they were read (YYYY-MM-DD). */
    readOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Storage per GB-month by storage class of the deployment's bucket (STANDARD, GLACIER_IR, …). */
    storagePerGbMonth: z.record(z.string(), z.number().min(0)),
    /** With an off-site copy: the replica's storage per GB-month, in the destination's Region and class. */
    replicaStoragePerGbMonth: z.number().min(0).optional(),
    /** With an off-site copy: the Replication Time Control fee per GB replicated. */
    replicationTimeControlPerGb: z.number().min(0).optional(),
    /** With an off-site copy in another Region: inter-Region data transfer per GB. */
    interRegionTransferPerGb: z.number().min(0).optional(),
  })
  .strict();
export type PriceFigures = z.output<typeof PriceFiguresSchema>;

/** Parses a `--prices` file's text; the error names the file and the bad field. */
export function parsePriceFigures(text: string, file: string): PriceFigures {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--prices ${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = PriceFiguresSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--prices ${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** A row's monthly cost estimate, in USD. */
export interface CostEstimate {
  readonly storage: number;
  readonly replicaStorage: number;
  readonly replication: number;
  readonly total: number;
}

/** AWS bills a GB as 2^30 bytes. */
const GB = 1024 ** 3;

/**
 * The monthly cost of keeping `row`: storage per class, and with `replicated` the replica's storage
 * plus RTC and transfer for the bytes written in the last 30 days. Requests are left out (a few
 * thousand a month per database). Fails naming a storage class the figures give no price for.
 */
export function estimateMonthlyCost(row: KeptRow, prices: PriceFigures, replicated: boolean): CostEstimate {
  let storage = 0;
  for (const [storageClass, bytes] of Object.entries(row.byStorageClass)) {
    const price = prices.storagePerGbMonth[storageClass];
    if (price === undefined) {
      throw new UsageError(
        `--prices gives no storagePerGbMonth.${storageClass}, but ${row.database} keeps ${bytes} bytes in ${storageClass}`,
      );
    }
    storage += (bytes / GB) * price;
  }
  let replicaStorage = 0;
  let replication = 0;
  if (replicated) {
    const { replicaStoragePerGbMonth, replicationTimeControlPerGb, interRegionTransferPerGb } = prices;
    if (replicaStoragePerGbMonth === undefined || replicationTimeControlPerGb === undefined) {
      throw new UsageError(
        '--offsite needs replicaStoragePerGbMonth and replicationTimeControlPerGb in --prices',
      );
    }
    replicaStorage = (row.bytes / GB) * replicaStoragePerGbMonth;
    replication =
      (row.writtenLast30Days / GB) * (replicationTimeControlPerGb + (interRegionTransferPerGb ?? 0));
  }
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    storage: round(storage),
    replicaStorage: round(replicaStorage),
    replication: round(replication),
    total: round(storage + replicaStorage + replication),
  };
}

/** The table `runs --kept-in` prints: one line per database and tier, then the totals and the figures' date. */
export function describeKept(
  rows: readonly KeptRow[],
  prices: PriceFigures | undefined,
  replicated: boolean,
): string[] {
  const money = (value: number) => `$${value.toFixed(2)}`.padStart(10);
  const lines = [
    `${'database'.padEnd(12)} ${'tier'.padEnd(10)} ${'objects'.padStart(8)} ${'bytes kept'.padStart(16)}${prices ? `${'storage'.padStart(10)}${replicated ? `${'replica'.padStart(10)}${'replicat.'.padStart(10)}` : ''}${'per month'.padStart(10)}` : ''}`,
  ];
  let total = 0;
  for (const row of rows) {
    let cost = '';
    if (prices) {
      const estimate = estimateMonthlyCost(row, prices, replicated);
      total += estimate.total;
      cost = `${money(estimate.storage)}${replicated ? `${money(estimate.replicaStorage)}${money(estimate.replication)}` : ''}${money(estimate.total)}`;
    }
    lines.push(
      `${row.database.padEnd(12)} ${row.tier.padEnd(10)} ${String(row.objects).padStart(8)} ${String(row.bytes).padStart(16)}${cost}`,
    );
  }
  if (prices) {
    lines.push(
      `Estimated ${money(Math.round(total * 100) / 100).trim()} a month, requests left out, from the list prices of ${prices.region} read on ${prices.readOn} (${prices.source}): check them, prices change.`,
    );
  }
  return lines;
}
