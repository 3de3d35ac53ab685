import { S3Client } from '@aws-sdk/client-s3';
import { checkOffsiteCopy } from '../core/manifest/index.js';
import { OffsiteCopyTaskPayloadSchema } from '../core/state/index.js';
import { s3Client } from '../shared/clients.js';
import { numberEnv, requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { recordOffsiteCopy } from '../shared/metrics.js';

let offsiteS3: S3Client | undefined;

/**
 * "Check off-site copy": reads the replication status of every object of the run's manifest and,
 * once all replicated, the replicas' sizes and CRC-32s in the off-site bucket (OFFSITE_BUCKET_NAME,
 * in OFFSITE_REGION); writes offsite.json beside the manifest. A failed or late copy records the
 * database's OffsiteCopyFailed = 1 (its alarm). "Record off-site failure": the same, for a check
 * step that failed for good.
 */
export const handler = defineTask('Check off-site copy', OffsiteCopyTaskPayloadSchema, async (payload) => {
  if (payload.phase === 'record-failure') {
    recordOffsiteCopy(payload.database, true);
    return { recorded: true };
  }
  const region = process.env.OFFSITE_REGION;
  offsiteS3 ??= new S3Client({
    ...(region ? { region } : {}),
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
  });
  const result = await checkOffsiteCopy(
    {
      s3: s3Client(),
      bucket: requiredEnv('BUCKET_NAME'),
      offsite: { s3: offsiteS3, bucket: requiredEnv('OFFSITE_BUCKET_NAME') },
      logger,
      now: () => new Date(),
    },
    {
      manifest: payload.manifest,
      since: payload.since,
      maxLagSeconds: numberEnv('OFFSITE_MAX_LAG_SECONDS', 3600),
    },
  );
  if (result.offsite !== 'pending') recordOffsiteCopy(payload.database, result.offsite !== 'copied');
  return result;
});
