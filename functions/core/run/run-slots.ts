import type { Logger } from '../ords/index.js';
import {
  type CopySlotsPayload,
  maxSlotWaits,
  type SlotHolding,
  type SlotTaking,
  type TakeSlotPayload,
} from '../state/index.js';
import { parseExecutionInput } from './begin-run.js';
import { type DatabaseBinding, type SlotCaps, slotCapsOf } from './binding.js';
import type { LockStore } from './holder-lock.js';
import { releaseKey, releaseSlots, type SlotDeps, type SlotsTaken, takeSlots } from './ords-slots.js';
import { type RunWindow, runTiming } from './run-input.js';
import { assertRunSlots, releaseReplacedSlots } from './slot-check.js';

/**
 * The ORDS slots of a backup run, as its states take them: "Take an ORDS slot" before "Start
 * export" (one slot, in window rank order, until the window closes), "Take copy slots" before "Copy
 * files" (up to one per file copied at once, never waiting: a run that holds a slot never waits for
 * another, so no two runs wait on each other), "Drop copy slots" after it (back to one), and "Release
 * run lock" at the end of every run (all of them).
 */

/** What the slot tasks need. */
export interface RunSlotDeps extends SlotDeps {
  readonly binding: (database: string) => Promise<DatabaseBinding>;
  readonly now: () => Date;
}

/**
 * "Take an ORDS slot": checks the input as "Start export" does, then takes one slot of the
 * database's origin (and of the deployment). A run that gets none waits (`waitSeconds`: its poll
 * interval, stretched so its tries last until its window closes, or its timeout without a window);
 * once its window has closed, or its tries are spent, it is `open: false` with the cause.
 */
export async function takeRunSlot(deps: RunSlotDeps, payload: TakeSlotPayload): Promise<SlotTaking> {
  const input = parseExecutionInput(payload.input);
  const binding = await deps.binding(input.database);
  const timing = runTiming(input, payload, binding);
  const caps = slotCapsOf(binding);
  const now = deps.now();
  const waits = payload.slots.waits ?? 0;
  const limit = maxSlotWaits(binding.timeoutSeconds, timing.pollSeconds, binding.restoreDrill !== undefined);
  const closesAt = timing.window ? Date.parse(timing.window.closesAt) : undefined;
  const holds = payload.slots.held.length > 0;
  if (!holds && ((closesAt !== undefined && now.getTime() >= closesAt) || waits >= limit)) {
    const cause = missedCause(binding.database, caps, timing.window, payload.slots, waits);
    deps.logger.warn('Missed the backup window', { database: binding.database, cause });
    return { ...payload.slots, taken: false, open: false, waitSeconds: 0, cause, copyConcurrency: 0 };
  }
  const taken = await takeSlots(
    deps,
    {
      database: binding.database,
      prefix: binding.prefix,
      caps,
      holder: {
        executionArn: payload.executionArn,
        executionName: payload.executionName,
        startedAt: payload.executionStartTime,
      },
      ...(timing.window ? { rank: timing.window.rank } : {}),
    },
    1,
    payload.slots,
    { queue: true },
  );
  if (taken.originSlots >= 1) {
    if (payload.slots.waitingSince !== undefined) {
      deps.logger.info('ORDS slot taken after waiting', {
        database: binding.database,
        origin: caps.origin,
        waitedSeconds: Math.round((now.getTime() - Date.parse(payload.slots.waitingSince)) / 1000),
        waits,
      });
    }
    return { ...taken.holding, taken: true, open: true, waitSeconds: 0, cause: '', copyConcurrency: 1 };
  }
  let waitSeconds = Math.max(timing.pollSeconds, Math.ceil(binding.timeoutSeconds / limit));
  if (closesAt !== undefined) {
    const left = Math.ceil((closesAt - now.getTime()) / 1000);
    waitSeconds = Math.min(
      Math.max(timing.pollSeconds, Math.ceil(left / (limit - waits))),
      Math.max(left, 1),
    );
  }
  return {
    ...taken.holding,
    waitingSince: payload.slots.waitingSince ?? now.toISOString(),
    waits: waits + 1,
    taken: false,
    open: true,
    waitSeconds,
    cause: waitCause(binding.database, caps, taken),
    copyConcurrency: 0,
  };
}

