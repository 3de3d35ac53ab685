import { z } from 'zod';
import { DATABASE_ID } from './payloads.js';

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

/** What the slot tasks return (the `$.slots` of the state). */
export interface SlotTaking extends SlotHolding {
  /** True when the run holds what it asked for and goes on. */
  readonly taken: boolean;
  /** False once the run's window has closed (or its waits ran out): it fails as "Missed the backup window". */
  readonly open: boolean;
  /** Seconds "Waiting for an ORDS slot" waits before the next try. */
  readonly waitSeconds: number;
  /** Why the run waits, or why it missed its window: the database, origin, cap and window. */
  readonly cause: string;
  /** Origin slots held: the number of files "Copy files" copies at once. */
  readonly copyConcurrency: number;
}

const executionShape = {
  executionName: z.string().min(1),
  executionArn: z.string().min(1),
  /** `$$.Execution.StartTime`. */
  executionStartTime: z.string().datetime(),
  /** `$$.Execution.Input`: checked as "Start export" checks it. */
  input: z.unknown(),
  slots: SlotHoldingSchema,
};

/** Payload of "Take an ORDS slot": the execution, its raw input and what it holds so far. */
export const TakeSlotPayloadSchema = z.object({ phase: z.literal('take-slot'), ...executionShape });
export type TakeSlotPayload = z.output<typeof TakeSlotPayloadSchema>;

/**
 * Payload of "Take copy slots" (`phase: 'copy'`: top up to one origin slot per file copied at once,
 * without waiting) and "Drop copy slots" (`phase: 'drop'`: back to one).
 */
export const CopySlotsPayloadSchema = z.object({
  phase: z.enum(['copy', 'drop']),
  executionName: executionShape.executionName,
  executionArn: executionShape.executionArn,
  executionStartTime: executionShape.executionStartTime,
  /** `$.database`: the input was checked by "Take an ORDS slot". */
  database: z.string().regex(DATABASE_ID),
  slots: SlotHoldingSchema,
  /** Files the run copies. */
  files: z.number().int().min(0),
  /** The state machine's `fileConcurrency`. */
  fileConcurrency: z.number().int().min(1),
});
export type CopySlotsPayload = z.output<typeof CopySlotsPayloadSchema>;
