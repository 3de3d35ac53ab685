import { createHash } from 'node:crypto';
import { InvalidInputError } from '../base/index.js';
import { DATABASE_ID } from './payloads.js';

/**
 * How a run names its dump files and where it stores them. Dump file names carry the database id
 * and the run id, so runs never collide with older files on the database server and a later run
 * (or a retry of the same one) can recognise them in a job's links.
 */

/**
 * A run id: the execution's start time (UTC, to the second) and four hex digits of its name's hash,
 * e.g. `20261123T020000Z-1A2B`. Stable across retries of "Start export" in one execution.
 */
export function makeRunId(executionStartTime: string, executionName: string): string {
  const started = new Date(executionStartTime);
  if (Number.isNaN(started.getTime())) {
    throw new Error(`execution start time "${executionStartTime}" is not an ISO date`);
  }
  const stamp = started
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const suffix = createHash('sha256').update(executionName).digest('hex').slice(0, 4).toUpperCase();
  return `${stamp}-${suffix}`;
}

/** The prefix every dump file of this database starts with, e.g. `ORDERS-`. */
export function fileNamePrefix(database: string): string {
  return `${database.toUpperCase()}-`;
}

/**
 * The `file_name` template sent to ORDS: `ORDERS-20261123T020000Z-1A2B-%U.DMP`, or with an attempt tag
 * `ORDERS-20261123T020000Z-1A2B-A020005-%U.DMP`. Every POST of a run carries its own tag, so a
 * second POST can never collide with the files of a first one that may still be running (Data Pump
 * refuses an existing dump file with ORA-31641 and overwrites an existing log).
 */
export function dumpFileTemplate(database: string, runId: string, attempt?: string): string {
  return `${fileNamePrefix(database)}${runId}-${attempt ? `${attempt}-` : ''}%U.DMP`;
}

/** The attempt tag of a POST sent at `at`: `A` and the UTC time, e.g. `A020005`. */
export function attemptTag(at: Date): string {
  return `A${at.toISOString().slice(11, 19).replaceAll(':', '')}`;
}

/**
 * The log file name Data Pump gives a `file_name` template, as in Oracle's examples
 * (`EXPDAT%U-2020-10-01-12_26_31.DMP` → `EXPDAT-2020-10-01-12_26_31.LOG`): `%U` goes with the
 * separator before it, `.DMP` becomes `.LOG`.
 */
export function logFileNameOf(template: string): string {
  const withoutU = template.replace(/[-_.]?%U/i, '');
  return /\.dmp$/i.test(withoutU) ? withoutU.replace(/\.dmp$/i, '.LOG') : `${withoutU}.LOG`;
}

/**
 * The run id a file of this database belongs to, or null when the file was not written by this
 * project for this database. Accepts dump files (`…-01.DMP`) and logs whatever ORDS appends.
 */
export function runIdOfFile(database: string, fileName: string): string | null {
  const prefix = fileNamePrefix(database);
  if (!fileName.toUpperCase().startsWith(prefix)) return null;
  const match = /^(\d{8}T\d{6}Z-[0-9A-F]{4})(?:[-_.]|$)/i.exec(fileName.slice(prefix.length));
  return match?.[1]?.toUpperCase() ?? null;
}

/**
 * The S3 folder of one backup: `<prefix><database>/<YYYY>/<MM>/<DD>/<job name>/`, dated by the
 * run's start (UTC).
 */
export function backupFolder(prefix: string, database: string, startedAt: string, jobName: string): string {
  const date = new Date(startedAt);
  const yyyy = String(date.getUTCFullYear()).padStart(4, '0');
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(date.getUTCDate()).padStart(2, '0');
  return `${prefix}${database}/${yyyy}/${mm}/${dd}/${jobName}/`;
}

/** The manifest's key in a backup folder. Written last: its presence marks a complete backup. */
export function manifestKey(folder: string): string {
  return `${folder}manifest.json`;
}

/**
 * Longest Step Functions execution name (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/** An ISO-8601 time with a date, hours and minutes and a zone (`Z` or `±hh:mm`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The execution name of one scheduled run: the database id and the scheduled time in UTC to the
 * second, e.g. `orders_20261201T020000Z`. Deterministic, so a second delivery of the same schedule
 * is refused by Step Functions itself (names are unique per state machine for 90 days). Execution
 * names allow neither `:` nor `/`; database ids are `a-z 0-9 -`, so `_` separates the two parts.
 */
export function executionName(database: string, scheduledTime: string): string {
  if (!DATABASE_ID.test(database)) {
    throw new InvalidInputError(
      `database "${database}" is not a database id; allowed: 2 to 32 of a-z, 0-9 and -, starting with a letter`,
    );
  }
  const time = new Date(scheduledTime);
  if (!ISO_TIME.test(scheduledTime) || Number.isNaN(time.getTime())) {
    throw new InvalidInputError(
      `scheduledTime "${scheduledTime}" is not an ISO-8601 time with a zone; allowed: e.g. 2026-12-01T02:00:00Z`,
    );
  }
  const stamp = time
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const name = `${database}_${stamp}`;
  // 32 + 1 + 16 characters at most: the check guards the assumption, not a reachable case.
  if (name.length > MAX_EXECUTION_NAME_LENGTH || !/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new InvalidInputError(`execution name "${name}" is not a valid Step Functions execution name`);
  }
  return name;
}

/**
 * The key of a database's "last verified backup" record, `<prefix><database>/last-backup.json`:
 * overwritten after every verified manifest, read hourly to publish the backup's age.
 */
export function lastBackupKey(prefix: string, database: string): string {
  return `${prefix}${database}/${LAST_BACKUP_FILE}`;
}

/** The file name of the last-backup record (the IAM grants match `*\/last-backup.json`). */
export const LAST_BACKUP_FILE = 'last-backup.json';
