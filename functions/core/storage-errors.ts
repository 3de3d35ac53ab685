import { BackupError, StorageRejectedError, StorageUnavailableError } from './errors.js';

/** S3 error codes that mean "try again later" even though some arrive as 4xx. */
const TRANSIENT_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/** Network error codes of Node.js sockets: the request may not have reached S3. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Turns an S3 SDK failure into a named error the state machine understands: transient ones
 * (5xx, throttling, network) are retried, the rest (access denied, no such bucket, …) are not.
 * The SDK has already retried transient ones itself; this decides what the state machine does next.
 */
export function toStorageError(error: unknown, bucket: string, key: string): BackupError {
  if (error instanceof BackupError) return error;
  const err = error as {
    name?: string;
    code?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const code = err.name ?? err.code ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  const where = `s3://${bucket}/${key}`;
  const detail = `${code}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(error)}`;
  const transient =
    TRANSIENT_CODES.has(code) ||
    NETWORK_CODES.has(err.code ?? '') ||
    (status !== undefined && status >= 500) ||
    (status === undefined && err.$fault !== 'client');
  if (transient) {
    return new StorageUnavailableError(`S3 is unavailable for ${where}: ${detail}`, { cause: error });
  }
  return new StorageRejectedError(`S3 refused the request for ${where}: ${detail}`, { cause: error });
}
