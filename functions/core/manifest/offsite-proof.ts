import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jsonObjectInput, StorageRejectedError, toStorageError } from '../base/index.js';
import type { Logger } from '../ords/index.js';
import { expiringTags, TIERS, type Tier, taggingHeader } from '../retention/index.js';

/**
 * "Off-site" proved per run: every object of a manifest (its files and the manifest itself) shows
 * replication status COMPLETED in the deployment's bucket, and its replica in the off-site bucket
 * has the size and FULL_OBJECT CRC-32 the manifest records. Then `offsite.json` is written beside
 * the manifest, once (If-None-Match: *); the manifest itself is never rewritten.
 */

/** Version of `offsite.json`. */
export const OFFSITE_RECORD_VERSION = 1;

/** The record written beside the manifest once its backup is proved off-site. */
export interface OffsiteRecord {
  readonly offsiteVersion: typeof OFFSITE_RECORD_VERSION;
  readonly manifest: string;
  /** `s3://<off-site bucket>/` */
  readonly replicaBucket: string;
  /** When every replica was found matching. */
  readonly provedAt: string;
  /** Each replicated object and the CRC-32 its replica showed (the manifest's own has none recorded). */
  readonly objects: readonly {
    readonly key: string;
    readonly bytes: number;
    readonly crc32: string | null;
  }[];
}

/** What `checkOffsiteCopy` needs. */
export interface OffsiteProofDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  /** A client that may read the off-site bucket (its reader), and that bucket. */
  readonly offsite: { readonly s3: S3Client; readonly bucket: string };
  readonly logger: Logger;
  readonly now: () => Date;
}

export interface OffsiteProofInput {
  /** `s3://<bucket>/<folder>manifest.json`, as "Write manifest" returns it. */
  readonly manifest: string;
  /** When the first check of this run started; absent on the first check. */
  readonly since?: string;
  /** How long replication may lag before the run ends "off-site copy late". */
  readonly maxLagSeconds: number;
}

/** Where a run's off-site copy stands. */
export type OffsiteProof =
  | {
      readonly offsite: 'pending';
      readonly since: string;
      readonly pending: number;
      readonly objects: number;
    }
  | { readonly offsite: 'copied'; readonly record: string; readonly objects: number }
  | { readonly offsite: 'failed' | 'late'; readonly since: string; readonly reason: string };

interface ManifestObject {
  readonly key: string;
  readonly bytes: number | null;
  readonly crc32: string | null;
}

/** Checks a run's replication once; writes `offsite.json` when every replica matches. */
export async function checkOffsiteCopy(
  deps: OffsiteProofDeps,
  input: OffsiteProofInput,
): Promise<OffsiteProof> {
  const since = input.since ?? deps.now().toISOString();
  const manifestKey = keyOf(deps.bucket, input.manifest);
  const folder = manifestKey.slice(0, -'manifest.json'.length);
  const recordKey = `${folder}offsite.json`;
  const { objects, tier, days } = await readManifest(deps, manifestKey, folder);

  let pending = 0;
  for (const [index, object] of objects.entries()) {
    const head = await headSource(deps, object.key);
    // The manifest records no size of its own: its replica must match the source object's.
    if (object.bytes === null) objects[index] = { ...object, bytes: head.ContentLength ?? null };
    const status = head.ReplicationStatus;
    if (status === 'FAILED') {
      return failed(
        since,
        `S3 could not replicate s3://${deps.bucket}/${object.key} (ReplicationStatus FAILED)`,
      );
    }
    if (status === undefined) {
      return failed(
        since,
        `s3://${deps.bucket}/${object.key} has no replication status: no replication rule covers it`,
      );
    }
    if (status !== 'COMPLETED') pending += 1;
  }
  if (pending > 0) {
    const lagSeconds = (deps.now().getTime() - Date.parse(since)) / 1000;
    if (lagSeconds > input.maxLagSeconds) {
      return {
        offsite: 'late',
        since,
        reason: `${pending} of ${objects.length} objects of ${input.manifest} still not replicated after ${Math.round(lagSeconds)} s (limit ${input.maxLagSeconds} s)`,
      };
    }
    return { offsite: 'pending', since, pending, objects: objects.length };
  }

  const checked: OffsiteRecord['objects'][number][] = [];
  for (const object of objects) {
    const problem = await replicaProblem(deps, object);
    if (typeof problem === 'string') return failed(since, problem);
    checked.push(problem);
  }
  const record: OffsiteRecord = {
    offsiteVersion: OFFSITE_RECORD_VERSION,
    manifest: input.manifest,
    replicaBucket: `s3://${deps.offsite.bucket}/`,
    provedAt: deps.now().toISOString(),
    objects: checked,
  };
  await writeRecord(deps, recordKey, record, tier, days);
  deps.logger.info('Backup proved off-site', { manifest: input.manifest, objects: objects.length });
  return { offsite: 'copied', record: `s3://${deps.bucket}/${recordKey}`, objects: objects.length };
}

function failed(since: string, reason: string): OffsiteProof {
  return { offsite: 'failed', since, reason };
}

function keyOf(bucket: string, uri: string): string {
  const prefix = `s3://${bucket}/`;
  if (!uri.startsWith(prefix) || !uri.endsWith('/manifest.json') || uri.includes('..')) {
    throw new StorageRejectedError(`Not a manifest of s3://${bucket}/: "${uri}"`);
  }
  return uri.slice(prefix.length);
}

