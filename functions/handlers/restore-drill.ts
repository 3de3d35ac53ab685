import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { RestoreDrillFailedError } from '../core/base/index.js';
import {
  DropDrillSchemaPayloadSchema,
  dropDrillSchema,
  restoreDrillIntentKey,
  StartRestoreDrillPayloadSchema,
  startRestoreDrill,
} from '../core/drill/index.js';
import { assertRunLock } from '../core/run/index.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';

const PayloadSchema = z.discriminatedUnion('action', [
  StartRestoreDrillPayloadSchema.extend({ action: z.literal('start') }),
  DropDrillSchemaPayloadSchema.extend({ action: z.literal('drop') }),
]);

/**
 * "Start restore drill" (`action: start`: import this run's dump into the drill schema) and "Drop
 * drill schema" (`action: drop`: read the import's verdict, drop the drill's own schema).
 */
export const handler = defineTask('Restore drill', PayloadSchema, async (payload, context) => {
  const binding = await bindingFor(payload.database);
  if (!binding.restoreDrill) {
    throw new RestoreDrillFailedError(`Database "${payload.database}" has no restore drill in its binding`);
  }
  const s3 = s3Client();
  const bucket = requiredEnv('BUCKET_NAME');
  // Check-before-act: a redriven execution that lost the lock to a newer run imports and drops nothing.
  await assertRunLock(
    { s3, bucket },
    {
      database: payload.database,
      prefix: binding.prefix,
      executionArn: payload.executionArn,
      executionName: payload.executionName,
      now: new Date(),
      step: payload.action === 'drop' ? 'Drop drill schema' : 'Start restore drill',
    },
  );
  const ords = await ordsFor(binding, context);
  const deps = { ords, sql: ords, s3, bucket, logger, now: () => new Date(), sleep };
  const exportJob = payload.action === 'drop' ? payload.exportJob : payload.job;
  const intentKey = restoreDrillIntentKey(binding.prefix, payload.database, exportJob);
  if (payload.action === 'drop') {
    return dropDrillSchema(deps, {
      ...payload,
      intentKey,
      serverCleanup: binding.serverCleanup,
      directory: binding.export.datapumpDir,
      remover: binding.autonomousDatabase ? 'dbms-cloud' : 'utl-file',
    });
  }
  return startRestoreDrill(deps, {
    database: payload.database,
    job: payload.job,
    drill: binding.restoreDrill,
    directory: binding.export.datapumpDir,
    exportedSchemas: binding.export.schemas ?? [],
    executionArn: payload.executionArn,
    intentKey,
  });
});
