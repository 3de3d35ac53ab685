import { OrdsSlotLostError } from '../base/index.js';
import type { SlotHolding } from '../state/index.js';
import type { SlotCaps } from './binding.js';
import { type HeldLock, type LockHolder, readLockHolder, tryWrite } from './holder-lock.js';
import {
  deploymentSlots,
  listSlots,
  originSlots,
  releaseKey,
  type SlotDeps,
  takeSlots,
} from './ords-slots.js';

/**
 * Check-before-act for ORDS slots, as `assertRunLock` is for the run lock. A redrive resumes at the
 * failed state under the same execution ARN, with the slots its state names; the run gave them back
 * on its way to its failed end ("Release run lock"), or lost them to a takeover while it was stopped.
 * So every step that calls ORDS first reads the slots its state names: it goes on while each names
 * this execution (one HeadObject per slot, the usual case), takes one that nobody holds again with
 * `If-None-Match` (same key, so "Release run lock" frees it at the end), and replaces one that another
 * execution holds with a free slot of the same origin (and deployment). A run that can have no slot
 * fails with `OrdsSlotLostError`, naming the holder, before any request to ORDS.
 */

/** A step about to call ORDS, and the slots its state says the run holds. */
export interface SlotCheckRequest {
  readonly database: string;
  /** The database's S3 key prefix: its slots live under it. */
  readonly prefix: string;
  readonly caps: SlotCaps;
  /** This execution; `startedAt` is when the step runs (recorded on a slot it takes again). */
  readonly holder: LockHolder;
  /** `$.slots` of the state. */
  readonly holding: SlotHolding;
  /** The step, as the console names it: "Copy file", "Read job", … */
  readonly step: string;
}

/** What the check found: the slots the run holds now, and the keys it had to replace. */
export interface SlotCheck {
  readonly holding: SlotHolding;
  /** Keys of the state that another execution holds, replaced by `holding`'s new keys. */
  readonly replaced: readonly string[];
}

/**
 * Makes sure this execution holds the slots its state names (at least one origin slot) before the
 * step calls ORDS. Requests: one HeadObject per slot named (never more than the schema's 200), plus,
 * only when a slot is gone, one conditional PUT, or at most two rounds of `takeSlots` (a list and its
 * bounded budget each).
 */
export async function assertRunSlots(deps: SlotDeps, request: SlotCheckRequest): Promise<SlotCheck> {
  const { holder, caps } = request;
  const origin = originSlots(request.prefix, caps.origin);
  const deployment = deploymentSlots(request.prefix);
  const capOf = (key: string) =>
    key.startsWith(origin) ? caps.originCap : key.startsWith(deployment) ? caps.deploymentCap : undefined;
  const kept: string[] = [];
  const lost: { key: string; held: HeldLock | null }[] = [];
  for (const key of request.holding.held) {
    let held = await readLockHolder(deps, key);
    const index = Number(key.slice(key.lastIndexOf('/') + 1, -'.json'.length));
    const cap = capOf(key);
    if (!held && cap !== undefined && index < cap && (await tryWrite(deps, key, slotBody(request)))) {
      deps.logger.info('ORDS slot taken again', { slotKey: key, step: request.step });
      held = { ...holder, etag: '' };
    } else if (!held) {
      held = await readLockHolder(deps, key);
    }
    if (held?.executionArn === holder.executionArn) kept.push(key);
    else lost.push({ key, held });
  }
  const want = Math.max(1, request.holding.held.filter((key) => key.startsWith(origin)).length);
  const heldOrigin = kept.filter((key) => key.startsWith(origin)).length;
  if (lost.length === 0 && heldOrigin >= want) {
    return { holding: { ...request.holding, held: kept }, replaced: [] };
  }
  const slotRequest = { database: request.database, prefix: request.prefix, caps, holder };
  let taken = await takeSlots(deps, slotRequest, want, { held: kept }, { queue: false });
  if (taken.originSlots < want) {
    // Once more: the copies of one run check at once, and a sibling may have just taken the slots
    // this call lost the race for (they name this execution: the next listing finds them).
    taken = await takeSlots(deps, slotRequest, want, taken.holding, { queue: false });
  }
  const fresh = taken.holding.held.filter((key) => !kept.includes(key));
  if (taken.originSlots < want) {
    // Nothing taken here outlives the failure: "Release run lock" only knows the state's keys.
    for (const key of fresh) await releaseKey(deps, key, holder.executionArn);
    throw new OrdsSlotLostError(lostCause(request, lost, want, taken.originSlots));
  }
  deps.logger.warn('ORDS slot of this redriven execution gone: took a free one instead', {
    step: request.step,
    lost: lost.map(({ key, held }) => ({ slotKey: key, holder: held?.executionName ?? 'nobody' })),
    taken: fresh,
  });
  const { waiting: _, ...rest } = request.holding;
  return { holding: { ...rest, held: taken.holding.held }, replaced: lost.map(({ key }) => key) };
}

/**
 * At the end of a run whose state names a slot another execution holds (a redriven step replaced it):
 * releases the slots of this execution in that slot's folder, newest first, within a bounded number of
 * reads. Returns how many it released.
 */
export async function releaseReplacedSlots(
  deps: Parameters<typeof releaseKey>[0],
  folders: readonly string[],
  executionArn: string,
): Promise<number> {
  let released = 0;
  for (const folder of new Set(folders)) {
    const listing = await listSlots(deps, folder);
    const newest = [...listing.slots.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_REPLACED_READS);
    for (const [index] of newest) {
      if (await releaseKey(deps, `${folder}${index}.json`, executionArn)) released++;
    }
  }
  return released;
}

/** Slot objects read per folder when looking for replaced slots at the end of a run. */
const MAX_REPLACED_READS = 8;

function slotBody(request: SlotCheckRequest) {
  return { database: request.database, origin: request.caps.origin, ...request.holder };
}

function lostCause(
  request: SlotCheckRequest,
  lost: readonly { key: string; held: HeldLock | null }[],
  want: number,
  got: number,
): string {
  const { caps } = request;
  const deployment = caps.deploymentCap === undefined ? '' : `, deployment cap ${caps.deploymentCap}`;
  const who = lost
    .map(({ key, held }) =>
      held
        ? `${key} is held by execution ${held.executionName} (started ${held.startedAt})`
        : `${key} could not be taken again`,
    )
    .join('; ');
  return (
    `"${request.step}" sends nothing to the ORDS of "${request.database}": this execution no longer ` +
    `holds the ORDS slot${lost.length === 1 ? '' : 's'} its state names (${who || 'none named'}; a ` +
    'redrive resumed it after they were released or taken over), ' +
    `and ${got} of the ${want} it needs ${got === 1 ? 'is' : 'are'} free at ${caps.origin} ` +
    `(cap ${caps.originCap}${deployment}). Redrive it again once the runs of this ORDS are done, ` +
    'or start a new run.'
  );
}
