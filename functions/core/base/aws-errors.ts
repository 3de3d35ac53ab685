/** Error codes of AWS services that mean "try again later" even though some arrive as 4xx. */
const TRANSIENT_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'InternalFailure',
  'InternalServiceError',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
]);

/** Error names that mean the request itself is wrong or not allowed: another attempt cannot help. */
const PERMANENT_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'DecryptionFailure',
  'InvalidParameterException',
  'InvalidRequestException',
  'ValidationException',
  'ParameterNotFound',
  'ExecutionDoesNotExist',
  'InvalidArn',
  'NoSuchBucket',
  'NoSuchKey',
]);

/** Network error codes of Node.js sockets: the request may not have reached the service. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** The parts of an AWS SDK v3 error this project reads. */
export interface AwsErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $fault?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Whether an AWS SDK failure is worth another attempt later: throttling, 5xx, network failures and
 * anything that never got an answer. The SDK has already retried these itself; this decides
 * whether the state machine tries the task again or fails it for good.
 */
export function isTransientAwsError(error: unknown): boolean {
  const err = (error ?? {}) as AwsErrorShape;
  const status = err.$metadata?.httpStatusCode;
  if (PERMANENT_CODES.has(err.name ?? '')) return false;
  return (
    TRANSIENT_CODES.has(err.name ?? err.code ?? '') ||
    NETWORK_CODES.has(err.code ?? '') ||
    (status !== undefined && status >= 500) ||
    (status === undefined && err.$fault !== 'client')
  );
}

/** `Code (HTTP 503): message`, for error messages. */
export function describeAwsError(error: unknown): string {
  const err = (error ?? {}) as AwsErrorShape;
  const code = err.name ?? err.code ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(error)}`;
}
