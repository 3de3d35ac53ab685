import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { deploymentSlots, readLockHolder, releaseKey, slotsFolder } from '../../functions/core/run/index.js';

/** Pages of `<prefix>_slots/` listed at most (1,000 keys each): the caps of a deployment and its queue. */
const MAX_PAGES = 20;

/** What freeing a database's ORDS slots did. */
export interface SlotsFreed {
  /** Keys deleted: slots and queue registrations of the database's ended (or forced) executions. */
  readonly released: readonly string[];
  /** Executions of the database that still run and hold slots or wait (left as they are without force). */
  readonly running: readonly string[];
}

/**
 * Frees the ORDS slots and queue registrations of `database`'s executions: those whose execution has
 * ended (any can take them over anyway), and with `force` those of a running one too. Their origin
 * slots and queue places name the database in their body; their deployment slots are found by the
 * execution that holds them.
 */
export async function releaseDatabaseSlots(
  store: { readonly s3: Pick<S3Client, 'send'>; readonly bucket: string },
  database: string,
  keyPrefix: string,
  statusOf: (executionArn: string) => Promise<string>,
  force: boolean,
): Promise<SlotsFreed> {
  const lockStore = { s3: store.s3 as S3Client, bucket: store.bucket };
  const keys = await listKeys(store, slotsFolder(keyPrefix));
  const deployment = deploymentSlots(keyPrefix);
  const ofDatabase = new Map<string, string[]>();
  for (const key of keys.filter((candidate) => !candidate.startsWith(deployment))) {
    const body = await readBody(store, key);
    if (body?.database !== database || typeof body.executionArn !== 'string') continue;
    ofDatabase.set(body.executionArn, [...(ofDatabase.get(body.executionArn) ?? []), key]);
  }
  const released: string[] = [];
  const running: string[] = [];
  const freed = new Set<string>();
  for (const [executionArn, held] of ofDatabase) {
    if (!force && (await statusOf(executionArn)) === 'RUNNING') {
      running.push(executionArn);
      continue;
    }
    freed.add(executionArn);
    for (const key of held) if (await releaseKey(lockStore, key, executionArn)) released.push(key);
  }
  if (freed.size > 0) {
    for (const key of keys.filter((candidate) => candidate.startsWith(deployment))) {
      const holder = await readLockHolder(lockStore, key);
      if (holder && freed.has(holder.executionArn) && (await releaseKey(lockStore, key, holder.executionArn)))
        released.push(key);
    }
  }
  return { released, running };
}

async function listKeys(
  store: { readonly s3: Pick<S3Client, 'send'>; readonly bucket: string },
  folder: string,
) {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await store.s3.send(
      new ListObjectsV2Command({ Bucket: store.bucket, Prefix: folder, ContinuationToken: token }),
    );
    keys.push(...(answer?.Contents ?? []).map((object) => object.Key ?? '').filter((key) => key !== ''));
    token = answer?.NextContinuationToken;
    if (!token) break;
  }
  return keys;
}

async function readBody(
  store: { readonly s3: Pick<S3Client, 'send'>; readonly bucket: string },
  key: string,
): Promise<Record<string, unknown> | null> {
  try {
    const object = await store.s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    const parsed: unknown = JSON.parse((await object?.Body?.transformToString()) ?? '');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null; // Released meanwhile, or not a slot object: not this database's.
  }
}
