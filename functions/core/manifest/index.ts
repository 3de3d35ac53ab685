/**
 * The manifest written last for every complete backup, where the backup came from, and the
 * `last-backup.json` pointer.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export { type ManifestRetention, planRetention, type RetentionPlan } from './backup-retention.js';
export {
  countsAsSuccess,
  type LastBackup,
  LastBackupSchema,
  readLastBackup,
  recordLastBackup,
} from './last-backup.js';
export type { Manifest } from './manifest.js';
export { MANIFEST_VERSION, writeManifest } from './manifest.js';
export {
  CONSISTENCY_DOWNGRADED,
  type ConsistencyMode,
  describeConsistency,
  type ManifestConsistency,
  manifestConsistency,
  POINT_IN_TIME_NOT_ENABLED,
} from './manifest-consistency.js';
export {
  checkOffsiteCopy,
  OFFSITE_RECORD_VERSION,
  type OffsiteProof,
  type OffsiteProofDeps,
  type OffsiteProofInput,
  type OffsiteRecord,
} from './offsite-proof.js';
export { type StoreBackupInput, type StoredBackup, storeBackup } from './store-backup.js';
