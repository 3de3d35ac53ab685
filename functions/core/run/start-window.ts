import type { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { InvalidInputError } from '../base/index.js';
import {
  nightWindowProblems,
  type RunHistory,
  startOrder,
  type WindowOccurrence,
  windowOpenedAt,
} from '../fleet/index.js';
import { readLastBackup } from '../manifest/index.js';
import { DATABASE_ID, executionName } from '../state/index.js';
import type { BindingPins } from './binding-pin.js';
import { executionArnOf, type RunWindow, type StartRunDeps, startRun } from './start-run.js';

/**
 * "Start window": what the schedule of a night window invokes at the window's start. It orders the
 * window's databases by their last runs (slowest first, see `startOrder`) and starts one backup
 * execution per database in that order, each named like a scheduled run (`<database>_<scheduled
 * time>`), so a delivery or invocation that comes twice starts nothing twice: Step Functions refuses
 * the second name. A database whose execution could not be started, or that would start after the
 * window closed, goes to the missed-runs queue; none is dropped silently.
 */

/** Most databases one window schedule may name: a deployment's whole fleet. */
export const MAX_WINDOW_DATABASES = 1000;

/** The launcher's input, as each window schedule sends it. */
export const StartWindowInputSchema = z.strictObject({
  window: z
    .strictObject({ start: z.string(), hours: z.number(), timeZone: z.string() })
    .superRefine((window, context) => {
      for (const problem of nightWindowProblems(window))
        context.addIssue({ code: 'custom', message: problem });
    }),
  databases: z
    .array(z.string().regex(DATABASE_ID))
    .min(1)
    .max(MAX_WINDOW_DATABASES)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'each database at most once' }),
  /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>`: the window's start that night. */
  scheduledTime: z.string().min(1),
});
export type StartWindowInput = z.output<typeof StartWindowInputSchema>;

/** A run of the window that was not started, as it goes to the missed-runs queue. */
export interface MissedRun {
  readonly database: string;
  readonly scheduledTime: string;
  /** Absent when the window had already closed: the run has no place in it any more. */
  readonly window?: RunWindow;
  /** Why it was not started, in the operator's terms. */
  readonly reason: string;
}

/** What `startWindow` needs. */
export interface StartWindowDeps extends StartRunDeps {
  readonly s3: S3Client;
  /** The backup bucket holding each database's `last-backup.json`. */
  readonly bucket: string;
  /** The deployment's pins: each database's last-backup record is read under its pinned prefix only. */
  readonly pins: BindingPins;
  readonly now: () => Date;
  /** Puts runs into the missed-runs queue; throws when the queue does not take them. */
  readonly sendMissed: (runs: readonly MissedRun[]) => Promise<void>;
  /**
   * How many last-backup records are read at once.
   * @default 16
   */
  readonly readConcurrency?: number;
}

/** What one window launch did. */
export interface StartWindowResult {
  readonly opensAt: string;
  readonly closesAt: string;
  /** The databases in start order: a database's rank is its index here. */
  readonly order: readonly string[];
  /** Executions started now. */
  readonly started: readonly string[];
  /** Executions started by an earlier delivery of this window (duplicates refused). */
  readonly alreadyStarted: readonly string[];
  /** Runs sent to the missed-runs queue. */
  readonly missed: readonly MissedRun[];
}

/**
 * Starts the night window `input.window` that opened at `input.scheduledTime`. Throws
 * `InvalidInputError` for a scheduled time that is not the window's start; throws when the
 * missed-runs queue refuses a run, so that Lambda retries the invocation (started runs are not
 * started again) and finally keeps the whole event in the queue.
 */
export async function startWindow(
  deps: StartWindowDeps,
  input: StartWindowInput,
): Promise<StartWindowResult> {
  const occurrence = openedWindow(input);
  const closesAt = occurrence.closesAt.toISOString();
  const base = { opensAt: occurrence.opensAt.toISOString(), closesAt };
  if (deps.now().getTime() >= occurrence.closesAt.getTime()) {
    const reason =
      `the window ${input.window.start} ${input.window.timeZone} of ${input.window.hours} hour(s) closed at ` +
      `${closesAt}, before the launcher ran at ${deps.now().toISOString()}: not started late in the working day`;
    // A retried invocation may come after the close: what an earlier one started is not missed.
    const late = await notStartedYet(deps, input.databases, input.scheduledTime);
    const missed = late.missing.map((database) => ({ database, scheduledTime: input.scheduledTime, reason }));
    deps.logger.error(
      'Night window already closed: no run started, the runs not started sent to the missed-runs queue',
      {
        scheduledTime: input.scheduledTime,
        closesAt,
        missed: missed.length,
        alreadyStarted: late.started.length,
      },
    );
    if (missed.length > 0) await deps.sendMissed(missed);
    return { ...base, order: [], started: [], alreadyStarted: late.started, missed };
  }

  const histories = await readHistories(deps, input.databases);
  const order = startOrder(input.databases.map((id) => ({ id, ...historyOf(histories, id) })));
  const started: string[] = [];
  const alreadyStarted: string[] = [];
  const missed: MissedRun[] = [];
  let failed: Array<{ database: string; rank: number }> = [];
  const closed: Array<{ database: string; rank: number }> = [];
  for (const pass of [1, 2]) {
    const todo = pass === 1 ? order.map((database, rank) => ({ database, rank })) : failed;
    failed = [];
    for (const { database, rank } of todo) {
      const window = { closesAt, rank };
      if (deps.now().getTime() >= occurrence.closesAt.getTime()) {
        closed.push({ database, rank });
        continue;
      }
      try {
        const result = await startRun(deps, { database, scheduledTime: input.scheduledTime, window });
        (result.started ? started : alreadyStarted).push(database);
      } catch (error) {
        if (pass === 2) {
          missed.push({
            database,
            scheduledTime: input.scheduledTime,
            window,
            reason: `Step Functions did not start it twice (${(error as Error).name}: ${(error as Error).message})`,
          });
        } else {
          deps.logger.warn(
            'Backup execution not started; trying again after the others',
            { database },
            { error: (error as Error).name },
          );
          failed.push({ database, rank });
        }
      }
    }
  }
  if (closed.length > 0) {
    const late = await notStartedYet(
      deps,
      closed.map((run) => run.database),
      input.scheduledTime,
    );
    alreadyStarted.push(...late.started);
    for (const { database, rank } of closed.filter((run) => late.missing.includes(run.database))) {
      missed.push({
        database,
        scheduledTime: input.scheduledTime,
        window: { closesAt, rank },
        reason: `the window closed at ${closesAt} before it could be started`,
      });
    }
  }
  if (missed.length > 0) {
    deps.logger.error('Some runs of the night window were not started: sent to the missed-runs queue', {
      scheduledTime: input.scheduledTime,
      missed: missed.map((run) => run.database).join(','),
    });
    await deps.sendMissed(missed);
  }
  deps.logger.info('Night window started', {
    scheduledTime: input.scheduledTime,
    closesAt,
    started: started.length,
    alreadyStarted: alreadyStarted.length,
    missed: missed.length,
  });
  return { ...base, order, started, alreadyStarted, missed };
}

/**
 * Which of `databases` have no execution of this scheduled time yet (an earlier invocation of the
 * same delivery may have started some). An execution whose existence cannot be read counts as not
 * started: the operator then finds it already running rather than a run silently lost.
 */
async function notStartedYet(
  deps: StartWindowDeps,
  databases: readonly string[],
  scheduledTime: string,
): Promise<{ started: string[]; missing: string[] }> {
  const started: string[] = [];
  const missing: string[] = [];
  for (const database of databases) {
    const executionArn = executionArnOf(deps.stateMachineArn, executionName(database, scheduledTime));
    try {
      await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
      started.push(database);
    } catch (error) {
      if (!(error instanceof ExecutionDoesNotExist)) {
        deps.logger.warn(
          'Could not tell whether a run was started: counted as missed',
          { database },
          {
            error: (error as Error).name,
          },
        );
      }
      missing.push(database);
    }
  }
  return { started, missing };
}

function openedWindow(input: StartWindowInput): WindowOccurrence {
  try {
    return windowOpenedAt(input.window, input.scheduledTime);
  } catch (error) {
    throw new InvalidInputError((error as Error).message);
  }
}

function historyOf(histories: ReadonlyMap<string, RunHistory>, id: string): { history?: RunHistory } {
  const history = histories.get(id);
  return history ? { history } : {};
}

/**
 * The size and duration of each database's last run, from its `last-backup.json` under its pinned
 * prefix. A database without a pin, without a record, with a record written before sizes were
 * recorded, or whose record cannot be read counts as unknown (it starts after those with history).
 */
async function readHistories(
  deps: StartWindowDeps,
  databases: readonly string[],
): Promise<ReadonlyMap<string, RunHistory>> {
  const histories = new Map<string, RunHistory>();
  let next = 0;
  const worker = async () => {
    while (next < databases.length) {
      const database = databases[next++]!;
      const pin = Object.hasOwn(deps.pins, database) ? deps.pins[database] : undefined;
      if (!pin) {
        deps.logger.warn('No pin for a database of the window: its last run counts as unknown', { database });
        continue;
      }
      try {
        const record = await readLastBackup(deps, { prefix: pin.prefix, database });
        if (record?.totalBytes !== undefined && record.durationSeconds !== undefined) {
          histories.set(database, {
            totalBytes: [record.totalBytes],
            durationSeconds: [record.durationSeconds],
          });
        }
      } catch (error) {
        deps.logger.warn(
          'Last-backup record unreadable: the last run counts as unknown',
          { database },
          {
            error: (error as Error).message,
          },
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.readConcurrency ?? 16) }, worker));
  return histories;
}
