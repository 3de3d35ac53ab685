import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { jsonObjectInput, toStorageError } from '../base/index.js';
import { type HolderLockDeps, isLostRace, type LockHolder, readLockHolder } from './holder-lock.js';

/**
 * The queue of an origin's slots: a run with a rank that finds no slot it may take registers
 * `<prefix>_slots/<origin>/waiting/<rank, 6 digits>-<database>.json`, holder-identified like a slot, and
 * removes it when it takes a slot or ends. A run ranked later takes a free slot only when free slots
 * outnumber the live runs ranked before it that wait. A registration whose execution ended is
 * removed by the first run it would hold back.
 */

/** A registration in an origin's queue, as listed. */
export interface Waiter {
  readonly key: string;
  readonly rank: number;
  readonly database: string;
}

/** The requests one call may still make. */
interface Budget {
  reads: number;
  checks: number;
}

/**
 * How many live runs ranked before `rank` wait, counted up to `free` (enough to know the run is held
 * back). Registrations of executions that ended are removed on the way; one not checked within the
 * budget counts as live (the run tries again at its next poll).
 */
export async function waitersAhead(
  deps: HolderLockDeps,
  waiters: readonly Waiter[],
  rank: number,
  own: string | undefined,
  free: number,
  budget: Budget,
): Promise<number> {
  const earlier = waiters
    .filter((waiter) => waiter.key !== own && waiter.rank < rank)
    .sort((a, b) => a.rank - b.rank || a.key.localeCompare(b.key));
  if (earlier.length < free) return earlier.length;
  let live = 0;
  for (const waiter of earlier) {
    if (live >= free) break;
    if (budget.reads <= 0 || budget.checks <= 0) {
      live++;
      continue;
    }
    budget.reads--;
    const holder = await readLockHolder(deps, waiter.key);
    if (!holder) continue;
    budget.checks--;
    const status = holder.executionArn ? await statusOrRunning(deps, holder.executionArn) : 'GONE';
    if (status === 'RUNNING') {
      live++;
      continue;
    }
    deps.logger.info('Removing the queue registration of an execution that ended', {
      waitingKey: waiter.key,
      holder: holder.executionName,
      holderStatus: status,
    });
    try {
      await deps.s3.send(
        new DeleteObjectCommand({ Bucket: deps.bucket, Key: waiter.key, IfMatch: holder.etag }),
      );
    } catch (error) {
      if (!isLostRace(error)) throw toStorageError(error, deps.bucket, waiter.key);
    }
  }
  return live;
}

/** Writes (or writes again) the run's registration in its origin's queue. */
export async function registerWaiter(
  deps: HolderLockDeps,
  key: string,
  holder: LockHolder & Readonly<Record<string, unknown>>,
): Promise<void> {
  try {
    await deps.s3.send(
      new PutObjectCommand(
        jsonObjectInput(deps.bucket, key, holder, {
          Metadata: {
            'execution-arn': holder.executionArn,
            'execution-name': holder.executionName,
            'started-at': holder.startedAt,
          },
        }),
      ),
    );
  } catch (error) {
    throw toStorageError(error, deps.bucket, key);
  }
}

/**
 * The holder's status; `RUNNING` when it cannot be read (Step Functions unavailable, or an execution
 * of another deployment that shares the bucket and the ORDS): a slot is never taken on a guess.
 */
export async function statusOrRunning(deps: HolderLockDeps, executionArn: string): Promise<string> {
  try {
    return await deps.executionStatus(executionArn);
  } catch (error) {
    deps.logger.warn('Cannot read the status of an ORDS slot holder: counted as running', {
      holder: executionArn,
      error: (error as Error).message,
    });
    return 'RUNNING';
  }
}
