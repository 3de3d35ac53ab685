import { writeManifest } from '../core/manifest.js';
import { WriteManifestPayloadSchema } from '../core/payloads.js';
import { s3Client } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';

/** "Write manifest": verifies the stored files and writes manifest.json, last. */
export const handler = defineTask('Write manifest', WriteManifestPayloadSchema, async (payload) =>
  writeManifest(
    { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME'), logger, now: () => new Date() },
    payload,
  ),
);
