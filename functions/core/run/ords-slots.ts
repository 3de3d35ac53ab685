import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { toStorageError } from '../base/index.js';
import type { SlotHolding } from '../state/index.js';
import type { SlotCaps } from './binding.js';
import {
  type HeldLock,
  type HolderLockDeps,
  isLostRace,
  type LockHolder,
  type LockStore,
  readLockHolder,
  tryWrite,
} from './holder-lock.js';
import { registerWaiter, statusOrRunning, type Waiter, waitersAhead } from './slot-queue.js';

/**
 * ORDS slots: counted holder locks (`holder-lock.ts`), one small S3 object per slot under the
 * database's key prefix, `<prefix>_slots/<origin>/<n>.json` for n in 0..cap-1 and, with a deployment
 * cap, `<prefix>_slots/_deployment/<n>.json` (databases that share an ORDS share its slots when they
 * share a prefix). A slot is taken with `If-None-Match: *` (S3 grants a key to
 * exactly one writer), taken over with `If-Match` from a holder whose execution ended (any final
 * status, `PENDING_REDRIVE`, or gone), and released by a delete with `If-Match` of the ETag read
 * when the holder is this execution. The holder is the execution's ARN, which a redrive keeps, so a
 * retry that finds its own slot counts it once. A run takes the deployment slot first, then the
 * origin slot, and gives the deployment slot back when the origin has none: no run waits holding
 * one. Every call makes a bounded number of requests: a list per prefix, at most `MAX_READS` heads
 * and `MAX_STATUS_CHECKS` DescribeExecution calls.
 */

/** The folder of the slots under a key prefix: `<prefix>_slots/`. */
export function slotsFolder(prefix: string): string {
  return `${prefix}_slots/`;
}
/** The deployment's slots under a key prefix: `<prefix>_slots/_deployment/`. */
export function deploymentSlots(prefix: string): string {
  return `${slotsFolder(prefix)}_deployment/`;
}
/** The IAM resource pattern of every slot object and queue registration, after a key prefix. */
export const SLOT_KEY_PATTERN = '_slots/*';
/** Holder reads (HeadObject) one call makes at most, beyond the list. */
const MAX_READS = 8;
/** DescribeExecution calls one call makes at most: holders checked for having ended. */
const MAX_STATUS_CHECKS = 4;
/** Clock difference allowed between S3's LastModified and the execution's start time. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The folder of an origin's slots: `<prefix>_slots/https_db.example.com_8443/`. */
export function originSlots(prefix: string, origin: string): string {
  return `${slotsFolder(prefix)}${origin.replace('://', '_').replace(/[^A-Za-z0-9.-]/g, '_')}/`;
}

/** What taking slots needs. */
export type SlotDeps = HolderLockDeps;

/** The run asking for slots. */
export interface SlotRequest {
  readonly database: string;
  /** The database's S3 key prefix (empty, or ending with `/`): its slots live under it. */
  readonly prefix: string;
  readonly caps: SlotCaps;
  readonly holder: LockHolder;
  /** Its place in its window's start order; without one it takes any free slot at once. */
  readonly rank?: number;
}

/** What `takeSlots` did. */
export interface SlotsTaken {
  readonly holding: SlotHolding;
  /** Origin slots the run holds now. */
  readonly originSlots: number;
  /** Why it holds fewer than it asked for: `queue`, `origin` or `deployment`. */
  readonly short?: 'queue' | 'origin' | 'deployment';
  /** Runs of the origin ahead of it in the queue (with `short: 'queue'`). */
  readonly ahead?: number;
}

/** A budget of requests, shared by the steps of one call. */
interface Budget {
  reads: number;
  checks: number;
}

/**
 * Takes origin slots until the run holds `want` of them (and as many deployment slots with a
 * deployment cap), from what `holding` says it holds. With `queue`, a run with a rank takes a slot
 * only when free slots outnumber the live runs ranked before it that wait, and otherwise registers
 * its own place in the queue; without, it takes free slots at once. Never waits.
 */
