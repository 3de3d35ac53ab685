import { answeredOwner } from './answered-owner.js';
import type { JobStore } from './job-store.js';
import { type JobPhase, jobStateOf, type SimulatedJob, stateOf } from './simulated-job.js';
import type { SimulatorOptions } from './simulator-options.js';

/** Job objects as ORDS serialises them: the 201 body, the single-job GET and the list items. */

/** Absolute URLs of one request's Database API root, with the origin links should carry. */
export interface ApiUrls {
  /** `<origin><basePath>_/db-api/<version>/` */
  readonly apiRoot: string;
  /** `<apiRoot>database/datapump/jobs/` */
  readonly jobsUrl: string;
}

/** Which representation: list items carry no links; padding applies to the list and the single GET. */
export type JobView = 'created' | 'job' | 'item';

const PAD = 30;

/** The URL of one job: `<jobsUrl>OWNER,JOB/`. */
export function jobUrl(urls: ApiUrls, job: SimulatedJob): string {
  return `${urls.jobsUrl}${job.owner},${job.jobName}/`;
}

/** A job object in a phase. */
export function jobJson(
  job: SimulatedJob,
  phase: JobPhase,
  view: JobView,
  store: JobStore,
  options: SimulatorOptions,
  urls: ApiUrls,
): Record<string, unknown> {
  const running = phase !== 'finished' && phase !== 'flicker';
  const pad = (value: string) => (options.padValues && view !== 'created' ? value.padEnd(PAD) : value);
  const state = running && options.unknownState !== undefined ? options.unknownState : stateOf(job, phase);
  const json: Record<string, unknown> = {
    job_name: job.jobName,
    owner_name: answeredOwner(job, options),
    operation: pad(job.operation),
    job_mode: pad(job.jobMode),
    state: pad(state),
    degree: job.degree,
    attached_sessions: 0,
    datapump_sessions: running ? job.degree + 1 : 0,
  };
  if (options.includeJobState) json.job_state = jobStateOf(job, phase);
  const comment = store.commentOf(job);
  if (options.includeJobComment && comment !== null) json.job_comment = comment;
  if (view !== 'item' && !options.missingLinks) json.links = links(job, phase, options, urls);
  return json;
}

function links(
  job: SimulatedJob,
  phase: JobPhase,
  options: SimulatorOptions,
  urls: ApiUrls,
): { rel: string; href: string }[] {
  const fileUrl = (name: string) =>
    options.foreignFileLinks !== undefined
      ? `${options.foreignFileLinks}${name}`
      : `${jobUrl(urls, job)}${name}`;
  const result = [
    { rel: 'collection', href: urls.jobsUrl },
    { rel: 'describedby', href: `${urls.apiRoot}metadata-catalog/` },
  ];
  if (phase === 'finished' || options.linkDumpFilesWhileRunning) {
    for (const file of job.dumpFiles) {
      result.push({ rel: options.linkRels.dump ?? 'enclosure', href: fileUrl(file.name) });
    }
  }
  // Some ORDS versions link no log for an import (undocumented): `importLogLink` false plays them.
  const logLinked = job.operation !== 'IMPORT' || options.importLogLink;
  if (job.logFileName !== null && logLinked)
    result.push({ rel: options.linkRels.log ?? 'related', href: fileUrl(job.logFileName) });
  result.push({ rel: 'self', href: jobUrl(urls, job) });
  return result;
}
