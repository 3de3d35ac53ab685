import { setTimeout as sleep } from 'node:timers/promises';
import { cleanUpSuperseded } from '../core/cleanup/index.js';
import {
  assertRunLock,
  type DatabaseBinding,
  recordUnfinishedRun,
  settleEarlierRuns,
} from '../core/run/index.js';
import type { JobRef, StartExportPayload, SupersededCleanup } from '../core/state/index.js';
import { s3Client } from './clients.js';
import { requiredEnv } from './env.js';
import { executionStatus } from './executions.js';
import { logger } from './logger.js';
import { ordsFor } from './ords.js';

/**
 * "Start export"'s wiring of the unfinished-runs record: the earlier runs' leftovers removed through
 * the database's ORDS (check-before-act on the run lock right before), and this run recorded.
 */

type Invocation = Parameters<typeof ordsFor>[1];

/**
 * What "Start export" (5 minutes) spends at most on earlier runs' leftovers: its own export start
 * may need about two minutes (a lost POST answer, then a minute of job lists).
 */
const EARLIER_RUNS_BUDGET_MS = 90_000;

/** Removes what the database's earlier runs left on the server (`settleEarlierRuns`). */
export async function settleEarlierRunsFor(
  binding: DatabaseBinding,
  payload: StartExportPayload,
  invocation: Invocation,
): Promise<readonly SupersededCleanup[]> {
  const store = { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME') };
  const deadline = Date.now() + EARLIER_RUNS_BUDGET_MS;
  const timeLeftMs = () =>
    Math.min(deadline - Date.now(), invocation?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY);
  let budgeted = false;
  try {
    return await settleEarlierRuns(
      {
        ...store,
        logger,
        executionStatus,
        timeLeftMs,
        cleanUp: async (run) => {
          // Each ORDS request ends by the budget's end (the client is shared: given back below).
          budgeted = true;
          const ords = await ordsFor(binding, { getRemainingTimeInMillis: timeLeftMs });
          const fence = () =>
            assertRunLock(store, {
              database: binding.database,
              prefix: binding.prefix,
              executionArn: payload.executionArn,
              executionName: payload.executionName,
              now: new Date(),
              step: 'Start export',
            });
          return cleanUpSuperseded(
            { ...store, sql: ords, ords, logger, now: () => new Date(), sleep, fence },
            {
              database: binding.database,
              serverCleanup: binding.serverCleanup,
              autonomousDatabase: binding.autonomousDatabase,
              directory: binding.export.datapumpDir,
            },
            run,
          );
        },
      },
      { prefix: binding.prefix, database: binding.database, executionArn: payload.executionArn },
    );
  } finally {
    // The export's requests get the invocation's whole remaining time again.
    if (budgeted) {
      await ordsFor(binding, {
        getRemainingTimeInMillis: () => invocation?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY,
      });
    }
  }
}

/** Records this run's job once its export started (`recordUnfinishedRun`). */
export function recordRunFor(
  binding: DatabaseBinding,
  payload: StartExportPayload,
  job: JobRef,
): Promise<void> {
  return recordUnfinishedRun(
    { s3: s3Client(), bucket: requiredEnv('BUCKET_NAME') },
    {
      prefix: binding.prefix,
      database: binding.database,
      executionArn: payload.executionArn,
      executionName: payload.executionName,
      job,
      now: new Date(),
    },
  );
}
