import { ReadJobPayloadSchema } from '../core/payloads.js';
import { readJob } from '../core/read-job.js';
import { bindingFor } from '../shared/bindings.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';

/** "Read job": reads the Data Pump job's state once per poll. */
export const handler = defineTask('Read job', ReadJobPayloadSchema, async (payload, context) => {
  const binding = await bindingFor(payload.database);
  return readJob(
    { ords: await ordsFor(binding, context), logger, now: () => new Date() },
    { ...payload, timeoutSeconds: binding.timeoutSeconds },
  );
});
