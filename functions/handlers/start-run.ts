import { StartRunInputSchema, startRun } from '../core/run/index.js';
import { sfnClient } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';

/**
 * "Start run": invoked by each database's schedule with `{database, scheduledTime}`; starts the
 * backup execution named after both. Throws on failure, so the asynchronous invocation is retried
 * and finally lands in the dead-letter queue.
 */
export const handler = defineTask('Start run', StartRunInputSchema, (input) =>
  startRun({ sfn: sfnClient(), stateMachineArn: requiredEnv('STATE_MACHINE_ARN'), logger }, input),
);
