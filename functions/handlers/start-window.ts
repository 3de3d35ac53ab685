import { StartWindowInputSchema, startWindow } from '../core/run/index.js';
import { bindingPins } from '../shared/binding-pins.js';
import { s3Client, sfnClient } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { sendMissedRuns } from '../shared/missed-runs.js';

/**
 * "Start window": invoked by a night window's schedule with `{window, databases, scheduledTime}`;
 * starts one backup execution per database, slowest first, and queues those it could not start.
 */
export const handler = defineTask('Start window', StartWindowInputSchema, async (input) => {
  const result = await startWindow(
    {
      sfn: sfnClient(),
      s3: s3Client(),
      stateMachineArn: requiredEnv('STATE_MACHINE_ARN'),
      bucket: requiredEnv('BUCKET_NAME'),
      pins: bindingPins(),
      logger,
      now: () => new Date(),
      sendMissed: (runs) => sendMissedRuns(requiredEnv('MISSED_RUNS_QUEUE_URL'), runs),
    },
    input,
  );
  return {
    closesAt: result.closesAt,
    started: result.started.length,
    alreadyStarted: result.alreadyStarted.length,
    missed: result.missed.map((run) => run.database),
  };
});
