import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { readLastRestoreDrill } from '../core/drill/index.js';
import { readLastBackup } from '../core/manifest/index.js';
import {
  acquireRunLock,
  beginRun,
  copySlots,
  parseExecutionInput,
  readProbeRecord,
  takeRunSlot,
  writeProbeRecord,
} from '../core/run/index.js';
import {
  CopySlotsPayloadSchema,
  type StartExportPayload,
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
import { recordConsistency, recordServerCleanup } from '../shared/metrics.js';
import { ordsFor } from '../shared/ords.js';
import { holdRunSlots } from '../shared/run-slots.js';
import { recordRunFor, settleEarlierRunsFor } from '../shared/unfinished-runs.js';

/**
 * "Start export": checks the input, takes the database's run lock, removes the leftovers of earlier runs
 * that ended without their cleanup (ServerCleanupFailed = 1 when some stay), starts (or adopts) the
 * export and records it; for a
 * point-in-time or auto database records `ConsistencyDowngraded` (1 when the run fell back to per-table).
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
    return startExport(payload, context);
  },
);

/** Begins the run: the lock, the export (or its adoption), the consistency metric. */
async function startExport(payload: StartExportPayload, context: Parameters<typeof ordsFor>[1]) {
  // A redrive of a failed "Start export" holds its ORDS slot again before it calls ORDS.
  if (payload.slots) {
    const binding = await bindingFor(parseExecutionInput(payload.input).database);
    await holdRunSlots(binding, payload, 'Start export', executionStatus);
  }
  const probeStore = () => ({ s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger });
  const started = await beginRun(
    {
      binding: bindingFor,
      lock: (request) =>
        acquireRunLock(
          { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger, executionStatus },
          request,
        ),
      ords: (binding) => ordsFor(binding, context),
      sql: (binding) => ordsFor(binding, context),
      probeRecord: {
        read: (prefix, database) => readProbeRecord(probeStore(), prefix, database),
        write: (prefix, record, etag) => writeProbeRecord(probeStore(), prefix, record, etag),
      },
      lastDumpBytes: async (binding) =>
        (
          await readLastBackup(
            { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME') },
            { prefix: binding.prefix, database: binding.database },
          )
        )?.totalBytes ?? null,
      logger,
      now: () => new Date(),
      sleep,
      settleEarlierRuns: (binding) => settleEarlierRunsFor(binding, payload, context),
      recordRun: (binding, job) => recordRunFor(binding, payload, job),
      lastRestoreDrill: (binding) =>
        readLastRestoreDrill(
          { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME') },
          binding.prefix,
          binding.database,
        ),
    },
    payload,
  );
  // An earlier run's leftovers that stay on the server set off the database's server-cleanup alarm.
  if (started.superseded?.some((report) => report.serverCleanup === 'failed')) {
    recordServerCleanup(parseExecutionInput(payload.input).database, true);
  }
  if (started.job.path === 'rest-sql' || started.job.downgraded !== undefined) {
    recordConsistency(parseExecutionInput(payload.input).database, started.job.downgraded !== undefined);
  }
  return started;
}
