import type { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { BackupError } from '../../functions/core/base/index.js';
import type { FileRemover } from '../../functions/core/cleanup/index.js';
import { ordsOrigin } from '../../functions/core/fleet/index.js';
import { OrdsClient, parseOrdsSecret } from '../../functions/core/ords/index.js';
import {
  filePresigner,
  type RestoreLock,
  type RestoreReport,
  restoreBackup,
  restoreIdOf,
  type UploadChoice,
} from '../../functions/core/restore/index.js';
import {
  acquireRunLock,
  assertRunLock,
  readLockHolder,
  releaseRunLock,
  runLockKey,
} from '../../functions/core/run/index.js';
import { DATABASE_ID, KEY_PREFIX, type SlotHolding } from '../../functions/core/state/index.js';
import { DEFAULT_ORDS_CAP } from '../../infra/fleet-settings.js';
import { DEFAULT_SLOT_WAIT_MINUTES, releaseRestoreSlot, takeRestoreSlot } from './restore-slot.js';
import { ExitCode, type Output, type SfnSender, UsageError } from './state-machine.js';

/**
 * `npm run restore`: restores one schema of a backup from S3 into a database through ORDS alone
 * (functions/core/restore/), under the database's run lock. A run by hand has no Step Functions
 * execution, so it holds the lock and owns its import as a synthetic one,
 * `arn:aws:states:local:000000000000:execution:restore-by-hand:<restore id>`: the same for the same
 * manifest, database and target, so running the command again resumes (and takes the lock again);
 * `npm run release-lock` can release it if this process dies and the restore is abandoned.
 * Under that ARN it first takes an ORDS slot of the target's origin (restore-slot.ts), waiting up to
 * `--slot-wait-minutes` without the lock, then the lock, and releases both however the restore ends.
 */

/** How a by-hand restore appears as the lock's holder. */
export const BY_HAND_EXECUTION = ':execution:restore-by-hand:';

/** What the command needs. */
export interface RestoreCommandDeps extends Output {
  readonly s3: S3Client;
  /** Step Functions, to ask whether another holder of the lock still runs. @default - holders are taken as running */
  readonly sfn?: SfnSender;
  readonly now?: () => Date;
}

/** What the command was asked. */
export interface RestoreCommandOptions {
  readonly manifestUri: string;
  readonly database: string;
  readonly targetSchema: string;
  readonly schema?: string;
  readonly ordsUrl: string;
  /** The secret's JSON, in the deployed secret's shape. */
  readonly secretText: string;
  readonly secretSource: string;
  readonly keyPrefix: string;
  readonly directory?: string;
  readonly path: UploadChoice;
  readonly chunkBytes?: number;
  readonly pollSeconds: number;
  readonly timeoutSeconds: number;
  readonly remover: FileRemover;
  /** How long a presigned URL stays valid. */
  readonly presignSeconds: number;
  /** Slots of the target's ORDS origin, as the deployment's `ordsCaps` gives it. @default 4 */
  readonly ordsCap?: number;
  /** Slots of the whole deployment, as its `deploymentCap`. @default - no deployment cap */
  readonly deploymentCap?: number;
  /** How long to wait for an ORDS slot; 0 tries once. @default 60 */
  readonly slotWaitMinutes?: number;
}

/** Checks the flags that name things; throws UsageError naming the value. */
export function checkRestoreOptions(options: RestoreCommandOptions): void {
  if (!DATABASE_ID.test(options.database)) {
    throw new UsageError(
      `--database "${options.database}" is not a database id; allowed: 2 to 32 of a-z, 0-9 and -, starting with a letter`,
    );
  }
  if (!KEY_PREFIX.test(options.keyPrefix)) {
    throw new UsageError(
      `--key-prefix "${options.keyPrefix}" is not a key prefix; allowed: empty, or folders each ending with /`,
    );
  }
  if (!['auto', 'get-object', 'chunked'].includes(options.path)) {
    throw new UsageError(`--path "${options.path}" is not one of auto, get-object, chunked`);
  }
  if (!(options.presignSeconds >= 60 && options.presignSeconds <= 3600)) {
    throw new UsageError(`--presign-seconds ${options.presignSeconds} must be from 60 to 3600`);
  }
  const { ordsCap, deploymentCap, slotWaitMinutes } = options;
  if (ordsCap !== undefined && !(Number.isInteger(ordsCap) && ordsCap >= 1 && ordsCap <= 100)) {
    throw new UsageError(`--ords-cap ${ordsCap} must be a whole number from 1 to 100`);
  }
  if (
    deploymentCap !== undefined &&
    !(Number.isInteger(deploymentCap) && deploymentCap >= 1 && deploymentCap <= 10_000)
  ) {
    throw new UsageError(`--deployment-cap ${deploymentCap} must be a whole number from 1 to 10000`);
  }
  if (slotWaitMinutes !== undefined && !(slotWaitMinutes >= 0 && slotWaitMinutes <= 1440)) {
    throw new UsageError(`--slot-wait-minutes ${slotWaitMinutes} must be from 0 to 1440`);
  }
}

/** Runs the restore; prints progress on stderr and the report as the last stdout line. 0 restored, 1 failed. */
export async function runRestoreCommand(
  deps: RestoreCommandDeps,
  options: RestoreCommandOptions,
): Promise<ExitCode> {
  checkRestoreOptions(options);
  const now = deps.now ?? (() => new Date());
  const bucket = /^s3:\/\/([^/]+)\//.exec(options.manifestUri)?.[1];
  if (!bucket)
    throw new UsageError(
      `expected s3://<bucket>/<backup folder>/manifest.json, got "${options.manifestUri}"`,
    );
  const secret = parseOrdsSecret(options.secretSource, options.secretText);
  const logger = {
    debug() {},
    info() {},
    warn: (message: string) => deps.err(`warning: ${message}`),
    error: (message: string) => deps.err(`error: ${message}`),
  };
  const ords = new OrdsClient({ baseUrl: options.ordsUrl, secret, secretId: options.secretSource, logger });
  const restoreId = restoreIdOf(options.manifestUri, options.database, options.targetSchema.toUpperCase());
  const started = now();
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const executionName = restoreId;
  const executionArn = `arn:aws:states:local:000000000000${BY_HAND_EXECUTION}${executionName}`;
  const store = { s3: deps.s3, bucket };
  const slotDeps = {
    ...store,
    logger,
    executionStatus: (arn: string) => executionStatus(deps.sfn, arn, executionArn),
  };
  let origin: string;
  try {
    origin = ordsOrigin(options.ordsUrl);
  } catch (error) {
    throw new UsageError(`--ords-url: ${(error as Error).message}`);
  }
  const caps = {
    origin,
    originCap: options.ordsCap ?? DEFAULT_ORDS_CAP,
    ...(options.deploymentCap !== undefined ? { deploymentCap: options.deploymentCap } : {}),
  };
  let slots: SlotHolding | undefined;
  const releaseLock = async () => {
    const held = await readLockHolder(store, runLockKey(options.keyPrefix, options.database));
    if (held?.executionArn === executionArn) await releaseRunLock(store, options.keyPrefix, options.database);
  };
  const lock: RestoreLock = {
    // The slot first, as a backup takes it before its lock: a restore that waits for a slot does
    // not hold the database's lock, so that database's backups are not refused meanwhile.
    acquire: async () => {
      const holding = await takeRestoreSlot(
        { ...slotDeps, now, sleep, say: (line) => deps.err(line) },
        {
          database: options.database,
          prefix: options.keyPrefix,
          caps,
          executionArn,
          executionName,
          startedAt: started.toISOString(),
          waitSeconds: Math.round((options.slotWaitMinutes ?? DEFAULT_SLOT_WAIT_MINUTES) * 60),
          retrySeconds: options.pollSeconds,
        },
      );
      try {
        await acquireRunLock(slotDeps, {
          database: options.database,
          prefix: options.keyPrefix,
          executionArn,
          executionName,
          executionStartTime: started.toISOString(),
        });
      } catch (error) {
        await releaseRestoreSlot(slotDeps, holding, executionArn);
        throw error;
      }
      slots = holding;
    },
    check: (step) =>
      assertRunLock(store, {
        database: options.database,
        prefix: options.keyPrefix,
        executionArn,
        executionName,
        now: now(),
        step,
      }),
    release: async () => {
      try {
        await releaseRestoreSlot(slotDeps, slots, executionArn);
        slots = undefined;
      } finally {
        await releaseLock();
      }
    },
  };
  try {
    const report: RestoreReport = await restoreBackup(
      {
        s3: deps.s3,
        ords,
        sql: ords,
        logger,
        now,
        sleep,
        presign: filePresigner(deps.s3, options.presignSeconds),
        lock,
        executionArn,
        onProgress: (line) => deps.err(line),
      },
      {
        manifestUri: options.manifestUri,
        database: options.database,
        targetSchema: options.targetSchema,
        ...(options.schema ? { schema: options.schema } : {}),
        ...(options.directory ? { directory: options.directory } : {}),
        path: options.path,
        ...(options.chunkBytes ? { chunkBytes: options.chunkBytes } : {}),
        pollSeconds: options.pollSeconds,
        timeoutSeconds: options.timeoutSeconds,
        remover: options.remover,
      },
    );
    deps.err(
      `Restored ${report.schema} into ${report.targetSchema}: ${report.tables.imported} tables, ${report.rows.imported} rows ` +
        `(the backup recorded ${report.tables.exported ?? '?'} tables, ${report.rows.exported ?? '?'} rows); path ${report.path}, check ${report.digest}`,
    );
    deps.out(JSON.stringify(report));
    return ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    deps.err(`Restore failed: ${error.name}: ${error.message}`);
    deps.out(JSON.stringify({ succeeded: false, restoreId, error: error.name, message: error.message }));
    return ExitCode.RunFailed;
  } finally {
    await ords.close();
  }
}

/** How another holder stands: a by-hand restore is taken as running (release it with release-lock). */
async function executionStatus(sfn: SfnSender | undefined, arn: string, own: string): Promise<string> {
  if (arn === own || arn.includes(BY_HAND_EXECUTION) || !sfn) return 'RUNNING';
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    return status ?? 'GONE';
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return 'GONE';
    throw error;
  }
}
