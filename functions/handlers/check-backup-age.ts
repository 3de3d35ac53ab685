import { type BackupAgeReport, checkBackupAge } from '../core/run/index.js';
import { bindingPins } from '../shared/binding-pins.js';
import { s3Client, ssmClient } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { logger } from '../shared/logger.js';
import { recordBackupAge, recordRestoreDrillAge } from '../shared/metrics.js';

/**
 * "Check backup age": invoked hourly by an EventBridge rule; publishes HoursSinceLastBackup for
 * every database bound under DATABASE_PARAMETER_PATH, which the stale-backup alarms watch, and
 * HoursSinceLastRestoreDrill for those with a restore drill.
 */
export const handler = async (): Promise<{ readonly databases: number; readonly problems: number }> => {
  logger.resetKeys();
  let report: BackupAgeReport;
  try {
    report = await checkBackupAge({
      ssm: ssmClient(),
      s3: s3Client(),
      bucket: requiredEnv('BUCKET_NAME'),
      parameterPath: requiredEnv('DATABASE_PARAMETER_PATH'),
      logger,
      now: () => new Date(),
      publish: recordBackupAge,
      publishDrillAge: recordRestoreDrillAge,
      pins: bindingPins(),
    });
  } catch (error) {
    logger.error('Check backup age failed', error as Error);
    throw error;
  }
  return { databases: report.ages.length, problems: report.problems.length };
};
