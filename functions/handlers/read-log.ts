import { readLog } from '../core/export/index.js';
import { ReadLogPayloadSchema } from '../core/state/index.js';
import { bindingFor } from '../shared/bindings.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';
import { holdRunSlots } from '../shared/run-slots.js';

/** "Read log": reads the finished job's log, decides the verdict and lists the files to store. */
export const handler = defineTask('Read log', ReadLogPayloadSchema, async (payload, context) => {
  const binding = await bindingFor(payload.database);
  await holdRunSlots(binding, payload, 'Read log');
  return readLog(
    { ords: await ordsFor(binding, context), logger, now: () => new Date() },
    { ...payload, prefix: binding.prefix },
  );
});