async function readManifest(
  deps: OffsiteProofDeps,
  key: string,
  folder: string,
): Promise<{ objects: ManifestObject[]; tier?: Tier; days?: number }> {
  let manifest: { files?: unknown; retention?: { tier?: unknown; expireAfterDays?: unknown } };
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    manifest = JSON.parse(await object.Body!.transformToString()) as typeof manifest;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new StorageRejectedError(`s3://${deps.bucket}/${key} is not JSON: ${error.message}`);
    }
    throw toStorageError(error, deps.bucket, key);
  }
  if (!Array.isArray(manifest.files)) {
    throw new StorageRejectedError(`s3://${deps.bucket}/${key} lists no files`);
  }
  const objects: ManifestObject[] = manifest.files.map((file: unknown) => {
    const {
      key: fileKey,
      bytes,
      checksum,
    } = (file ?? {}) as {
      key?: unknown;
      bytes?: unknown;
      checksum?: { value?: unknown };
    };
    if (typeof fileKey !== 'string' || !fileKey.startsWith(folder) || fileKey.includes('..')) {
      throw new StorageRejectedError(
        `s3://${deps.bucket}/${key} names a file outside ${folder}: ${String(fileKey)}`,
      );
    }
    if (typeof bytes !== 'number' || typeof checksum?.value !== 'string') {
      throw new StorageRejectedError(`s3://${deps.bucket}/${key} gives ${fileKey} no size or CRC-32`);
    }
    return { key: fileKey, bytes, crc32: checksum.value };
  });
  objects.push({ key, bytes: null, crc32: null });
  const tier = manifest.retention?.tier;
  const days = manifest.retention?.expireAfterDays;
  return TIERS.includes(tier as Tier) && typeof days === 'number'
    ? { objects, tier: tier as Tier, days }
    : { objects };
}

async function headSource(deps: OffsiteProofDeps, key: string) {
  try {
    return await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
  } catch (error) {
    throw toStorageError(error, deps.bucket, key);
  }
}

/** The replica's size and CRC-32 if they match; otherwise what is wrong, naming the key. */
async function replicaProblem(
  deps: OffsiteProofDeps,
  object: ManifestObject,
): Promise<OffsiteRecord['objects'][number] | string> {
  const where = `s3://${deps.offsite.bucket}/${object.key}`;
  let replica: Awaited<ReturnType<typeof headSource>>;
  try {
    replica = await deps.offsite.s3.send(
      new HeadObjectCommand({ Bucket: deps.offsite.bucket, Key: object.key, ChecksumMode: 'ENABLED' }),
    );
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') {
      return `S3 says ${object.key} replicated, but its replica ${where} is not there`;
    }
    throw toStorageError(error, deps.offsite.bucket, object.key);
  }
  const bytes = replica.ContentLength ?? -1;
  if (object.bytes !== null && bytes !== object.bytes) {
    return `The replica ${where} has ${bytes} bytes, the manifest ${object.bytes}`;
  }
  if (object.crc32 !== null && replica.ChecksumCRC32 !== object.crc32) {
    return `The replica ${where} has CRC-32 ${replica.ChecksumCRC32 ?? 'none'}, the manifest ${object.crc32}`;
  }
  return { key: object.key, bytes, crc32: replica.ChecksumCRC32 ?? null };
}

/** Writes `offsite.json` once; a record already there (a retried step) is accepted if it is this manifest's. */
async function writeRecord(
  deps: OffsiteProofDeps,
  key: string,
  record: OffsiteRecord,
  tier: Tier | undefined,
  days: number | undefined,
): Promise<void> {
  // With tiers it expires as its backup will once released (it is written later, so not before).
  const tagging =
    tier !== undefined && days !== undefined ? taggingHeader(expiringTags(tier, days)) : undefined;
  try {
    await deps.s3.send(
      new PutObjectCommand(
        jsonObjectInput(deps.bucket, key, record, {
          IfNoneMatch: '*',
          ...(tagging ? { Tagging: tagging } : {}),
        }),
      ),
    );
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 412 && (error as { name?: string }).name !== 'PreconditionFailed') {
      throw toStorageError(error, deps.bucket, key);
    }
    const existing = await deps.s3
      .send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }))
      .catch((failure: unknown) => {
        throw toStorageError(failure, deps.bucket, key);
      });
    const text = (await existing.Body?.transformToString()) ?? '';
    const earlier = parsedOrNull(text);
    if (earlier?.manifest !== record.manifest) {
      throw new StorageRejectedError(
        `s3://${deps.bucket}/${key} already exists and names another manifest (${String(earlier?.manifest)})`,
      );
    }
    // A retried step proves the same replicas again: the record it would write, its time aside. A
    // record that claims other replicas (or other sizes and checksums) was not written by this check.
    const proof = (value: Partial<OffsiteRecord>) =>
      JSON.stringify([value.offsiteVersion, value.manifest, value.replicaBucket, value.objects]);
    if (proof(earlier) !== proof(record)) {
      throw new StorageRejectedError(
        `s3://${deps.bucket}/${key} already exists and names this manifest, but not the replicas this check ` +
          'found (their keys, sizes or checksums differ): not overwritten',
      );
    }
  }
}

/** The JSON object in `text`, or null when it is none. */
function parsedOrNull(text: string): Partial<OffsiteRecord> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Partial<OffsiteRecord>) : null;
  } catch {
    return null;
  }
}
