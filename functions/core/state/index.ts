/**
 * The state machine's contract: the payloads each state takes and returns, the S3 keys of a run
 * (`naming`), and how a failed execution's cause reads as a sentence.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */

export type { CopyFilePayload, CopyProgress, StoredFile } from './copy-payloads.js';
export { CopyFilePayloadSchema, CopyProgressSchema, StoredFileSchema } from './copy-payloads.js';
export { LAMBDA_CAUSE_PATTERN, readableCause } from './lambda-cause.js';
export {
  attemptTag,
  backupFolder,
  dumpFileTemplate,
  executionName,
  LAST_BACKUP_FILE,
  lastBackupKey,
  logFileNameOf,
  makeRunId,
  manifestKey,
  runIdOfFile,
} from './naming.js';
export {
  CheckOffsiteCopyPayloadSchema,
  OffsiteCopyTaskPayloadSchema,
  RecordOffsiteFailurePayloadSchema,
} from './offsite-payloads.js';
export type {
  ExecutionInput,
  ExportedObjects,
  Fallback,
  FileToCopy,
  JobPath,
  JobRef,
  JobStatus,
  OnRunningExport,
  ReadJobPayload,
  ReadLogPayload,
  ServerCleanup,
  StartExportPayload,
  StartedBy,
  StartedRun,
  SupersededCleanup,
  Verdict,
  VerdictResult,
} from './payloads.js';
export {
  BOUND_FIELDS,
  CONSISTENCY,
  type Consistency,
  DATABASE_ID,
  describeIssues,
  ExecutionInputSchema,
  ExportedObjectsSchema,
  FALLBACKS,
  FencedExecutionArnSchema,
  JOB_PATHS,
  JobRefSchema,
  jobNameProblem,
  KEY_PREFIX,
  ON_RUNNING_EXPORT,
  parsePayload,
  ReadJobPayloadSchema,
  ReadLogPayloadSchema,
  SERVER_CLEANUP,
  StartExportPayloadSchema,
} from './payloads.js';
export {
  MAX_POLLS_PER_EXECUTION,
  maxSlotWaits,
  minimumPollSeconds,
  POLL_INTERVAL_SECONDS,
} from './poll-budget.js';
export type { CopySlotsPayload, SlotHolding, SlotTaking, TakeSlotPayload } from './slot-payloads.js';
export { CopySlotsPayloadSchema, SlotHoldingSchema, TakeSlotPayloadSchema } from './slot-payloads.js';
export type {
  BackupSummary,
  CleanUpServerPayload,
  CleanupPhase,
  ServerCleanupResult,
  WriteManifestPayload,
} from './stored-payloads.js';
export {
  CleanUpServerPayloadSchema,
  CleanUpServerTaskPayloadSchema,
  RecordCleanupFailurePayloadSchema,
  WriteManifestPayloadSchema,
} from './stored-payloads.js';
