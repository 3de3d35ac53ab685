/**
 * Error names the state machine matches in Retry and Catch. Literal strings survive minification,
 * so every error class sets `name` from here and the infra imports the same constants.
 */
export const ErrorName = {
  /** ORDS answered 5xx or 429, refused the connection, reset it or timed out: retried with back-off. */
  OrdsUnavailable: 'OrdsUnavailableError',
  /** ORDS answered 401 or 403: never retried, the database account locks after repeated failures. */
  OrdsAuth: 'OrdsAuthError',
  /** ORDS rejected the request (400, 404 on a route, 405, …): retrying the same request cannot help. */
  OrdsRequest: 'OrdsRequestError',
  /** ORDS answered something this project cannot read: invalid JSON, an unknown state, missing links. */
  OrdsResponse: 'OrdsResponseError',
  /** A link in an ORDS response points outside the configured ORDS URL: refused, no credentials sent. */
  UnsafeLink: 'UnsafeLinkError',
  /** The secret is missing, unreadable or not in one of the documented shapes. */
  Secret: 'SecretError',
  /** The execution input (or a task payload) does not match the documented shape. */
  InvalidInput: 'InvalidInputError',
  /** An export of this database started by an earlier run is still running (overlap guard). */
  ExportAlreadyRunning: 'ExportAlreadyRunningError',
  /** The Data Pump job disappeared (404) before its log could be read. */
  JobNotFound: 'JobNotFoundError',
  /** The export ran longer than the database's timeout. */
  ExportTimedOut: 'ExportTimedOutError',
  /** The Data Pump log says the job stopped (fatal error or user request), or there is no log. */
  ExportFailed: 'ExportFailedError',
  /** The log's final line is in a language this project cannot read: no verdict, never retried. */
  LogLanguageUnknown: 'LogLanguageUnknownError',
  /** The Data Pump log says "completed with N error(s)" and the configuration does not accept it. */
  ExportCompletedWithErrors: 'ExportCompletedWithErrorsError',
  /** A download ended early or delivered other bytes than announced: retried, the copy resumes. */
  TransferIncomplete: 'TransferIncompleteError',
  /**
   * ORDS ignores Range, so every resume re-reads the file from byte 0, and the file cannot be read
   * within one invocation: not retried, no retry can finish it.
   */
  RangeNotSupported: 'RangeNotSupportedError',
  /** S3 answered 5xx / SlowDown or could not be reached: retried with back-off. */
  StorageUnavailable: 'StorageUnavailableError',
  /** S3 refused the request (access denied, no such bucket, …): not retried. */
  StorageRejected: 'StorageRejectedError',
  /** SSM, Secrets Manager or Step Functions answered 5xx, throttled or could not be reached: retried. */
  AwsUnavailable: 'AwsUnavailableError',
  /** The database has no binding in this deployment (or an unusable one): not retried. */
  UnknownDatabase: 'UnknownDatabaseError',
  /**
   * The database's binding parameter names another ORDS URL, secret or prefix than the deployment
   * pinned: edited out of band. Not retried, no request sent.
   */
  BindingMismatch: 'BindingMismatchError',
  /** Another execution holds this database's run lock: not retried, no export is started. */
  DatabaseBusy: 'DatabaseBusyError',
  /**
   * This execution no longer holds the database's run lock (a newer run took it from this ended or
   * redriven execution, or an operator released it): the step changes nothing. Not retried.
   */
  RunLockLost: 'RunLockLostError',
  /**
   * A redriven execution's step found an ORDS slot of its run held by another running execution, and
   * no free slot to take instead: the step sends ORDS nothing. Not retried.
   */
  OrdsSlotLost: 'OrdsSlotLostError',
  /** A different manifest already exists where this run's would go: never overwritten. */
  ManifestExists: 'ManifestExistsError',
  /** A restore drill could not import the dump, or could not drop its schema: the backup stays stored. */
  RestoreDrillFailed: 'RestoreDrillFailedError',
  /** The run got no ORDS slot before its window closed (or its tries ran out): it started no export. */
  MissedBackupWindow: 'MissedBackupWindowError',
  /**
   * An import (or the schema it would drop) is not provably this execution's by its intent record:
   * refused, nothing imported, adopted or dropped. Not retried.
   */
  ImportNotOwned: 'ImportNotOwnedError',
  /**
   * A restore from S3 stopped: a file failed its check, the target schema exists, the database refused
   * a chunk, or the import failed. The message names what it left on the server. Not retried.
   */
  RestoreFailed: 'RestoreFailedError',
} as const;

