import { assertRunSlots, type DatabaseBinding, type SlotCheck, slotCapsOf } from '../core/run/index.js';
import type { SlotHolding } from '../core/state/index.js';
import { s3Client } from './clients.js';
import { requiredEnv } from './env.js';
import { logger } from './logger.js';

/** A step's payload, as far as the slot check reads it. */
export interface SlottedPayload {
  readonly executionName: string;
  readonly executionArn?: string;
  /** `$.slots`; absent in executions of a state machine deployed before the check. */
  readonly slots?: SlotHolding;
}

/**
 * Check-before-act for the run's ORDS slots, right before a step calls ORDS (`assertRunSlots`). A
 * function that may not describe executions (`executionStatus` unset) counts every other holder as
 * running: it takes only a free slot, never one of an ended execution (the slot steps take those).
 * Returns null for an execution of an earlier state machine, whose payload carries no slots.
 */
export async function holdRunSlots(
  binding: DatabaseBinding,
  payload: SlottedPayload,
  step: string,
  executionStatus: (executionArn: string) => Promise<string> = async () => 'RUNNING',
): Promise<SlotCheck | null> {
  if (!payload.slots || !payload.executionArn) return null;
  return assertRunSlots(
    { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger, executionStatus },
    {
      database: binding.database,
      prefix: binding.prefix,
      caps: slotCapsOf(binding),
      holder: {
        executionArn: payload.executionArn,
        executionName: payload.executionName,
        // Compared with S3's LastModified: the system clock, not a simulated one.
        startedAt: new Date().toISOString(),
      },
      holding: payload.slots,
      step,
    },
  );
}
