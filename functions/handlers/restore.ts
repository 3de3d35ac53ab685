import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  checkRestore,
  DEFAULT_CHECK_MIN_BYTES,
  finishRestore,
  parseRestoreRequest,
  putRestoreFiles,
  RestoreCheckingSchema,
  RestoreProgressSchema,
  startRestore,
} from '../core/restore/index.js';
import { assertRunLock, holdForRestore, slotCapsOf } from '../core/run/index.js';
import { DATABASE_ID, JobRefSchema, SlotHoldingSchema } from '../core/state/index.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { now } from '../shared/clock.js';
import { numberEnv, requiredEnv } from '../shared/env.js';
import { executionStatus } from '../shared/executions.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';
import { putFilesDeps } from '../shared/put-files-deps.js';
import { holdRunSlots } from '../shared/run-slots.js';

const execution = {
  executionArn: z.string().min(1),
  executionName: z.string().min(1),
};
const step = {
  ...execution,
  database: z.string().regex(DATABASE_ID),
  /** `$.slots`, held again before the step calls ORDS; absent in executions of earlier versions. */
  slots: SlotHoldingSchema.optional(),
};

const PayloadSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('take'),
    ...execution,
    executionStartTime: z.string().min(1),
    input: z.unknown(),
    slots: SlotHoldingSchema,
  }),
  z.object({
    action: z.literal('check'),
    ...step,
    input: z.unknown(),
    // Absent in executions of a state machine deployed before the check could span calls.
    progress: RestoreCheckingSchema.optional(),
  }),
  z.object({ action: z.literal('put'), ...step, progress: RestoreProgressSchema }),
  z.object({ action: z.literal('start'), ...step, progress: RestoreProgressSchema }),
  z.object({ action: z.literal('finish'), ...step, progress: RestoreProgressSchema, job: JobRefSchema }),
]);

/** The state name each action runs as: what the lock check names. */
const STEPS = {
  check: 'Check backup in S3',
  put: 'Put files on the server',
  start: 'Start import',
  finish: 'Finish restore',
} as const;

/**
 * The restore state machine's steps (infra/constructs/restore-state-machine.ts): "Take run lock and
 * ORDS slot" (`take`, which checks the execution's input first), "Check backup in S3", "Put files on
 * the server", "Start import" and "Finish restore". The lock and slots are released by the backup's
 * "Release run lock" code (the clean-up handler's `release-lock` phase).
 */
export const handler = defineTask('Restore', PayloadSchema, async (payload, context) => {
  const s3 = s3Client();
  const bucket = requiredEnv('BUCKET_NAME');
  if (payload.action === 'take') {
    const request = parseRestoreRequest(payload.input, bucket);
    const binding = await bindingFor(request.database);
    return holdForRestore(
      { s3, bucket, logger, executionStatus },
      {
        database: binding.database,
        prefix: binding.prefix,
        caps: slotCapsOf(binding),
        holder: {
          executionArn: payload.executionArn,
          executionName: payload.executionName,
          startedAt: payload.executionStartTime,
        },
        holding: payload.slots,
      },
    );
  }
  const binding = await bindingFor(payload.database);
  // Check-before-act: an execution that lost the lock to a backup changes nothing on the server.
  await assertRunLock(
    { s3, bucket },
    {
      database: payload.database,
      prefix: binding.prefix,
      executionArn: payload.executionArn,
      executionName: payload.executionName,
      now: now(),
      step: STEPS[payload.action],
    },
  );
  await holdRunSlots(binding, payload, STEPS[payload.action], executionStatus);
  const ords = await ordsFor(binding, context);
  const deps = {
    ords,
    sql: ords,
    s3,
    bucket,
    logger,
    now: () => new Date(),
    sleep,
    ...putFilesDeps(s3, context, 'RESTORE_SAFETY_MARGIN_SECONDS'),
  };
  const restoreContext = {
    prefix: binding.prefix,
    remover: binding.autonomousDatabase ? ('dbms-cloud' as const) : ('utl-file' as const),
    executionArn: payload.executionArn,
    checkMinBytes: numberEnv('RESTORE_CHECK_MIN_BYTES', DEFAULT_CHECK_MIN_BYTES),
  };
  if (payload.action === 'check') {
    const request = parseRestoreRequest(payload.input, bucket);
    return checkRestore(deps, restoreContext, request, payload.progress);
  }
  if (payload.action === 'put') return putRestoreFiles(deps, restoreContext, payload.progress);
  if (payload.action === 'start') return startRestore(deps, restoreContext, payload.progress);
  return finishRestore(deps, restoreContext, payload.progress, payload.job);
});
