import { z } from 'zod';
import { DatabaseBusyError, RunLockLostError } from '../base/index.js';
import type { Logger } from '../ords/index.js';
import { DATABASE_ID, SlotHoldingSchema } from '../state/index.js';
import {
  acquireHolderLock,
  assertLockHolder,
  type ExecutionStatus,
  type HeldLock,
  type HolderLockDeps,
  type LockStore,
  readLockHolder,
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
  readonly executionName: string;
  /** When the step runs: the time recorded if it takes a free lock again. */
  readonly now: Date;
  /** The step, as the console names it: "Clean up server", "Drop drill schema", … */
  readonly step: string;
}

/**
 * Check-before-act: fails with `RunLockLostError`, naming the holder, when another execution holds
 * the database's run lock. A free lock is taken again (a redrive after its run released it at the
 * end). Called right before each step that changes the server.
 */
export async function assertRunLock(store: LockStore, request: FenceRequest): Promise<void> {
  const key = runLockKey(request.prefix, request.database);
  const holder = {
    executionArn: request.executionArn,
    executionName: request.executionName,
    startedAt: request.now.toISOString(),
  };
  await assertLockHolder(store, key, holder, (held) => {
    const who = held
      ? `it is held by execution ${held.executionName} (started ${held.startedAt}), a newer run`
      : 'nobody holds it, and taking it again failed';
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

/**
 * The payload of "Release run lock", the last task of every run, before its end state. The database
 * is read from the execution's input, which a failed "Start export" may not have accepted: any value
 * is taken, and one that names no database releases nothing.
 */
export const ReleaseRunLockPayloadSchema = z.object({
  phase: z.literal('release-lock'),
  executionName: z.string().min(1),
  executionArn: z.string().min(1),
  input: z.unknown(),
  /** The ORDS slots the run holds (`$.slots`), released too; absent in executions of earlier versions. */
  slots: SlotHoldingSchema.optional(),
});
export type ReleaseRunLockPayload = z.output<typeof ReleaseRunLockPayloadSchema>;

/** What "Release run lock" did: `released`, or why it left the lock as it was. */
export interface RunLockRelease {
  readonly released: boolean;
  readonly reason?: string;
}

/** The database an execution's input names, or null when it names none that can hold a lock. */
export function databaseOfInput(input: unknown): string | null {
  const database = (input as { database?: unknown } | null)?.database;
  return typeof database === 'string' && DATABASE_ID.test(database) ? database : null;
}

/**
 * Releases the database's run lock when the run ends, however it ends (success, a failed export, a
 * failed step), but only when this execution holds it: the lock of a newer run (this one lost it, or
 * never took it because the database was busy) is never touched. No other execution can take the
 * lock between the read and the delete: a takeover needs a holder that has ended, and this one still
 * runs. An execution that ends without this step (timed out, aborted) leaves its lock for the next
 * run to take over.
 */
export async function releaseOwnRunLock(
  deps: LockStore & { readonly logger: Logger },
  request: { readonly database: string; readonly prefix: string; readonly executionArn: string },
): Promise<RunLockRelease> {
  const key = runLockKey(request.prefix, request.database);
  const held = await readLockHolder(deps, key);
  if (!held) return { released: false, reason: `no run lock at ${key}` };
  if (held.executionArn !== request.executionArn) {
    deps.logger.info('The run lock is held by another execution: left as it is', {
      lockKey: key,
      holder: held.executionName,
    });
    return { released: false, reason: `${key} is held by execution ${held.executionName}` };
  }
  await releaseLock(deps, key);
  deps.logger.info('Run lock released', { lockKey: key });
  return { released: true };
}
