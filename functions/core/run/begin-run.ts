import { InvalidInputError } from '../base/index.js';
import { isDrillDue, type LastRestoreDrill } from '../drill/index.js';
import { startExport } from '../export/index.js';
import type { Logger, OrdsApi, RestSqlApi, SqlRequestApi } from '../ords/index.js';
import {
  BOUND_FIELDS,
  type ExecutionInput,
  ExecutionInputSchema,
  type JobRef,
  parsePayload,
  type StartExportPayload,
  type StartedRun,
  type SupersededCleanup,
} from '../state/index.js';
import type { DatabaseBinding } from './binding.js';
import type { LastDumpBytes } from './run-filesize.js';
import { runTiming } from './run-input.js';
import type { LockRequest } from './run-lock.js';
import { type ProbeRecordAccess, startWithConsistency } from './start-with-consistency.js';

/** What `beginRun` needs: the binding, the run lock and ORDS, each resolved for the database. */
export interface BeginRunDeps {
  readonly binding: (database: string) => Promise<DatabaseBinding>;
  readonly lock: (request: LockRequest) => Promise<void>;
  readonly ords: (binding: DatabaseBinding) => Promise<OrdsApi>;
  /**
   * REST-enabled SQL (with binds) for the database: needed by a `point-in-time` or `auto` database only.
   * @default - none: such a database fails the run naming it
   */
  readonly sql?: (binding: DatabaseBinding) => Promise<SqlRequestApi & RestSqlApi>;
  /** The databases' recorded probe results (`consistency-probe.json`). @default - none: every run probes */
  readonly probeRecord?: ProbeRecordAccess;
  /**
   * The bytes the database's last backup stored (`last-backup.json`), read by a point-in-time run to
   * size its dump files. @default - none: 8 GiB files (unless configured)
   */
  readonly lastDumpBytes?: LastDumpBytes;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Waits between job list reads while looking for a job a lost POST may have created. */
  readonly sleep: (milliseconds: number) => Promise<void>;
  /**
   * The database's last restore drill record (`last-restore-drill.json`), read only for a database
   * with a drill. @default - none is read: a drill is due
   */
  readonly lastRestoreDrill?: (binding: DatabaseBinding) => Promise<LastRestoreDrill | null>;
  /**
   * Removes the leftovers of the database's earlier runs that ended without their own cleanup, once
   * the lock is held and before the export (`settleEarlierRuns`). @default - none are looked for
   */
  readonly settleEarlierRuns?: (binding: DatabaseBinding) => Promise<readonly SupersededCleanup[]>;
  /** Records this run's job once its export started (`recordUnfinishedRun`). @default - not recorded */
  readonly recordRun?: (binding: DatabaseBinding, job: JobRef) => Promise<void>;
}

/**
 * The first step of every run: checks the execution input, resolves the database's deploy-time
 * binding, takes the database's run lock, removes what earlier runs that ended without their cleanup
 * left on the server, then starts (or adopts) the export with the binding's ORDS URL, secret and
 * export spec, and records it. Nothing reaches ORDS before the input and the lock are settled.
 */
export async function beginRun(deps: BeginRunDeps, payload: StartExportPayload): Promise<StartedRun> {
  const input = parseExecutionInput(payload.input);
  const binding = await deps.binding(input.database);
  if (input.restoreDrill && !binding.restoreDrill) {
    throw new InvalidInputError(
      `The execution input asks for a restore drill, but database "${binding.database}" has none: ` +
        'configure restoreDrill for it (its target schema is fixed at deploy time), or start the run ' +
        `with {"database":"${binding.database}"}`,
    );
  }
  const timing = runTiming(input, payload, binding);
  const { scheduledTime } = timing;
  const restoreDrill = binding.restoreDrill
    ? isDrillDue(
        binding.restoreDrill,
        (await deps.lastRestoreDrill?.(binding)) ?? null,
        new Date(scheduledTime),
        input.restoreDrill === true,
      )
    : false;
  await deps.lock({
    database: binding.database,
    prefix: binding.prefix,
    executionArn: payload.executionArn,
    executionName: payload.executionName,
    executionStartTime: payload.executionStartTime,
  });
  const superseded = (await deps.settleEarlierRuns?.(binding)) ?? [];
  const job =
    binding.consistency !== 'per-table'
      ? await startPointInTime(deps, binding, payload)
      : await startExport(
          { ords: await deps.ords(binding), logger: deps.logger, now: deps.now, sleep: deps.sleep },
          {
            executionName: payload.executionName,
            executionStartTime: payload.executionStartTime,
            database: binding.database,
            export: binding.export,
            onRunningExport: binding.onRunningExport,
          },
        );
  await recordRun(deps, binding, job);
  return {
    job,
    pollSeconds: timing.pollSeconds,
    acceptCompletedWithErrors: binding.acceptCompletedWithErrors,
    scheduledTime,
    startedBy: timing.startedBy,
    restoreDrill,
    ...(restoreDrill && binding.restoreDrill?.source === 's3' ? { restoreDrillFromS3: true as const } : {}),
    ...(superseded.length > 0 ? { superseded } : {}),
  };
}

/** Starts (or adopts) the export of a `point-in-time` or `auto` database (probe, fallback). */
async function startPointInTime(deps: BeginRunDeps, binding: DatabaseBinding, payload: StartExportPayload) {
  if (!deps.sql) {
    throw new InvalidInputError(
      `Database "${binding.database}" asks for "${binding.consistency}" consistency, which needs REST-enabled ` +
        'SQL, and this step has no client for it',
    );
  }
  return startWithConsistency(
    {
      sql: await deps.sql(binding),
      ords: await deps.ords(binding),
      ...(deps.probeRecord ? { probeRecord: deps.probeRecord } : {}),
      ...(deps.lastDumpBytes ? { lastDumpBytes: deps.lastDumpBytes } : {}),
      logger: deps.logger,
      now: deps.now,
      sleep: deps.sleep,
    },
    binding,
    payload,
  );
}

/**
 * Parses the execution input. Fields the deployment binds to the database are refused by name, with
 * the input a run needs, so an old runbook or a tampered schedule fails with a sentence that says why.
 */
export function parseExecutionInput(raw: unknown): ExecutionInput {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const bound = BOUND_FIELDS.filter((field) => Object.hasOwn(raw, field));
    if (bound.length > 0) {
      const database = (raw as { database?: unknown }).database;
      const name = typeof database === 'string' ? database : '<id>';
      throw new InvalidInputError(
        `The execution input may not set ${bound.join(', ')}: a database's ORDS URL, secret, S3 prefix ` +
          `and settings are fixed at deploy time. Start a run with {"database":"${name}"}`,
      );
    }
  }
  return parsePayload(ExecutionInputSchema, raw, 'The execution input');
}

/**
 * Records the run's job for a later run's cleanup (`recordUnfinishedRun`). The export has started:
 * a failure here (S3 unavailable, a race on the record) must not fail tonight's backup, whose own
 * steps clean up after it; only a later cleanup of this run, should it fail, goes without it. Logged.
 */
async function recordRun(deps: BeginRunDeps, binding: DatabaseBinding, job: JobRef): Promise<void> {
  try {
    await deps.recordRun?.(binding, job);
  } catch (error) {
    deps.logger.warn(
      'This run is not recorded among the unfinished runs: should it fail, the next run cannot remove its files',
      {
        database: binding.database,
        jobName: job.jobName,
        recordError: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      },
    );
  }
}
