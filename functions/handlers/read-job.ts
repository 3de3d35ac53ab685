import { readJob } from '../core/export/index.js';
import { ReadJobPayloadSchema } from '../core/state/index.js';
import { bindingFor } from '../shared/bindings.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';
import { holdRunSlots } from '../shared/run-slots.js';

/** Unknown Data Pump states this container has warned about (once each, not at every poll). */
const warnedStates = new Set<string>();
/** Jobs a poll in this container has seen, so a later 404 reads as dropped at once. */
const seenJobs = new Set<string>();

/** "Read job": reads the Data Pump job's state once per poll. */
export const handler = defineTask('Read job', ReadJobPayloadSchema, async (payload, context) => {
  const binding = await bindingFor(payload.database);
  await holdRunSlots(binding, payload, 'Read job');
  const ords = await ordsFor(binding, context);
  return readJob(
    { ords, sql: ords, logger, now: () => new Date(), warnedStates, seenJobs },
    { ...payload, timeoutSeconds: binding.timeoutSeconds },
  );
});
