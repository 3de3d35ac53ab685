import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { readLastRestoreDrill } from '../core/drill/index.js';
import { acquireRunLock, beginRun, copySlots, takeRunSlot } from '../core/run/index.js';
import {
  CopySlotsPayloadSchema,
  StartExportPayloadSchema,
  TakeSlotPayloadSchema,
} from '../core/state/index.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { now } from '../shared/clock.js';
import { requiredEnv } from '../shared/env.js';
import { executionStatus } from '../shared/executions.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';

/**
 * "Start export": checks the input, takes the database's run lock, starts (or adopts) the export.
 * "Take an ORDS slot", "Take copy slots" and "Drop copy slots": the run's ORDS slots.
 */
export const handler = defineTask(
  'Start export',
  z.union([TakeSlotPayloadSchema, CopySlotsPayloadSchema, StartExportPayloadSchema]),
  async (payload, context) => {
    if ('phase' in payload) {
      const deps = {
        s3: s3Client(),
        bucket: requiredEnv('BUCKET_NAME'),
        logger,
        executionStatus,
        binding: bindingFor,
        now,
      };
      return payload.phase === 'take-slot' ? takeRunSlot(deps, payload) : copySlots(deps, payload);
    }
    return beginRun(
      {
        binding: bindingFor,
        lock: (request) =>
          acquireRunLock(
            { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger, executionStatus },
            request,
          ),
        ords: (binding) => ordsFor(binding, context),
        sql: (binding) => ordsFor(binding, context),
        logger,
        now: () => new Date(),
        sleep,
        lastRestoreDrill: (binding) =>
          readLastRestoreDrill(
            { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME') },
            binding.prefix,
            binding.database,
          ),
      },
      payload,
    );
  },
);
