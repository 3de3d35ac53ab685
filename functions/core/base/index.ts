/**
 * The ground every capability stands on: the error names the state machine matches, AWS error
 * classes, JSON object input, and the cron reader. Imports nothing of the project.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export { describeAwsError, isTransientAwsError } from './aws-errors.js';
export {
  CRON_FORMAT,
  cronProblem,
  latestStartAtOrBefore,
  longestScheduleGapHours,
  TIME_ZONE_FORMAT,
  timeZoneProblem,
} from './cron.js';
export type { ErrorNameValue } from './errors.js';
export {
  AwsUnavailableError,
  BackupError,
  BindingMismatchError,
  DatabaseBusyError,
  ErrorName,
  ExportAlreadyRunningError,
  ExportTimedOutError,
  ImportNotOwnedError,
  InvalidInputError,
  isBackupFailure,
  JobNotFoundError,
  LogLanguageUnknownError,
  ManifestExistsError,
  OrdsAuthError,
  OrdsRequestError,
  OrdsResponseError,
  OrdsSlotLostError,
  OrdsUnavailableError,
  RangeNotSupportedError,
  RETRYABLE_ERRORS,
  RestoreDrillFailedError,
  RunLockLostError,
  SecretError,
  StorageRejectedError,
  TransferIncompleteError,
  UnknownDatabaseError,
  UnsafeLinkError,
} from './errors.js';
export { jsonObjectInput } from './json-object.js';
export { toStorageError } from './storage-errors.js';
