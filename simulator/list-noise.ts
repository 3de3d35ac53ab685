import type { ApiUrls } from './job-json.js';
import type { ListNoise } from './switch-types.js';

/**
 * The rows a busy database's job list holds besides this client's jobs: other owners' running
 * exports, `BIN$…` rows of control tables in the recycle bin, and orphans (jobs of the same owner
 * left NOT RUNNING by an abnormal end, with other file names). Each row also answers its GET the
 * way a real ORDS does: 403 for another owner's job, 404 for a `BIN$` row, 200 for an orphan.
 */

/** One noise row: its list item and how its single-job GET answers. */
export interface NoiseJob {
  readonly owner: string;
  readonly jobName: string;
  readonly item: Record<string, unknown>;
  /** 200 with `job`, or the error status of its GET. */
  readonly get:
    | { readonly status: 200; readonly job: Record<string, unknown> }
    | { readonly status: 403 | 404 };
}

const two = (value: number) => String(value).padStart(2, '0');

/** The noise rows of a job list: `owner` owns the orphans. */
export function noiseJobs(noise: ListNoise, owner: string, urls: ApiUrls): NoiseJob[] {
  const rows: NoiseJob[] = [];
  for (let index = 1; index <= (noise.foreignOwnerJobs ?? 0); index++) {
    const jobName = `SYS_EXPORT_FULL_${two(index)}`;
    rows.push({
      owner: 'SYSTEM',
      jobName,
      item: item('SYSTEM', jobName, 'FULL', 'EXECUTING', 4),
      get: { status: 403 },
    });
  }
  for (let index = 1; index <= (noise.recycleBinRows ?? 0); index++) {
    const jobName = `BIN$Ez0yNhS4bGXgUwIAEaxS${two(index)}==$0`;
    rows.push({
      owner,
      jobName,
      item: item(owner, jobName, 'SCHEMA', 'NOT RUNNING', 0),
      get: { status: 404 },
    });
  }
  for (let index = 1; index <= (noise.orphanJobs ?? 0); index++) {
    // Alternately a job made with expdp and an older ORDS job with the default file names.
    const jobName =
      index % 2 === 1 ? `SYS_EXPORT_SCHEMA_${two(index)}` : `DATAPUMP_REST_EXPORT_202611${two(index)}020000`;
    const stamp = `2026-11-${two(index)}-02_00_00`;
    const jobUrl = `${urls.jobsUrl}${owner},${jobName}/`;
    rows.push({
      owner,
      jobName,
      item: item(owner, jobName, 'SCHEMA', 'NOT RUNNING', 0),
      get: {
        status: 200,
        job: {
          ...item(owner, jobName, 'SCHEMA', 'NOT RUNNING', 0),
          job_state: 'NOT RUNNING',
          links: [
            { rel: 'collection', href: urls.jobsUrl },
            { rel: 'enclosure', href: `${jobUrl}EXPDAT01-${stamp}.DMP` },
            { rel: 'related', href: `${jobUrl}EXPDAT-${stamp}.LOG` },
            { rel: 'self', href: jobUrl },
          ],
        },
      },
    });
  }
  return rows;
}

function item(owner: string, jobName: string, jobMode: string, state: string, degree: number) {
  return {
    job_name: jobName,
    owner_name: owner,
    operation: 'EXPORT',
    job_mode: jobMode,
    state,
    degree,
    attached_sessions: 0,
    datapump_sessions: state === 'EXECUTING' ? degree + 1 : 0,
  };
}