export async function takeSlots(
  deps: SlotDeps,
  request: SlotRequest,
  want: number,
  holding: SlotHolding,
  options: { readonly queue: boolean },
): Promise<SlotsTaken> {
  const origin = originSlots(request.prefix, request.caps.origin);
  const deploymentFolder = deploymentSlots(request.prefix);
  const body = { database: request.database, origin: request.caps.origin, ...request.holder };
  const held = [...holding.held];
  const heldIn = (prefix: string) => held.filter((key) => key.startsWith(prefix));
  const budget: Budget = { reads: MAX_READS, checks: MAX_STATUS_CHECKS };
  let short: SlotsTaken['short'];
  let ahead: number | undefined;
  if (heldIn(origin).length < want && options.queue && request.rank !== undefined) {
    const listing = await listSlots(deps, origin);
    const free = freeIndices(listing, request.caps.originCap).length;
    // Counted up to the free slots (at least one): enough to know whether the run is held back.
    ahead = await waitersAhead(
      deps,
      listing.waiters,
      request.rank,
      holding.waiting,
      Math.max(free, 1),
      budget,
    );
    if (ahead > 0 && ahead >= free) short = 'queue';
  }
  while (short === undefined && heldIn(origin).length < want) {
    const cap = request.caps.deploymentCap;
    let deployment: string | null = null;
    if (cap !== undefined && heldIn(deploymentFolder).length <= heldIn(origin).length) {
      deployment = await takeOne(deps, deploymentFolder, cap, body, held, budget);
      if (deployment === null) {
        short = 'deployment';
        break;
      }
      held.push(deployment);
    }
    const slot = await takeOne(deps, origin, request.caps.originCap, body, held, budget);
    if (slot === null) {
      if (deployment !== null) {
        await releaseKey(deps, deployment, request.holder.executionArn);
        held.splice(held.indexOf(deployment), 1);
      }
      short = 'origin';
      break;
    }
    held.push(slot);
  }
  const originHeld = heldIn(origin).length;
  let waiting = holding.waiting;
  if (originHeld > 0 && waiting !== undefined) {
    await releaseKey(deps, waiting, request.holder.executionArn);
    waiting = undefined;
  } else if (originHeld === 0 && options.queue && request.rank !== undefined) {
    waiting = `${origin}waiting/${String(request.rank).padStart(6, '0')}-${request.database}.json`;
    await registerWaiter(deps, waiting, body);
  }
  const { waiting: _, ...rest } = holding;
  return {
    holding: { ...rest, held, ...(waiting !== undefined ? { waiting } : {}) },
    originSlots: originHeld,
    ...(short !== undefined && originHeld < want ? { short } : {}),
    ...(ahead !== undefined && short === 'queue' ? { ahead } : {}),
  };
}

/**
 * Releases the slots this execution holds beyond `keep` origin slots (and as many deployment
 * slots), and its queue registration. A key is deleted only while its holder is this execution,
 * with `If-Match` of the ETag read: a slot taken over since is left to its new holder.
 */
export async function releaseSlots(
  store: LockStore,
  holding: SlotHolding,
  executionArn: string,
  keep = 0,
): Promise<SlotHolding> {
  const kept: string[] = [];
  const counts = new Map<string, number>();
  for (const key of holding.held) {
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    const count = counts.get(folder) ?? 0;
    if (count < keep) {
      counts.set(folder, count + 1);
      kept.push(key);
    } else {
      await releaseKey(store, key, executionArn);
    }
  }
  if (holding.waiting !== undefined) await releaseKey(store, holding.waiting, executionArn);
  const { waiting: _, ...rest } = holding;
  return { ...rest, held: kept };
}

/** Deletes `key` when `executionArn` holds it; false when it does not (any more). */
export async function releaseKey(store: LockStore, key: string, executionArn: string): Promise<boolean> {
  const held = await readLockHolder(store, key);
  if (!held || held.executionArn !== executionArn) return false;
  try {
    await store.s3.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key, IfMatch: held.etag }));
    return true;
  } catch (error) {
    if (isLostRace(error)) return false;
    throw toStorageError(error, store.bucket, key);
  }
}

