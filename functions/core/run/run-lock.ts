import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DatabaseBusyError, jsonObjectInput, toStorageError } from '../base/index.js';
import type { Logger } from '../ords/index.js';

/**
 * One run per database at a time. The lock is one small S3 object per database, `_locks/<id>.json`
 * (a database id never starts with `_`, so no backup shares its keys), created with
 * `If-None-Match: *`, which S3 grants to exactly one of two simultaneous writers. It is never
 * released: the next run reads who holds it, asks Step Functions whether that execution still runs,
 * and takes it over with `If-Match` when it does not. So an aborted or timed-out execution cannot
 * leave a database locked, and no release step can be skipped.
 */

/** How Step Functions sees the holder: `RUNNING`, a final status, or `GONE` (no such execution). */
export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE'
  | 'GONE';

/** What acquiring a lock needs. */
export interface RunLockDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  /** DescribeExecution's status of an execution. */
  readonly executionStatus: (executionArn: string) => Promise<ExecutionStatus | string>;
}

/** The execution asking for the lock. */
export interface LockRequest {
  readonly database: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly executionStartTime: string;
}

/** Attempts before giving up when other executions keep winning the lock between two reads. */
const MAX_ATTEMPTS = 3;

/** The lock object's key. */
export function runLockKey(database: string): string {
  return `_locks/${database}.json`;
}

/**
 * Takes the database's run lock for this execution, or fails with `DatabaseBusyError` naming the
 * execution that holds it. Safe to call again from a retry of the same execution.
 */
export async function acquireRunLock(deps: RunLockDeps, request: LockRequest): Promise<void> {
  const key = runLockKey(request.database);
  let replace: string | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (await tryWrite(deps, key, request, replace)) {
      deps.logger.info('Run lock taken', { lockKey: key, replaced: replace !== undefined });
      return;
    }
    const holder = await readHolder(deps, key);
    if (!holder) {
      replace = undefined; // Gone between the two requests: create it again.
      continue;
    }
    if (holder.executionArn === request.executionArn) return;
    // A lock object that names no execution was not written by a run: nobody holds it.
    const status = holder.executionArn ? await deps.executionStatus(holder.executionArn) : 'GONE';
    if (status === 'RUNNING') {
      throw new DatabaseBusyError(
        `Database "${request.database}" is being backed up by execution ${holder.executionName} ` +
          `(started ${holder.startedAt}): this run starts no export. Wait for that execution to end, ` +
          'or stop it in the Step Functions console, then start this run again.',
      );
    }
    deps.logger.info('Taking over the run lock of an execution that ended', {
      lockKey: key,
      holder: holder.executionName,
      holderStatus: status,
    });
    replace = holder.etag;
  }
  throw new DatabaseBusyError(
    `Database "${request.database}": other executions took its run lock ${MAX_ATTEMPTS} times in a row ` +
      'while this one tried: this run starts no export.',
  );
}

interface Holder {
  readonly executionArn: string;
  readonly executionName: string;
  readonly startedAt: string;
  readonly etag: string;
}

/** Writes the lock (new, or replacing the version `replace`); false when another write won. */
async function tryWrite(
  deps: RunLockDeps,
  key: string,
  request: LockRequest,
  replace?: string,
): Promise<boolean> {
  const holder = {
    database: request.database,
    executionArn: request.executionArn,
    executionName: request.executionName,
    startedAt: request.executionStartTime,
  };
  try {
    await deps.s3.send(
      new PutObjectCommand(
        jsonObjectInput(deps.bucket, key, holder, {
          // The holder is read with HeadObject, which works whatever storage class the object has.
          Metadata: {
            'execution-arn': request.executionArn,
            'execution-name': request.executionName,
            'started-at': request.executionStartTime,
          },
          ...(replace === undefined ? { IfNoneMatch: '*' } : { IfMatch: replace }),
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isLostRace(error)) return false;
    throw toStorageError(error, deps.bucket, key);
  }
}

async function readHolder(deps: RunLockDeps, key: string): Promise<Holder | null> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
    const meta = head.Metadata ?? {};
    return {
      executionArn: meta['execution-arn'] ?? '',
      executionName: meta['execution-name'] ?? '(unknown execution)',
      startedAt: meta['started-at'] ?? '(unknown time)',
      etag: head.ETag ?? '',
    };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return null;
    throw toStorageError(error, deps.bucket, key);
  }
}

/** 412: the object exists (or changed); 409: a concurrent conditional write to the same key. */
function isLostRace(error: unknown): boolean {
  const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  return (
    status === 412 ||
    status === 409 ||
    err.name === 'PreconditionFailed' ||
    err.name === 'ConditionalRequestConflict'
  );
}
