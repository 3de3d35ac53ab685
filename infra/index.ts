/**
 * The package entry: the `OrdsDatapumpBackup` construct for a CDK app of your own, with its props.
 * The JSON-configured app (`infra/app.ts`) is built on the same construct.
 */
export type {
  BackupSchedule,
  BackupWindow,
  BucketOptions,
  DatabaseProps,
  OffsiteCopyProps,
  OrdsDatapumpBackupProps,
  RestoreDrillProps,
  RetentionTiers,
} from './backup-props.js';
export { OffsiteBackupBucket, type OffsiteBackupBucketProps } from './offsite-backup-bucket.js';
export {
  COPY_ALLOWANCE,
  DEFAULT_NAME_PREFIX,
  NAME_PREFIX,
  OrdsDatapumpBackup,
} from './ords-datapump-backup.js';
export { OrdsDatapumpBackupDatabases } from './ords-datapump-backup-databases.js';
