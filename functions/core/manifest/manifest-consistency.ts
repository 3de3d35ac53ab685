import { InvalidInputError } from '../base/index.js';
import type { JobPath, JobRef } from '../state/index.js';

/** How consistent the exported data is: at one SCN (`point-in-time`) or each table at its own moment. */
export type ConsistencyMode = 'point-in-time' | 'per-table';

/**
 * Why a backup is per-table while this version cannot make it point-in-time: the ORDS export POST
 * takes no `flashback_scn`, and the consistent path through REST-enabled SQL is not wired yet.
 */
export const POINT_IN_TIME_NOT_ENABLED =
  'point-in-time not enabled: the ORDS export POST takes no FLASHBACK_SCN, so each table was exported ' +
  'at its own moment (a busy schema may hold rows of one table without the rows they refer to in another)';

/** What the manifest records about the backup's consistency (`consistency`). */
export interface ManifestConsistency {
  /** How the job was started: `ords-export` (the ORDS export POST) or `rest-sql` (DBMS_DATAPUMP). */
  readonly path: JobPath;
  readonly mode: ConsistencyMode;
  /** Why the backup is not point-in-time; absent when it is. */
  readonly reason?: string;
}

/**
 * The consistency of the backup of `job`. A job of the ORDS export POST is per-table, with the reason.
 * A `rest-sql` job carries no proof of its SCN in this version: refused rather than recorded as
 * something it cannot show.
 */
export function manifestConsistency(job: Pick<JobRef, 'path' | 'jobName'>): ManifestConsistency {
  const path = job.path ?? 'ords-export';
  if (path === 'rest-sql') {
    throw new InvalidInputError(
      `Not writing the manifest: job ${job.jobName} was started through REST-enabled SQL, and this version ` +
        'records no SCN evidence for such a job',
    );
  }
  return { path, mode: 'per-table', reason: POINT_IN_TIME_NOT_ENABLED };
}

/**
 * The one line the execution's output and the local runner show: the mode, and for a per-table backup
 * the first clause of its reason, e.g. `per-table: point-in-time not enabled`.
 */
export function describeConsistency(consistency: ManifestConsistency): string {
  if (consistency.mode === 'point-in-time') return 'point-in-time';
  const reason = consistency.reason ?? 'no reason recorded';
  return `per-table: ${reason.split(':')[0]}`;
}
