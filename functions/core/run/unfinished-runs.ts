import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { jsonObjectInput, StorageRejectedError, toStorageError } from '../base/index.js';
import type { EarlierRun } from '../cleanup/index.js';
import type { Logger } from '../ords/index.js';
import { type JobRef, JobRefSchema, type SupersededCleanup } from '../state/index.js';
import { type ExecutionStatus, isLostRace, type LockStore } from './holder-lock.js';

/**
 * The runs of a database whose files may still be on its server: one small S3 object beside the run
 * lock, `<prefix>_locks/<database>.unfinished.json` (a database id has no `.`, so it is never a lock).
 * "Start export" adds its run once the export has started; the run's own cleanup step ("Clean up
 * server", "Remove dump files") takes it out, whatever its result. A run still listed when the next
 * run of the database starts ended without its cleanup ("Backup failed" after the export started, a
 * timeout, an abort): the next run removes its leftovers before it starts its own export.
 */

/** One run as recorded when its export started. */
const UnfinishedRunSchema = z.object({
  database: z.string().min(1),
  executionArn: z.string().min(1),
  executionName: z.string().min(1),
  job: JobRefSchema,
  recordedAt: z.string().min(1),
});
type UnfinishedRun = z.output<typeof UnfinishedRunSchema>;

const UnfinishedRunsSchema = z.object({ runs: z.array(UnfinishedRunSchema) });

/** The record's key: `<prefix>_locks/<database>.unfinished.json`. */
export function unfinishedRunsKey(prefix: string, database: string): string {
  return `${prefix}_locks/${database}.unfinished.json`;
}

/** The IAM resource pattern of every such record, whatever the prefix. */
export const UNFINISHED_RUNS_KEY_PATTERN = '*_locks/*.unfinished.json';

/** A database's record and the execution asking. */
export interface UnfinishedRunsRequest {
  readonly prefix: string;
  readonly database: string;
  readonly executionArn: string;
}

/**
 * The recorded runs (null when the object is not such a record) and the object's ETag, or null when
 * there is no record.
 */
async function readRuns(
  store: LockStore,
  key: string,
  deniedIsAbsent = false,
): Promise<{ runs: UnfinishedRun[] | null; etag: string; bytes: number } | null> {
  let text: string;
  let etag: string;
  try {
    const object = await store.s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    text = (await object.Body?.transformToString()) ?? '';
    etag = object.ETag ?? '';
  } catch (error) {
    const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.name === 'NoSuchKey' || err.name === 'NotFound') return null;
    if (deniedIsAbsent && err.$metadata?.httpStatusCode === 403) return null;
    throw toStorageError(error, store.bucket, key);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = UnfinishedRunsSchema.safeParse(value);
  return { runs: parsed.success ? parsed.data.runs : null, etag, bytes: text.length };
}

/** The recorded runs, or a `StorageRejectedError` naming the key when the object is not a record. */
function runsOf(record: { runs: UnfinishedRun[] | null; bytes: number }, bucket: string, key: string) {
  if (record.runs) return record.runs;
  throw new StorageRejectedError(
    `s3://${bucket}/${key} is not a record of unfinished runs (${record.bytes} bytes): it is replaced by ` +
      "this run's record; the runs it named, if any, must be cleaned up by hand",
  );
}

/** Writes `runs` over the version `etag` (or as a new object), or deletes the record when asked. */
async function writeRuns(
  store: LockStore,
  key: string,
  runs: readonly UnfinishedRun[],
  etag: string | null,
  deleteWhenEmpty = false,
): Promise<void> {
  try {
    if (deleteWhenEmpty && runs.length === 0) {
      await store.s3.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key }));
      return;
    }
    await store.s3.send(
      new PutObjectCommand(
        jsonObjectInput(
          store.bucket,
          key,
          { runs },
          etag === null ? { IfNoneMatch: '*' } : { IfMatch: etag },
        ),
      ),
    );
  } catch (error) {
    if (isLostRace(error)) {
      throw new StorageRejectedError(
        `s3://${store.bucket}/${key} changed while this run updated it: another execution of the database ` +
          'writes it at the same time; the step is tried again',
      );
    }
    throw toStorageError(error, store.bucket, key);
  }
}

/** What settling the earlier runs needs. */
export interface SettleDeps extends LockStore {
  readonly logger: Logger;
  /** DescribeExecution's status of an execution. */
  readonly executionStatus: (executionArn: string) => Promise<ExecutionStatus | string>;
  /** Removes one earlier run's leftovers (`cleanUpSuperseded` with the database's ORDS). */
  readonly cleanUp: (run: EarlierRun) => Promise<SupersededCleanup>;
  /**
   * Milliseconds left of the time the step gives earlier runs: none left, the remaining runs stay
   * recorded for the next run, so tonight's export keeps its time. @default - no limit
   */
  readonly timeLeftMs?: () => number;
}

