import { z } from 'zod';

/** A slot object's or queue registration's key: `<prefix>_slots/…`. */
const SLOT_KEY = /^(?:[A-Za-z0-9!_.*'()-]+\/)*_slots\//;

/**
 * The ORDS slots of a run in the state (`$.slots`): the slot objects it holds and its place in the
 * queue. Set empty by "Queue for an ORDS slot", the first state, so every later state (and "Release
 * run lock", however the run ends) can read it; each slot task returns it updated.
 */
export const SlotHoldingSchema = z.object({
  /** Keys of the slot objects this execution holds: deployment slots and origin slots. */
  held: z.array(z.string().regex(SLOT_KEY)).max(200),
  /** Key of this run's registration in its origin's queue, while it waits with a rank. */
  waiting: z.string().regex(SLOT_KEY).optional(),
  /** ISO time of the run's first wait for a slot (kept once set). */
  waitingSince: z.string().optional(),
  /** Times the run has waited for a slot so far. */
  waits: z.number().int().min(0).optional(),
});
export type SlotHolding = z.output<typeof SlotHoldingSchema>;
