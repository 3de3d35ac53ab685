import { describeAwsError, isTransientAwsError } from './aws-errors.js';
import { BackupError, StorageRejectedError, StorageUnavailableError } from './errors.js';

/**
 * Turns an S3 SDK failure into a named error the state machine understands: transient ones
 * (5xx, throttling, network) are retried, the rest (access denied, no such bucket, …) are not.
 * The SDK has already retried transient ones itself; this decides what the state machine does next.
 */
export function toStorageError(error: unknown, bucket: string, key: string): BackupError {
  if (error instanceof BackupError) return error;
  const where = `s3://${bucket}/${key}`;
  const detail = describeAwsError(error);
  const transient = isTransientAwsError(error);
  if (transient) {
    return new StorageUnavailableError(`S3 is unavailable for ${where}: ${detail}`, { cause: error });
  }
  return new StorageRejectedError(`S3 refused the request for ${where}: ${detail}`, { cause: error });
}
