import { z } from 'zod';
import { DATABASE_ID } from './payloads.js';
import { type SlotHolding, SlotHoldingSchema } from './slot-holding.js';

export { type SlotHolding, SlotHoldingSchema } from './slot-holding.js';

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
