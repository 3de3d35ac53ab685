/**
 * Restore drills: when one is due, the import into a drill schema (owned by an intent record, which
 * a restore uses too: `startOwnedImport`, `schemaOwnershipProblem`), its verdict, dropping the
 * schema, and the records of the last drill.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export type { ImportIntent, StoredIntent } from './import-intent.js';
export {
  ImportIntentSchema,
  RESTORE_DRILL_INTENT_FILE,
  readIntent,
  restoreDrillIntentKey,
} from './import-intent.js';
export type { ImportOwnershipDeps, OwnedImport, OwnedImportRequest } from './import-ownership.js';
export { readDbIdentity, schemaOwnershipProblem, startOwnedImport } from './import-ownership.js';
export type { DbIdentity } from './import-ownership-sql.js';
export { identityQuery } from './import-ownership-sql.js';
export { dropDrillSchema, startRestoreDrill } from './restore-drill.js';
export { restoreDrillAgeHours } from './restore-drill-age.js';
export { toImportRequestBody } from './restore-drill-import.js';
export type {
  DrillOutcome,
  DrillStarted,
  RestoreDrillBinding,
  RestoreDrillResult,
} from './restore-drill-payloads.js';
export {
  DrillStartedSchema,
  DropDrillSchemaPayloadSchema,
  RecordRestoreDrillPayloadSchema,
  RestoreDrillBindingSchema,
  StartRestoreDrillPayloadSchema,
} from './restore-drill-payloads.js';
export type { LastRestoreDrill } from './restore-drill-record.js';
export {
  isDrillDue,
  LAST_RESTORE_DRILL_FILE,
  RESTORE_DRILL_FILE,
  readLastRestoreDrill,
} from './restore-drill-record.js';
export { recordRestoreDrill } from './restore-drill-report.js';
export { compareTableRows } from './restore-drill-rows.js';
export {
  checkDrillTarget,
  drillTargetProblem,
  drillUserQuery,
  dropDrillUserStatement,
  parseDrillUserRow,
} from './restore-drill-sql.js';