export type ErrorNameValue = (typeof ErrorName)[keyof typeof ErrorName];

/** Errors the state machine retries with back-off: transient by nature. */
export const RETRYABLE_ERRORS: readonly ErrorNameValue[] = [
  ErrorName.OrdsUnavailable,
  ErrorName.TransferIncomplete,
  ErrorName.StorageUnavailable,
  ErrorName.AwsUnavailable,
];

/** Base class: every error this project throws carries one of the names above. */
export class BackupError extends Error {
  constructor(name: ErrorNameValue, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

/** 5xx, 429, network failures and timeouts talking to ORDS. */
export class OrdsUnavailableError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.OrdsUnavailable, message, options);
  }
}

/** 401 and 403 from ORDS. */
export class OrdsAuthError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.OrdsAuth, message, options);
  }
}

/** Other 4xx answers from ORDS. */
export class OrdsRequestError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.OrdsRequest, message, options);
  }
}

/** An ORDS answer this project cannot interpret. */
export class OrdsResponseError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.OrdsResponse, message, options);
  }
}

/** A link that leaves the configured ORDS URL. */
export class UnsafeLinkError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.UnsafeLink, message, options);
  }
}

/** The ORDS secret cannot be used. The message names the secret, never its value. */
export class SecretError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.Secret, message, options);
  }
}

/** A payload that does not match its schema. */
export class InvalidInputError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.InvalidInput, message, options);
  }
}

/** Overlap guard: an earlier run's export is still running. */
export class ExportAlreadyRunningError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.ExportAlreadyRunning, message, options);
  }
}

/** The job vanished before a verdict was read. */
export class JobNotFoundError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.JobNotFound, message, options);
  }
}

/** The export exceeded the configured timeout. */
export class ExportTimedOutError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.ExportTimedOut, message, options);
  }
}

/** The final line of a Data Pump log is in a language without wording here. */
export class LogLanguageUnknownError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.LogLanguageUnknown, message, options);
  }
}

/** Bytes missing or different from what the server announced. */
export class TransferIncompleteError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.TransferIncomplete, message, options);
  }
}

/** A server that ignores Range serves a file too large to re-read within one invocation. */
export class RangeNotSupportedError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.RangeNotSupported, message, options);
  }
}

/** Transient S3 failure. */
export class StorageUnavailableError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.StorageUnavailable, message, options);
  }
}

/** S3 refused the request for good. */
export class StorageRejectedError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.StorageRejected, message, options);
  }
}

/** Transient failure of an AWS service other than S3 (SSM, Secrets Manager, Step Functions). */
export class AwsUnavailableError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.AwsUnavailable, message, options);
  }
}

/** The database is not bound in this deployment. */
export class UnknownDatabaseError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.UnknownDatabase, message, options);
  }
}

/** A binding that differs from what the deployment pinned (ORDS URL, secret, prefix). */
export class BindingMismatchError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.BindingMismatch, message, options);
  }
}

/** Another execution is backing up this database. */
export class DatabaseBusyError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.DatabaseBusy, message, options);
  }
}

/** This execution lost its run lock: a step that would change the database server stops first. */
export class RunLockLostError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.RunLockLost, message, options);
  }
}

/** This redriven execution holds no ORDS slot and can take none: a step that would call ORDS stops first. */
export class OrdsSlotLostError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.OrdsSlotLost, message, options);
  }
}

/** A manifest with other content exists at this run's manifest key. */
export class ManifestExistsError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.ManifestExists, message, options);
  }
}

/** A restore drill failed (refused to start, import failed, schema not dropped); the backup is kept. */
export class RestoreDrillFailedError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.RestoreDrillFailed, message, options);
  }
}

/** An import or a schema is not provably this execution's (see `ErrorName.ImportNotOwned`). */
export class ImportNotOwnedError extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorName.ImportNotOwned, message, options);
  }
}

/**
 * Whether a failed execution's error means its backup failed. A failed restore drill does not: the
 * backup is stored and counted (BackupSucceeded 1) before the drill runs.
 */
export function isBackupFailure(error: string | null | undefined): boolean {
  return error?.trim() !== ErrorName.RestoreDrillFailed;
}
