import { DatabaseBusyError } from '../base/index.js';
import type { SlotHolding } from '../state/index.js';
import type { SlotCaps } from './binding.js';
import type { LockHolder } from './holder-lock.js';
import { releaseSlots, type SlotDeps, takeSlots } from './ords-slots.js';
import { acquireRunLock } from './run-lock.js';

/**
 * "Take run lock and ORDS slot" of the restore state machine: one ORDS slot of the target
 * database's origin (and a deployment slot with a deployment cap), taken at once without a queue
 * place, then the database's run lock, so that backups, drills and restores of one ORDS count against
 * one cap and never import into a database that a backup is exporting. Busy either way, it releases
 * what it took and fails with `DatabaseBusyError` naming the origin and caps, or the lock's holder.
 * A retry after an interrupted invocation finds its own slot and lock (same execution) and takes no
 * second one.
 */
export async function holdForRestore(
  deps: SlotDeps,
  request: {
    readonly database: string;
    readonly prefix: string;
    readonly caps: SlotCaps;
    readonly holder: LockHolder;
    /** The slots an earlier attempt of this step took: `{ held: [] }` on the first. */
    readonly holding: SlotHolding;
  },
): Promise<SlotHolding> {
  const { database, prefix, caps, holder } = request;
  const taken = await takeSlots(deps, { database, prefix, caps, holder }, 1, request.holding, {
    queue: false,
  });
  if (taken.originSlots < 1) {
    await releaseSlots(deps, taken.holding, holder.executionArn);
    const deployment = caps.deploymentCap === undefined ? '' : `, deployment cap ${caps.deploymentCap}`;
    const why =
      taken.short === 'deployment'
        ? `all ${caps.deploymentCap} slots of the deployment are held`
        : `all ${caps.originCap} slots of the origin are held`;
    throw new DatabaseBusyError(
      `Database "${database}": no ORDS slot of ${caps.origin} (cap ${caps.originCap}${deployment}): ${why}. ` +
        'The restore put nothing on the server; start it again when the backups of this ORDS are done.',
    );
  }
  try {
    await acquireRunLock(deps, {
      database,
      prefix,
      executionArn: holder.executionArn,
      executionName: holder.executionName,
      executionStartTime: holder.startedAt,
    });
  } catch (error) {
    await releaseSlots(deps, taken.holding, holder.executionArn);
    throw error;
  }
  return taken.holding;
}
