import { writeTimeTags } from '../core/retention/index.js';
import { assertKeyOfJob } from '../core/run/index.js';
import { CopyFilePayloadSchema } from '../core/state/index.js';
import { copyFile, serverFileSize } from '../core/transfer/index.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { numberEnv, requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';
import { holdRunSlots } from '../shared/run-slots.js';

const MiB = 1024 * 1024;

/**
 * "Copy file": copies one job file into S3 until the invocation's time budget is nearly spent,
 * then returns where it stopped; the state machine calls it again until the file is stored.
 */
export const handler = defineTask('Copy file', CopyFilePayloadSchema, async (payload, context) => {
  const binding = await bindingFor(payload.database);
  assertKeyOfJob(binding, payload.job, payload.file.name, payload.file.key);
  await holdRunSlots(binding, payload, 'Copy file');
  const ords = await ordsFor(binding, context);
  return copyFile(
    {
      ords,
      serverFileSize: (fileName) => serverFileSize(ords, binding.export.datapumpDir, fileName),
      s3: s3Client(),
      bucket: requiredEnv('BUCKET_NAME'),
      logger,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      safetyMarginMs: numberEnv('COPY_SAFETY_MARGIN_SECONDS', 60) * 1000,
      partsInFlight: numberEnv('COPY_PARTS_IN_FLIGHT', 2),
      minPartSizeBytes: numberEnv('COPY_MIN_PART_SIZE_BYTES', 8 * MiB),
      maxFileBytes: numberEnv('COPY_MAX_FILE_BYTES', 512 * 1024 * MiB),
      ...(binding.retention ? { objectTags: writeTimeTags(binding.retention) } : {}),
      recordSha256: binding.recordSha256,
    },
    payload,
  );
});