/** The slot objects and queue registrations under a folder. */
export interface SlotListing {
  /** Slot index → last modified (ms): oldest first is likeliest ended. */
  readonly slots: ReadonlyMap<number, number>;
  readonly waiters: readonly Waiter[];
}

/** Lists a folder of slots (pages of 1,000 keys: a deployment cap of 10,000 is 10 pages at most). */
export async function listSlots(store: LockStore, folder: string): Promise<SlotListing> {
  const slots = new Map<number, number>();
  const waiters: Waiter[] = [];
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await store.s3.send(
        new ListObjectsV2Command({ Bucket: store.bucket, Prefix: folder, ContinuationToken: token }),
      );
    } catch (error) {
      throw toStorageError(error, store.bucket, folder);
    }
    for (const object of page.Contents ?? []) {
      const rest = (object.Key ?? '').slice(folder.length);
      const slot = /^(\d{1,5})\.json$/.exec(rest);
      if (slot) slots.set(Number(slot[1]), object.LastModified?.getTime() ?? 0);
      const waiter = /^waiting\/(\d{6})-([a-z0-9-]+)\.json$/.exec(rest);
      if (waiter) waiters.push({ key: object.Key!, rank: Number(waiter[1]), database: waiter[2]! });
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return { slots, waiters };
}

/** Indices in 0..cap-1 that no object holds. */
function freeIndices(listing: SlotListing, cap: number): number[] {
  return Array.from({ length: cap }, (_, n) => n).filter((n) => !listing.slots.has(n));
}

/**
 * Takes one slot of `folder`: one whose object names this execution (a retry after a lost answer;
 * only objects written since the execution started are read for it); else a free index; else one
 * whose holder's execution ended, oldest first. Null when none is to be had within the budget.
 */
async function takeOne(
  deps: SlotDeps,
  folder: string,
  cap: number,
  holder: LockHolder & Readonly<Record<string, unknown>>,
  held: readonly string[],
  budget: Budget,
): Promise<string | null> {
  const listing = await listSlots(deps, folder);
  const age = (n: number) => listing.slots.get(n) ?? 0;
  const occupied = [...listing.slots.keys()]
    .filter((n) => n < cap && !held.includes(`${folder}${n}.json`))
    .sort((a, b) => age(a) - age(b));
  const holders = new Map<number, HeldLock | null>();
  const read = async (n: number) => {
    if (!holders.has(n)) {
      budget.reads--;
      holders.set(n, await readLockHolder(deps, `${folder}${n}.json`));
    }
    return holders.get(n) ?? null;
  };
  const since = Date.parse(holder.startedAt) - CLOCK_SKEW_MS;
  for (const n of occupied.filter((index) => age(index) >= since).reverse()) {
    if (budget.reads <= 0) break;
    if ((await read(n))?.executionArn === holder.executionArn) return `${folder}${n}.json`;
  }
  for (let n = 0; n < cap; n++) {
    const key = `${folder}${n}.json`;
    if (held.includes(key) || listing.slots.has(n)) continue;
    if (await tryWrite(deps, key, holder)) return key;
  }
  for (const n of occupied) {
    if (!holders.has(n) && budget.reads <= 0) break;
    const key = `${folder}${n}.json`;
    const current = await read(n);
    if (!current) {
      if (await tryWrite(deps, key, holder)) return key;
      continue;
    }
    if (current.executionArn === holder.executionArn) return key;
    if (budget.checks <= 0) break;
    budget.checks--;
    const status = current.executionArn ? await statusOrRunning(deps, current.executionArn) : 'GONE';
    if (status === 'RUNNING') continue;
    deps.logger.info('Taking over an ORDS slot of an execution that ended', {
      slotKey: key,
      holder: current.executionName,
      holderStatus: status,
    });
    if (await tryWrite(deps, key, holder, current.etag)) return key;
  }
  return null;
}
