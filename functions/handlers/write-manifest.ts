import { writeManifest } from '../core/manifest.js';
import { WriteManifestPayloadSchema } from '../core/payloads.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { recordBackupStored } from '../shared/metrics.js';

/** "Write manifest": verifies the stored files, writes manifest.json, last, and records the metrics. */
export const handler = defineTask('Write manifest', WriteManifestPayloadSchema, async (payload) => {
  const binding = await bindingFor(payload.database);
  const summary = await writeManifest(
    { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger, now: () => new Date() },
    { ...payload, prefix: binding.prefix },
  );
  const succeeded =
    summary.verdict === 'succeeded' ||
    (summary.verdict === 'completed-with-errors' && binding.acceptCompletedWithErrors);
  recordBackupStored(summary, succeeded);
  return summary;
});
