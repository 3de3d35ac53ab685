import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { cleanUpServer } from '../core/cleanup/index.js';
import {
  assertRunLock,
  databaseOfInput,
  forgetUnfinishedRun,
  ReleaseRunLockPayloadSchema,
  releaseOwnRunLock,
  releaseRunSlots,
} from '../core/run/index.js';
import { CleanUpServerTaskPayloadSchema } from '../core/state/index.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { recordServerCleanup } from '../shared/metrics.js';
import { ordsFor } from '../shared/ords.js';
import { holdRunSlots } from '../shared/run-slots.js';

/**
 * "Clean up server" and "Remove dump files": removes this run's files (and control table) from the
 * database server through REST-enabled SQL, records the database's ServerCleanupFailed, and takes the
 * run out of the database's unfinished runs.
 * "Record cleanup failure": records ServerCleanupFailed = 1 for a cleanup step that failed for good.
 * "Release run lock": releases the run's ORDS slots, and the database's run lock when this execution
 * holds it, at the end of the run.
 */
export const handler = defineTask(
  'Clean up server',
  z.union([CleanUpServerTaskPayloadSchema, ReleaseRunLockPayloadSchema]),
  async (payload, context) => {
    if (payload.phase === 'release-lock') {
      const store = { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger };
      // The slots first: they are this execution's whatever its input names.
      const slots = await releaseRunSlots(store, payload.slots, payload.executionArn);
      const database = databaseOfInput(payload.input);
      if (database === null)
        return { released: false, reason: 'the execution input names no database', slots };
      const binding = await bindingFor(database);
      const lock = await releaseOwnRunLock(store, {
        database,
        prefix: binding.prefix,
        executionArn: payload.executionArn,
      });
      return { ...lock, slots };
    }
    if (payload.phase === 'record-failure') {
      recordServerCleanup(payload.database, true);
      return { recorded: true };
    }
    const binding = await bindingFor(payload.database);
    const bucket = requiredEnv('BUCKET_NAME');
    const step = payload.phase === 'after-backup' ? 'Clean up server' : 'Remove dump files';
    // Check-before-act: a redriven execution that lost the lock to a newer run removes nothing.
    await assertRunLock(
      { s3: s3Client(), bucket },
      {
        database: payload.database,
        prefix: binding.prefix,
        executionArn: payload.executionArn,
        executionName: payload.executionName,
        now: new Date(),
        step,
      },
    );
    await holdRunSlots(binding, payload, step);
    const ords = await ordsFor(binding, context);
    const deps = {
      sql: ords,
      ords,
      s3: s3Client(),
      bucket,
      logger,
      now: () => new Date(),
      sleep,
    };
    const result = await cleanUpServer(deps, {
      ...payload,
      prefix: binding.prefix,
      serverCleanup: binding.serverCleanup,
      autonomousDatabase: binding.autonomousDatabase,
      directory: binding.export.datapumpDir,
    });
    if (result.serverCleanup !== 'off')
      recordServerCleanup(payload.database, result.serverCleanup === 'failed');
    // This run's own cleanup ran: the next run has none of its leftovers to remove.
    await forgetUnfinishedRun(
      { s3: s3Client(), bucket },
      { prefix: binding.prefix, database: payload.database, executionArn: payload.executionArn },
    );
    return result;
  },
);
