import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { RestoreDrillFailedError } from '../core/base/index.js';
import {
  DrillStartedSchema,
  DropDrillSchemaPayloadSchema,
  dropDrillSchema,
  restoreDrillIntentKey,
  StartRestoreDrillPayloadSchema,
  startRestoreDrill,
} from '../core/drill/index.js';
import {
  DEFAULT_CHECK_MIN_BYTES,
  finishS3Drill,
  putS3DrillFiles,
  S3DrillProgressSchema,
  startS3Drill,
} from '../core/restore/index.js';
import { assertRunLock } from '../core/run/index.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { numberEnv, requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';
import { putFilesDeps } from '../shared/put-files-deps.js';
import { holdRunSlots } from '../shared/run-slots.js';

const PayloadSchema = z.discriminatedUnion('action', [
  StartRestoreDrillPayloadSchema.extend({ action: z.literal('start') }),
  DropDrillSchemaPayloadSchema.extend({ action: z.literal('drop') }),
  // The drill from S3 (`restoreDrill.source: "s3"`), after the cleanup: put, start, finish.
  StartRestoreDrillPayloadSchema.extend({ action: z.literal('put-s3'), progress: S3DrillProgressSchema }),
  StartRestoreDrillPayloadSchema.extend({ action: z.literal('start-s3'), progress: S3DrillProgressSchema }),
  StartRestoreDrillPayloadSchema.extend({
    action: z.literal('finish-s3'),
    progress: S3DrillProgressSchema,
    drill: DrillStartedSchema,
  }),
]);

/** The state name each action runs as: what the lock check names. */
const STEPS = {
  start: 'Start restore drill',
  drop: 'Drop drill schema',
  'put-s3': 'Put drill files from S3',
  'start-s3': 'Start restore drill from S3',
  'finish-s3': 'Drop drill schema and files',
} as const;

/**
 * "Start restore drill" (`action: start`: import this run's dump into the drill schema) and "Drop
 * drill schema" (`action: drop`: read the import's verdict, drop the drill's own schema); for a drill
 * from S3, "Put drill files from S3", "Start restore drill from S3" and "Drop drill schema and files".
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
      step: STEPS[payload.action],
    },
  );
  await holdRunSlots(binding, payload, STEPS[payload.action]);
  const ords = await ordsFor(binding, context);
  const deps = { ords, sql: ords, s3, bucket, logger, now: () => new Date(), sleep };
  if (payload.action === 'put-s3' || payload.action === 'start-s3' || payload.action === 'finish-s3') {
    const s3Deps = { ...deps, ...putFilesDeps(s3, context, 'RESTORE_DRILL_SAFETY_MARGIN_SECONDS') };
    const drillContext = {
      database: payload.database,
      prefix: binding.prefix,
      job: payload.job,
      drill: binding.restoreDrill,
      directory: binding.export.datapumpDir,
      exportedSchemas: binding.export.schemas ?? [],
      remover: binding.autonomousDatabase ? ('dbms-cloud' as const) : ('utl-file' as const),
      serverCleanup: binding.serverCleanup,
      executionArn: payload.executionArn,
      checkMinBytes: numberEnv('RESTORE_CHECK_MIN_BYTES', DEFAULT_CHECK_MIN_BYTES),
    };
    if (payload.action === 'put-s3') return putS3DrillFiles(s3Deps, drillContext, payload.progress);
    if (payload.action === 'start-s3') return startS3Drill(s3Deps, drillContext, payload.progress);
    return finishS3Drill(s3Deps, drillContext, payload.progress, payload.drill);
  }
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
