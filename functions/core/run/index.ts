/**
 * A run of one database: its binding, the run lock, starting a run and its export, the hourly
 * backup-age check, and the failure notification.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export type { BackupAgeReport } from './backup-age.js';
export { checkBackupAge } from './backup-age.js';
export { beginRun, parseExecutionInput } from './begin-run.js';
export type { DatabaseBinding, DatabaseBindingInput, SlotCaps } from './binding.js';
export {
  assertKeyOfJob,
  bindingParameterName,
  DatabaseBindingSchema,
  isBindingPath,
  parseBinding,
  slotCapsOf,
} from './binding.js';
export type { BindingPin, BindingPins } from './binding-pin.js';
export { assertPinned, BindingPinsSchema, pinOf } from './binding-pin.js';
export type {
  ConsistencyProbeRecord,
  ProbeRecordStore,
  ReadProbeRecord,
} from './consistency-probe-record.js';
export {
  CONSISTENCY_PROBE_FILE,
  ConsistencyProbeRecordSchema,
  consistencyProbeKey,
  readProbeRecord,
  writeProbeRecord,
} from './consistency-probe-record.js';
export type { ExecutionStatus, HeldLock, LockStore } from './holder-lock.js';
export { readLockHolder } from './holder-lock.js';
export { removeJobFiles } from './job-files.js';
export type { ExecutionStatusEvent } from './notify-failure.js';
export { ALERTING_STATUSES, describeFailure, EXECUTION_STATUS_CHANGE } from './notify-failure.js';
export type { SlotDeps, SlotRequest, SlotsTaken } from './ords-slots.js';
export {
  deploymentSlots,
  listSlots,
  originSlots,
  releaseKey,
  releaseSlots,
  SLOT_KEY_PATTERN,
  slotsFolder,
  takeSlots,
} from './ords-slots.js';
export { holdForRestore } from './restore-hold.js';
export type { FenceRequest, ReleaseRunLockPayload, RunLockRelease } from './run-lock.js';
export {
  acquireRunLock,
  assertRunLock,
  databaseOfInput,
  ReleaseRunLockPayloadSchema,
  RUN_LOCK_KEY_PATTERN,
  releaseOwnRunLock,
  releaseRunLock,
  runLockKey,
} from './run-lock.js';
export type { RunSlotDeps } from './run-slots.js';
export { copySlots, releaseRunSlots, takeRunSlot } from './run-slots.js';
export type { SlotCheck, SlotCheckRequest } from './slot-check.js';
export { assertRunSlots } from './slot-check.js';
export type { RunWindow, StartRunInput } from './start-run.js';
export { StartRunInputSchema, startRun } from './start-run.js';
export type { MissedRun, StartWindowInput, StartWindowResult } from './start-window.js';
export { MAX_WINDOW_DATABASES, StartWindowInputSchema, startWindow } from './start-window.js';
export type { ConsistencyStartDeps, ProbeRecordAccess } from './start-with-consistency.js';
export { startWithConsistency, stopAndRemove } from './start-with-consistency.js';
export type { SettleDeps, UnfinishedRunsRequest } from './unfinished-runs.js';
export {
  forgetUnfinishedRun,
  recordUnfinishedRun,
  settleEarlierRuns,
  UNFINISHED_RUNS_KEY_PATTERN,
  unfinishedRunsKey,
} from './unfinished-runs.js';
