import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { jsonObjectInput, toStorageError } from '../base/index.js';
import type { Logger } from '../ords/index.js';

/**
 * A lock held by a Step Functions execution: one small S3 object whose metadata names the holder.
 * Taken with `If-None-Match: *` (S3 grants it to exactly one of two simultaneous writers), taken over
 * with `If-Match: <ETag>` from a holder whose execution has ended (any final status, and
 * `PENDING_REDRIVE`: a redriven execution checks again before it acts), released by deleting it.
 * Oracle cannot check a fencing token, so fencing is check-before-act: a step that is about to change
 * a server reads the lock again and goes on only while its own execution (ARN, which a redrive keeps)
 * holds it. The run lock of a database uses it; other holder-counted resources (ORDS slots) can too.
 */

/** How Step Functions sees a holder: `RUNNING`, a final status, or `GONE` (no such execution). */
export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE'
  | 'GONE';

/** Who holds a lock. */
export interface LockHolder {
  readonly executionArn: string;
  readonly executionName: string;
  /** ISO time the holder's execution started. */
  readonly startedAt: string;
}

/** A holder as read back, with the object's ETag: the token a takeover must match. */
export interface HeldLock extends LockHolder {
  readonly etag: string;
}

/** Where locks live. */
export interface LockStore {
  readonly s3: S3Client;
  readonly bucket: string;
}

/** What taking a lock needs. */
export interface HolderLockDeps extends LockStore {
  readonly logger: Logger;
  /** DescribeExecution's status of an execution. */
  readonly executionStatus: (executionArn: string) => Promise<ExecutionStatus | string>;
}

/** Attempts before giving up when other executions keep winning the lock between two reads. */
const MAX_ATTEMPTS = 3;

/**
 * Takes the lock at `key` for `holder`, taking it over from a holder whose execution has ended.
 * Safe to call again from a retry of the same execution. Throws `busy(held)` while a running
 * execution holds it, and `busy(null)` when others keep winning it.
 */
export async function acquireHolderLock(
  deps: HolderLockDeps,
  key: string,
  holder: LockHolder & Readonly<Record<string, unknown>>,
  busy: (held: HeldLock | null) => Error,
): Promise<void> {
  let replace: string | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (await tryWrite(deps, key, holder, replace)) {
      deps.logger.info('Lock taken', { lockKey: key, replaced: replace !== undefined });
      return;
    }
    const held = await readLockHolder(deps, key);
    if (!held) {
      replace = undefined; // Gone between the two requests: create it again.
      continue;
    }
    if (held.executionArn === holder.executionArn) return;
    // A lock object that names no execution was not written by a run: nobody holds it.
    const status = held.executionArn ? await deps.executionStatus(held.executionArn) : 'GONE';
    if (status === 'RUNNING') throw busy(held);
    deps.logger.info('Taking over the lock of an execution that ended', {
      lockKey: key,
      holder: held.executionName,
      holderStatus: status,
    });
    replace = held.etag;
  }
  throw busy(null);
}

/**
 * Check-before-act: reads the lock again and returns its holder when it is `holder`. A lock nobody
 * holds (its run released it when it ended, or an operator did) is taken again for `holder` with
 * `If-None-Match`, so a redrive of an ended run can finish its cleanup; whoever wins that create holds
 * it. Throws `lost(held)` when another execution holds it.
 */
export async function assertLockHolder(
  store: LockStore,
  key: string,
  holder: LockHolder & Readonly<Record<string, unknown>>,
  lost: (held: HeldLock | null) => Error,
): Promise<HeldLock> {
  let held = await readLockHolder(store, key);
  if (!held) {
    await tryWrite(store, key, holder); // false: another execution's create won; read who.
    held = await readLockHolder(store, key);
  }
  if (!held || held.executionArn !== holder.executionArn) throw lost(held);
  return held;
}

/** Deletes the lock; returns who held it, or null when nobody did. */
export async function releaseLock(store: LockStore, key: string): Promise<HeldLock | null> {
  const held = await readLockHolder(store, key);
  if (!held) return null;
  try {
    await store.s3.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key }));
  } catch (error) {
    throw toStorageError(error, store.bucket, key);
  }
  return held;
}

/** The holder of the lock at `key`, or null when there is no lock object. */
export async function readLockHolder(store: LockStore, key: string): Promise<HeldLock | null> {
  try {
    const head = await store.s3.send(new HeadObjectCommand({ Bucket: store.bucket, Key: key }));
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
    throw toStorageError(error, store.bucket, key);
  }
}

/** Writes the lock (new, or replacing the version `replace`); false when another write won. */
export async function tryWrite(
  deps: LockStore,
  key: string,
  holder: LockHolder & Readonly<Record<string, unknown>>,
  replace?: string,
): Promise<boolean> {
  try {
    await deps.s3.send(
      new PutObjectCommand(
        jsonObjectInput(deps.bucket, key, holder, {
          // The holder is read with HeadObject, which works whatever storage class the object has.
          Metadata: {
            'execution-arn': holder.executionArn,
            'execution-name': holder.executionName,
            'started-at': holder.startedAt,
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

/**
 * 412: the object exists (or changed); 409: a concurrent conditional write to the same key; 404 on
 * `If-Match`: the object was deleted since it was read.
 */
export function isLostRace(error: unknown): boolean {
  const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  return (
    status === 412 ||
    (status === 404 && err.name !== 'NoSuchBucket') ||
    err.name === 'NoSuchKey' ||
    status === 409 ||
    err.name === 'PreconditionFailed' ||
    err.name === 'ConditionalRequestConflict'
  );
}
