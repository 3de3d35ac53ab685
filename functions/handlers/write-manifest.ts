import { storeBackup } from '../core/manifest/index.js';
import { WriteManifestPayloadSchema } from '../core/state/index.js';
import { bindingFor } from '../shared/bindings.js';
import { s3Client } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { recordBackupStored } from '../shared/metrics.js';
import { TOOL_VERSION } from '../shared/tool-version.js';

/**
 * "Write manifest": verifies the stored files, writes manifest.json, last, and with retention tiers
 * tags the run's objects with their tier; records the metrics and, for a backup that counts as a
 * success, the database's last-backup record.
 */
export const handler = defineTask('Write manifest', WriteManifestPayloadSchema, async (payload) => {
  const binding = await bindingFor(payload.database);
  const deps = {
    s3: s3Client(),
    bucket: requiredEnv('BUCKET_NAME'),
    logger,
    now: () => new Date(),
    toolVersion: TOOL_VERSION,
  };
  const { summary, succeeded } = await storeBackup(deps, {
    ...payload,
    prefix: binding.prefix,
    ordsUrl: binding.ordsUrl,
    exportSpec: binding.export,
    ...(binding.consistentExport ? { consistentExport: binding.consistentExport } : {}),
    acceptCompletedWithErrors: binding.acceptCompletedWithErrors,
    ...(binding.retention ? { retention: binding.retention } : {}),
  });
  recordBackupStored(summary, succeeded);
  return summary;
});
