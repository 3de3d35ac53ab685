import { BackupError, ErrorName } from '../../functions/core/base/index.js';
import {
  listSlots,
  originSlots,
  releaseSlots,
  type SlotCaps,
  type SlotDeps,
  takeSlots,
} from '../../functions/core/run/index.js';
import type { SlotHolding } from '../../functions/core/state/index.js';

/**
 * The ORDS slot of a restore run by hand (`npm run restore`): one slot of the target database's
 * origin (and a deployment slot first with a deployment cap), taken like a backup's "Take an ORDS
 * slot" under the restore's synthetic execution ARN, so that backups, drills and restores of one
 * ORDS count against one cap. A busy origin makes it wait, printing a progress line per try, up to
 * `waitSeconds`; then it fails naming the origin and the caps. A restore by hand has no window rank:
 * it takes any free slot at once and registers no queue place. A rerun of the same restore (same
 * synthetic ARN) after this process died finds the slot its earlier run left as its own (`takeSlots`
 * recognises the holder), so it takes no second one.
 */

/** How long a restore waits for an ORDS slot unless told otherwise (`--slot-wait-minutes`). */
export const DEFAULT_SLOT_WAIT_MINUTES = 60;

/** What waiting for a slot needs. */
export interface RestoreSlotDeps extends SlotDeps {
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** A progress line. */
  readonly say: (line: string) => void;
}

/** The slot a restore asks for. */
export interface RestoreSlotRequest {
  readonly database: string;
  readonly prefix: string;
  readonly caps: SlotCaps;
  readonly executionArn: string;
  readonly executionName: string;
  readonly startedAt: string;
  /** How long to wait for a slot at most; 0 tries once. */
  readonly waitSeconds: number;
  /** Seconds between two tries. */
  readonly retrySeconds: number;
}

/** Takes one origin slot, waiting up to the bound; throws RestoreFailedError naming the origin and caps. */
export async function takeRestoreSlot(
  deps: RestoreSlotDeps,
  request: RestoreSlotRequest,
): Promise<SlotHolding> {
  const deadline = deps.now().getTime() + request.waitSeconds * 1000;
  const slotRequest = {
    database: request.database,
    prefix: request.prefix,
    caps: request.caps,
    holder: {
      executionArn: request.executionArn,
      executionName: request.executionName,
      startedAt: request.startedAt,
    },
  };
  let holding: SlotHolding = { held: [] };
  for (let tries = 1; ; tries++) {
    const taken = await takeSlots(deps, slotRequest, 1, holding, { queue: false });
    holding = taken.holding;
    if (taken.originSlots >= 1) {
      if (tries > 1) deps.say(`Took an ORDS slot of ${request.caps.origin} after ${tries} tries`);
      return holding;
    }
    const left = deadline - deps.now().getTime();
    if (left <= 0) {
      await releaseSlots(deps, holding, request.executionArn);
      throw new BackupError(
        ErrorName.RestoreFailed,
        `No ORDS slot of ${capsText(request.caps)} for database "${request.database}" within ` +
          `${waitText(request.waitSeconds)} (${tries} tries): ${shortText(request.caps, taken.short)}. ` +
          'Nothing was put on the server. Run the restore again later, raise --slot-wait-minutes, or ' +
          'free the slots of runs that ended with npm run release-lock',
      );
    }
    const inUse = await slotsInUse(deps, request);
    deps.say(
      `waiting for an ORDS slot of ${request.caps.origin}, ${inUse} in use ` +
        `(${capsText(request.caps)}; try ${tries}, giving up in ${waitText(Math.ceil(left / 1000))})`,
    );
    await deps.sleep(Math.min(request.retrySeconds * 1000, left));
  }
}

/** Releases every slot the restore holds (only objects that still name its execution). */
export async function releaseRestoreSlot(
  deps: SlotDeps,
  holding: SlotHolding | undefined,
  executionArn: string,
): Promise<void> {
  if (holding && holding.held.length > 0) await releaseSlots(deps, holding, executionArn);
}

async function slotsInUse(deps: SlotDeps, request: RestoreSlotRequest): Promise<number> {
  const listing = await listSlots(deps, originSlots(request.prefix, request.caps.origin));
  return [...listing.slots.keys()].filter((n) => n < request.caps.originCap).length;
}

function capsText(caps: SlotCaps): string {
  const deployment = caps.deploymentCap === undefined ? '' : `, deployment cap ${caps.deploymentCap}`;
  return `${caps.origin} (cap ${caps.originCap}${deployment})`;
}

function shortText(caps: SlotCaps, short: string | undefined): string {
  return short === 'deployment'
    ? `all ${caps.deploymentCap} slots of the deployment are held`
    : `all ${caps.originCap} slots of the origin are held`;
}

function waitText(seconds: number): string {
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}
