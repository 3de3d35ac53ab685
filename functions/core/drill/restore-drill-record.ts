import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import {
  jsonObjectInput,
  latestStartAtOrBefore,
  StorageRejectedError,
  toStorageError,
} from '../base/index.js';
import type { RestoreDrillBinding } from './restore-drill-payloads.js';

/**
 * The database's drill history, `<prefix><database>/last-restore-drill.json`, overwritten by every
 * drill: when the last one was attempted (for which run) and when one last succeeded. "Start export"
 * reads it to decide whether a drill is due; the hourly backup-age check publishes the hours since
 * the last success.
 */

/** The file name of the record (the IAM grants match `*\/last-restore-drill.json`). */
export const LAST_RESTORE_DRILL_FILE = 'last-restore-drill.json';

/** The side file beside a drilled backup's manifest. */
export const RESTORE_DRILL_FILE = 'restore-drill.json';

/** `<prefix><database>/last-restore-drill.json`. */
export function lastRestoreDrillKey(prefix: string, database: string): string {
  return `${prefix}${database}/${LAST_RESTORE_DRILL_FILE}`;
}

/** Bumped when a field changes meaning; readers check it. */
export const LAST_RESTORE_DRILL_VERSION = 1;

/** The record as stored. */
export const LastRestoreDrillSchema = z.object({
  lastRestoreDrillVersion: z.literal(LAST_RESTORE_DRILL_VERSION),
  database: z.string().min(1),
  /** The scheduled time of the run that attempted the last drill: due-ness counts from here. */
  attemptedFor: z.string().datetime({ offset: true }),
  /** When the last drill was recorded. */
  attemptedAt: z.string().datetime(),
  succeeded: z.boolean(),
  /** When a drill last succeeded (this one or an earlier one), null when none ever did. */
  lastSuccessAt: z.string().datetime().nullable(),
  /** The restore-drill.json of the last attempt. */
  report: z.string().min(1),
});
export type LastRestoreDrill = z.output<typeof LastRestoreDrillSchema>;

/**
 * Whether a run meant for `runTime` performs the drill: when forced, when no drill was ever
 * attempted, or when the drill's cron (in its time zone) has a start after the run the last drill
 * was attempted for and at or before `runTime`. So a drill night is a backup night: no second export.
 */
export function isDrillDue(
  drill: RestoreDrillBinding,
  last: LastRestoreDrill | null,
  runTime: Date,
  forced: boolean,
): boolean {
  if (forced || last === null) return true;
  const start = latestStartAtOrBefore(drill.schedule.cron, drill.schedule.timeZone, runTime);
  return start !== null && start.getTime() > new Date(last.attemptedFor).getTime();
}

/** What reading and writing the records needs. */
export interface DrillRecordDeps {
  readonly s3: S3Client;
  readonly bucket: string;
}

/**
 * Reads the database's drill record; null when there is none (or it is not a record this version
 * reads: a drill is then due, which is the safe side).
 */
export async function readLastRestoreDrill(
  deps: DrillRecordDeps,
  prefix: string,
  database: string,
): Promise<LastRestoreDrill | null> {
  return (await readRecord(deps, lastRestoreDrillKey(prefix, database))).record;
}

/** The record as read, with the ETag an update must match (null: no object under the key). */
interface ReadRecord {
  readonly record: LastRestoreDrill | null;
  readonly etag: string | null;
}

async function readRecord(deps: DrillRecordDeps, key: string): Promise<ReadRecord> {
  let text: string;
  let etag: string | null;
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    text = (await object.Body?.transformToString()) ?? '';
    etag = object.ETag ?? null;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as { name?: string }).name === 'NoSuchKey')
      return { record: null, etag: null };
    throw toStorageError(error, deps.bucket, key);
  }
  try {
    const parsed = LastRestoreDrillSchema.safeParse(JSON.parse(text));
    return { record: parsed.success ? parsed.data : null, etag };
  } catch {
    return { record: null, etag };
  }
}

/** Attempts of the read-modify-write before another writer is reported. */
const UPDATE_ATTEMPTS = 3;

/**
 * Updates the database's drill record: reads it, builds the new one from it (`next(last)`), and
 * writes that only over what it read (`If-Match` on its ETag, `If-None-Match: *` when there was none),
 * so a record written in between is never lost; it reads again and rebuilds on a 412. A retried
 * invocation simply reads the record its earlier try wrote. Returns the record written.
 */
export async function updateLastRestoreDrill(
  deps: DrillRecordDeps,
  prefix: string,
  database: string,
  next: (last: LastRestoreDrill | null) => LastRestoreDrill,
): Promise<LastRestoreDrill> {
  const key = lastRestoreDrillKey(prefix, database);
  for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
    const { record, etag } = await readRecord(deps, key);
    const written = next(record);
    const condition = etag === null ? { IfNoneMatch: '*' } : { IfMatch: etag };
    try {
      await deps.s3.send(new PutObjectCommand(jsonObjectInput(deps.bucket, key, written, condition)));
      return written;
    } catch (error) {
      const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (err.$metadata?.httpStatusCode !== 412 && err.name !== 'PreconditionFailed') {
        throw toStorageError(error, deps.bucket, key);
      }
    }
  }
  throw new StorageRejectedError(
    `s3://${deps.bucket}/${key} changed ${UPDATE_ATTEMPTS} times while this drill recorded itself: another ` +
      'writer updates the record; not overwritten',
  );
}

/**
 * Writes `restore-drill.json` only if none is there (like the manifest). A retry finds its own
 * record (same import job, or the same failure) and keeps it; another run's record is never
 * overwritten: that fails as a storage error naming the key.
 */
export async function writeDrillReport(
  deps: DrillRecordDeps,
  key: string,
  report: Readonly<Record<string, unknown>> & { readonly importJobName: string | null },
): Promise<void> {
  try {
    await deps.s3.send(new PutObjectCommand(jsonObjectInput(deps.bucket, key, report, { IfNoneMatch: '*' })));
    return;
  } catch (error) {
    const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.$metadata?.httpStatusCode !== 412 && err.name !== 'PreconditionFailed') {
      throw toStorageError(error, deps.bucket, key);
    }
  }
  const object = await deps.s3
    .send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }))
    .catch((error: unknown) => {
      throw toStorageError(error, deps.bucket, key);
    });
  const existing = JSON.parse((await object.Body?.transformToString()) ?? '{}') as {
    importJobName?: unknown;
  };
  if ((existing.importJobName ?? null) !== report.importJobName) {
    throw new StorageRejectedError(
      `s3://${deps.bucket}/${key} already holds the record of another drill (import job ` +
        `${JSON.stringify(existing.importJobName ?? null)}): not overwritten`,
    );
  }
}
