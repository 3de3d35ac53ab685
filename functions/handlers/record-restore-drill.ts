import { RecordRestoreDrillPayloadSchema, recordRestoreDrill } from '../core/drill/index.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { recordRestoreDrillMetric } from '../shared/metrics.js';

/** "Record restore drill": writes restore-drill.json and last-restore-drill.json, publishes RestoreDrillSucceeded. */
export const handler = defineTask(
  'Record restore drill',
  RecordRestoreDrillPayloadSchema,
  async (payload) => {
    const binding = await bindingFor(payload.database);
    const result = await recordRestoreDrill(
      { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger, now: () => new Date() },
      {
        ...payload,
        prefix: binding.prefix,
        targetSchema: binding.restoreDrill?.targetSchema ?? payload.drill?.targetSchema ?? '',
      },
    );
    recordRestoreDrillMetric(payload.database, result.succeeded);
    return result;
  },
);