/**
 * Before a run starts its export (it holds the run lock): removes the leftovers of each earlier run
 * still recorded that has ended, and keeps recorded those whose removal should be tried again (a
 * running job, an ORDS failure). An execution still running is left alone; one that succeeded ran its
 * own cleanup and is only forgotten. Returns what was done, one entry per earlier run; an empty list
 * when none was recorded (one S3 read). Never throws: a record that cannot be read or written is one
 * `failed` entry, so a leftover never blocks tonight's backup.
 */
export async function settleEarlierRuns(
  deps: SettleDeps,
  request: UnfinishedRunsRequest,
): Promise<SupersededCleanup[]> {
  const key = unfinishedRunsKey(request.prefix, request.database);
  const reports: SupersededCleanup[] = [];
  try {
    const record = await readRuns(deps, key);
    if (!record) return [];
    const runs = runsOf(record, deps.bucket, key);
    const kept: UnfinishedRun[] = [];
    for (const run of runs) {
      if (run.executionArn === request.executionArn) {
        kept.push(run); // This execution's own, from an earlier try of "Start export".
        continue;
      }
      const status = await deps.executionStatus(run.executionArn);
      const about = { execution: run.executionName, job: `${run.job.owner}.${run.job.jobName}` };
      if (status === 'SUCCEEDED') {
        deps.logger.info('An earlier run that succeeded is forgotten: its own cleanup ran', about);
        continue;
      }
      const report =
        (deps.timeLeftMs?.() ?? 1) <= 0
          ? keptFor(
              about,
              `Not removing ${about.job} in this run: the time for earlier runs is spent; the next run tries again`,
            )
          : status === 'RUNNING'
            ? keptFor(about, `Not removing ${about.job}: its execution ${run.executionName} is still running`)
            : await deps.cleanUp(run);
      reports.push(report);
      if (report.keep) kept.push(run);
    }
    // Kept is a subset of runs, in order: the same length, nothing to write.
    if (kept.length !== runs.length) await writeRuns(deps, key, kept, record.etag);
  } catch (error) {
    if ((error as { name?: string }).name === 'RunLockLostError') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    deps.logger.error('The earlier runs of the database could not be settled', { lockKey: key, reason });
    reports.push(
      keptFor(
        { execution: '(unknown)', job: '(unknown)' },
        `The earlier runs recorded in s3://${deps.bucket}/${key} could not be settled: ${reason}`,
      ),
    );
  }
  return reports;
}

/** An earlier run left as it is and kept recorded, so that the next run tries again: `reason` says why. */
function keptFor(about: { execution: string; job: string }, reason: string): SupersededCleanup {
  return {
    ...about,
    serverCleanup: 'failed',
    removedFiles: [],
    droppedControlTable: null,
    reason,
    keep: true,
  };
}

/**
 * Records this run's export (after it started or was adopted): its entry replaces one from an
 * earlier try of the same execution, and that of an earlier run whose job it adopted. Throws a
 * storage error when the record cannot be written.
 */
export async function recordUnfinishedRun(
  store: LockStore,
  request: UnfinishedRunsRequest & {
    readonly executionName: string;
    readonly job: JobRef;
    readonly now: Date;
  },
): Promise<void> {
  const key = unfinishedRunsKey(request.prefix, request.database);
  // An unreadable record was reported by `settleEarlierRuns`: this run's entry replaces it.
  const record = await readRuns(store, key);
  const entry: UnfinishedRun = {
    database: request.database,
    executionArn: request.executionArn,
    executionName: request.executionName,
    job: request.job,
    recordedAt: request.now.toISOString(),
  };
  // A run whose job this run adopted is this run's to clean up now: its entry goes.
  const others = (record?.runs ?? []).filter(
    (run) =>
      run.executionArn !== request.executionArn &&
      !(run.job.owner === request.job.owner && run.job.jobName === request.job.jobName),
  );
  await writeRuns(store, key, [...others, entry], record?.etag ?? null);
}

/**
 * Takes this run out of the record once its own cleanup step ran (whatever its result): its files
 * are its own cleanup's business then. Deletes the record when no run is left in it. Returns whether
 * the run was recorded. The cleanup function may not list the bucket, so S3 answers a missing record
 * (an execution started by an earlier version) with 403: counted as absent, as `objectExists` does.
 */
export async function forgetUnfinishedRun(
  store: LockStore,
  request: UnfinishedRunsRequest,
): Promise<boolean> {
  const key = unfinishedRunsKey(request.prefix, request.database);
  const record = await readRuns(store, key, true);
  // Not a record (the next run reports and replaces it): nothing of this run to take out.
  if (!record?.runs) return false;
  const others = record.runs.filter((run) => run.executionArn !== request.executionArn);
  if (others.length === record.runs.length) return false;
  await writeRuns(store, key, others, record.etag, true);
  return true;
}
