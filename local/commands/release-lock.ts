import type { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { readLockHolder, releaseRunLock, runLockKey } from '../../functions/core/run/index.js';
import { DATABASE_ID, KEY_PREFIX } from '../../functions/core/state/index.js';
import { releaseDatabaseSlots } from './release-slots.js';
import { awsProblem, ExitCode, type Output, type SfnSender, UsageError } from './state-machine.js';

/** What `release-lock` needs: the bucket's S3, Step Functions (the holder's status) and where to write. */
export interface ReleaseLockDeps extends Output {
  readonly s3: Pick<S3Client, 'send'>;
  readonly sfn: SfnSender;
}

/** What `release-lock` was asked. */
export interface ReleaseLockOptions {
  readonly database: string;
  readonly bucket: string;
  /** The database's S3 key prefix (`prefix` in its configuration): empty, or ending with `/`. */
  readonly keyPrefix: string;
  /** Release the lock even while its holder's execution still runs. */
  readonly force: boolean;
}

/**
 * Releases a database's run lock by hand: reads who holds it, asks Step Functions how that
 * execution stands, and deletes the lock unless it still runs (then only with `force`). A holder
 * that goes on after a forced release stops at its next step that would change the database server
 * (RunLockLostError). Returns 0 when the lock is released or was free, 1 when it was left held.
 */
export async function releaseLock(deps: ReleaseLockDeps, options: ReleaseLockOptions): Promise<ExitCode> {
  const { database, bucket, keyPrefix } = options;
  if (!DATABASE_ID.test(database)) {
    throw new UsageError(
      `database "${database}" is not a database id; allowed: 2 to 32 of a-z, 0-9 and -, starting with a letter`,
    );
  }
  if (!KEY_PREFIX.test(keyPrefix)) {
    throw new UsageError(
      `--key-prefix "${keyPrefix}" is not a key prefix; allowed: empty, or folders each ending with /`,
    );
  }
  const store = { s3: deps.s3 as S3Client, bucket };
  const key = runLockKey(keyPrefix, database);
  const where = `s3://${bucket}/${key}`;
  const held = await readLockHolder(store, key).catch((error: unknown) => {
    throw awsProblem(error, `Reading ${where}`);
  });
  if (!held) {
    deps.out(`No run lock is held for database "${database}" (${where} does not exist): nothing to release.`);
    return freeSlots(deps, options);
  }
  const status = held.executionArn ? await statusOf(deps.sfn, held.executionArn) : 'GONE';
  const holder = `execution ${held.executionName} (started ${held.startedAt}, ${status})`;
  if (status === 'RUNNING' && !options.force) {
    deps.err(
      `The run lock of database "${database}" is held by ${holder}, which still runs: not released. ` +
        'Stop that execution in the Step Functions console (or wait for it), or pass --force to release ' +
        'it anyway: the execution then stops at its next step that would change the database server.',
    );
    return ExitCode.RunFailed;
  }
  await releaseRunLock(store, keyPrefix, database).catch((error: unknown) => {
    throw awsProblem(error, `Deleting ${where}`);
  });
  deps.out(`Released the run lock of database "${database}" (${where}), held by ${holder}.`);
  return freeSlots(deps, options);
}

/** Frees the database's ORDS slots and queue places (of ended executions; with `force`, any). */
async function freeSlots(deps: ReleaseLockDeps, options: ReleaseLockOptions): Promise<ExitCode> {
  const { database, bucket } = options;
  const freed = await releaseDatabaseSlots(
    { s3: deps.s3, bucket },
    database,
    options.keyPrefix,
    (arn) => statusOf(deps.sfn, arn),
    options.force,
  ).catch((error: unknown) => {
    throw awsProblem(
      error,
      `Freeing the ORDS slots of "${database}" under s3://${bucket}/${options.keyPrefix}_slots/`,
    );
  });
  if (freed.released.length > 0) {
    deps.out(
      `Freed ${freed.released.length} ORDS slot object(s) of database "${database}": ${freed.released.join(', ')}.`,
    );
  }
  if (freed.running.length === 0) return ExitCode.Ok;
  deps.err(
    `ORDS slots of database "${database}" are held by ${freed.running.join(', ')}, which still runs: not freed. ` +
      'Pass --force to free them anyway.',
  );
  return ExitCode.RunFailed;
}

/** The execution's status, `GONE` when Step Functions no longer knows it. */
async function statusOf(sfn: SfnSender, executionArn: string): Promise<string> {
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return status ?? 'GONE';
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return 'GONE';
    throw awsProblem(error, `Describing ${executionArn}`);
  }
}
