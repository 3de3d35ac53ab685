import { DatabaseBusyError, RunLockLostError } from '../base/index.js';
import {
  acquireHolderLock,
  assertLockHolder,
  type ExecutionStatus,
  type HeldLock,
  type HolderLockDeps,
  type LockStore,
  releaseLock,
} from './holder-lock.js';

export type { ExecutionStatus, HeldLock };

/**
 * One run per database at a time, redrives included. The run lock is one small S3 object per
 * database under its key prefix, `<prefix>_locks/<id>.json` (a database id never starts with `_`,
 * so no backup shares its keys, and two deployments with their own prefixes in one bucket never
 * block each other). "Start export" takes it (from an execution that ended, however it ended, also
 * one that could still be redriven); every step that changes the database server checks right
 * before it acts that its execution still holds it (`assertRunLock`), so a redriven execution that
 * lost the lock to a newer run stops, naming the holder, before any change. Holders that end are
 * taken over by the next run; an operator can release a lock by hand (`npm run release-lock`).
 */

/** What acquiring a lock needs. */
export type RunLockDeps = HolderLockDeps;

/** The execution asking for the lock. */
export interface LockRequest {
  readonly database: string;
  /** The database's S3 key prefix (empty, or ending with `/`). */
  readonly prefix: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly executionStartTime: string;
}

/** The lock object's key: `<prefix>_locks/<database>.json`. */
export function runLockKey(prefix: string, database: string): string {
  return `${prefix}_locks/${database}.json`;
}

/** The IAM resource pattern of every run lock, whatever the prefix. */
export const RUN_LOCK_KEY_PATTERN = '*_locks/*.json';

/**
 * Takes the database's run lock for this execution, or fails with `DatabaseBusyError` naming the
 * execution that holds it. Safe to call again from a retry of the same execution.
 */
export async function acquireRunLock(deps: RunLockDeps, request: LockRequest): Promise<void> {
  const holder = {
    database: request.database,
    executionArn: request.executionArn,
    executionName: request.executionName,
    startedAt: request.executionStartTime,
  };
  await acquireHolderLock(deps, runLockKey(request.prefix, request.database), holder, (held) =>
    held
      ? new DatabaseBusyError(
          `Database "${request.database}" is being backed up by execution ${held.executionName} ` +
            `(started ${held.startedAt}): this run starts no export. Wait for that execution to end, ` +
            'or stop it in the Step Functions console, then start this run again.',
        )
      : new DatabaseBusyError(
          `Database "${request.database}": other executions took its run lock 3 times in a row ` +
            'while this one tried: this run starts no export.',
        ),
  );
}

/** A step about to change the database server, and the execution it runs for. */
export interface FenceRequest {
  readonly database: string;
  readonly prefix: string;
  readonly executionArn: string;
  /** The step, as the console names it: "Clean up server", "Drop drill schema", … */
  readonly step: string;
}

/**
 * Check-before-act: fails with `RunLockLostError`, naming the holder, unless this execution still
 * holds the database's run lock. Called right before each request that changes the server.
 */
export async function assertRunLock(store: LockStore, request: FenceRequest): Promise<void> {
  const key = runLockKey(request.prefix, request.database);
  await assertLockHolder(store, key, request.executionArn, (held) => {
    const who = held
      ? `it is held by execution ${held.executionName} (started ${held.startedAt}), a newer run`
      : 'nobody holds it (it was released by hand)';
    return new RunLockLostError(
      `"${request.step}" changes nothing on the database server of "${request.database}": this execution ` +
        `no longer holds its run lock s3://${store.bucket}/${key}; ${who}. The database belongs to the ` +
        'holder now; start a new run once it has ended if this one is still needed.',
    );
  });
}

/** Releases the database's run lock by hand; returns who held it, or null when nobody did. */
export async function releaseRunLock(
  store: LockStore,
  prefix: string,
  database: string,
): Promise<HeldLock | null> {
  return releaseLock(store, runLockKey(prefix, database));
}