/**
 * "Take copy slots" (`copy`): tops up to one origin slot per file copied at once (the state
 * machine's `fileConcurrency`, at most the file count), taking only slots free now. "Drop copy
 * slots" (`drop`): back to one. `copyConcurrency` is what "Copy files" copies at once.
 */
export async function copySlots(deps: RunSlotDeps, payload: CopySlotsPayload): Promise<SlotTaking> {
  const binding = await deps.binding(payload.database);
  const holder = payload.executionArn;
  let holding: SlotHolding;
  if (payload.phase === 'drop') {
    holding = await releaseSlots(deps, payload.slots, holder, 1);
  } else {
    const want = Math.max(1, Math.min(payload.fileConcurrency, payload.files));
    const request = {
      database: binding.database,
      prefix: binding.prefix,
      caps: slotCapsOf(binding),
      holder: {
        executionArn: holder,
        executionName: payload.executionName,
        startedAt: payload.executionStartTime,
      },
    };
    // A redrive resumes here with the slots its state names: held again (or replaced) before the top-up.
    const checked = await assertRunSlots(deps, {
      ...request,
      holding: payload.slots,
      step: 'Take copy slots',
    });
    const taken = await takeSlots(deps, request, want, checked.holding, { queue: false });
    holding = taken.holding;
    deps.logger.info('ORDS slots for copying', { database: binding.database, want, held: taken.originSlots });
  }
  const origin = holding.held.filter((key) => !key.includes('_slots/_deployment/')).length;
  return {
    ...holding,
    taken: true,
    open: true,
    waitSeconds: 0,
    cause: '',
    copyConcurrency: Math.max(1, origin),
  };
}

/** Releases every slot and queue registration of the run, at its end. */
export async function releaseRunSlots(
  deps: LockStore & { readonly logger: Logger },
  holding: SlotHolding | undefined,
  executionArn: string,
): Promise<number> {
  if (!holding || (holding.held.length === 0 && holding.waiting === undefined)) return 0;
  const others: string[] = [];
  for (const key of holding.held) {
    if (!(await releaseKey(deps, key, executionArn))) others.push(key.slice(0, key.lastIndexOf('/') + 1));
  }
  await releaseSlots(
    deps,
    { held: [], ...(holding.waiting ? { waiting: holding.waiting } : {}) },
    executionArn,
  );
  // A slot of the state that this execution no longer holds: a redriven step may have replaced it.
  const replaced = others.length > 0 ? await releaseReplacedSlots(deps, others, executionArn) : 0;
  deps.logger.info('ORDS slots released', { slots: holding.held.length - others.length + replaced });
  return holding.held.length - others.length + replaced;
}

function capsText(caps: SlotCaps): string {
  const deployment = caps.deploymentCap === undefined ? '' : `, deployment cap ${caps.deploymentCap}`;
  return `${caps.origin} (cap ${caps.originCap}${deployment})`;
}

function waitCause(database: string, caps: SlotCaps, taken: SlotsTaken): string {
  const why =
    taken.short === 'queue'
      ? `${taken.ahead} run(s) ranked before it wait`
      : taken.short === 'deployment'
        ? `all ${caps.deploymentCap} slots of the deployment are held`
        : `all ${caps.originCap} slots of the origin are held`;
  return `Database "${database}" waits for an ORDS slot at ${capsText(caps)}: ${why}`;
}

function missedCause(
  database: string,
  caps: SlotCaps,
  window: RunWindow | undefined,
  slots: SlotHolding,
  waits: number,
): string {
  const since = slots.waitingSince ? `waited since ${slots.waitingSince}, ${waits} tries` : 'no try';
  const when = window
    ? `before its window closed at ${window.closesAt} (rank ${window.rank} in the window's start order; ${since})`
    : `within the ${waits} tries its execution history allows (${since})`;
  return (
    `Missed the backup window: database "${database}" got no ORDS slot at ${capsText(caps)} ${when}. ` +
    'No export was started. Its next window backs it up; to back it up now, start a run by hand with ' +
    `{"database":"${database}"}, or raise the cap if the ORDS can serve more`
  );
}
