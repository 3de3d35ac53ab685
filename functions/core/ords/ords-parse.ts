import { OrdsResponseError } from '../errors.js';
import type { DataPumpJob, JobFile, JobListItem } from './ords-api.js';
import { sanitizeSnippet } from './ords-errors.js';
import { resolveOrdsLink } from './ords-url.js';

/**
 * Reading ORDS Data Pump JSON (pure functions, tested against recorded bodies). ORDS pads some
 * values to 30 characters and names link relations inconsistently, so strings are trimmed and
 * upper-cased before any comparison and files are recognised by their extension.
 */

/** `state` values of DBA_DATAPUMP_JOBS while Data Pump is working. */
export const RUNNING_STATES: readonly string[] = [
  'DEFINING',
  'EXECUTING',
  'COMPLETING',
  'STOP PENDING',
  'STOPPING',
  'IDLING',
];

/** The `state` of a job that has ended (succeeded, failed or stopped: the log tells which). */
export const NOT_RUNNING = 'NOT RUNNING';

/** `job_state` values some ORDS versions send once a job has ended. */
export const FINISHED_JOB_STATES: readonly string[] = ['COMPLETED', 'STOPPED'];

/**
 * True while Data Pump is still working on the job, false once it has ended. Throws
 * `OrdsResponseError` for a state this project does not know, rather than guessing.
 */
export function isJobRunning(job: {
  readonly state: string;
  readonly jobState?: string;
  readonly owner?: string;
  readonly jobName?: string;
}): boolean {
  const state = normalize(job.state);
  const jobState = job.jobState === undefined ? '' : normalize(job.jobState);
  // job_state can still read DEFINING while `state` flickers NOT RUNNING at start-up.
  if (RUNNING_STATES.includes(jobState) || RUNNING_STATES.includes(state)) return true;
  if (state === NOT_RUNNING || FINISHED_JOB_STATES.includes(jobState)) return false;
  const which = job.owner && job.jobName ? ` of job ${job.owner}.${job.jobName}` : '';
  throw new OrdsResponseError(
    `unknown Data Pump state "${state}"${jobState ? ` (job_state "${jobState}")` : ''}${which}: ` +
      `expected one of ${[...RUNNING_STATES, NOT_RUNNING].join(', ')}`,
  );
}

/**
 * Parses a job object (the 201 answer of a POST, or a job GET) into a `DataPumpJob`. File links are
 * picked by extension (`.DMP` → dump, `.LOG` → log), deduplicated, and resolved with
 * `resolveOrdsLink` (a foreign link throws `UnsafeLinkError`).
 */
export function parseJob(json: unknown, base: URL): DataPumpJob {
  const object = asObject(json, 'job');
  const fields = jobFields(object, 'job');
  const jobState = optionalString(object, 'job_state', 'job');
  return {
    ...fields,
    ...(jobState ? { jobState } : {}),
    files: jobFiles(object.links, base),
  };
}

/** One page of the job list, as ORDS pages collections. */
export interface JobListPage {
  readonly items: JobListItem[];
  readonly hasMore: boolean;
  /** The `next` link's href as sent (not yet resolved), when there is one. */
  readonly nextHref: string | null;
  readonly offset: number | null;
  readonly limit: number | null;
}

/** Parses one page of `GET …/database/datapump/jobs/`. */
export function parseJobList(json: unknown): JobListPage {
  const object = asObject(json, 'job list');
  const items = object.items;
  if (!Array.isArray(items)) {
    throw new OrdsResponseError(`ORDS sent a job list without an "items" array: ${snippetOf(json)}`);
  }
  const next = linksOf(object.links).find((link) => normalize(link.rel) === 'NEXT');
  return {
    items: items.map((item, index) =>
      jobFields(asObject(item, `job list item ${index}`), `job list item ${index}`),
    ),
    hasMore: object.hasMore === true || object.hasMore === 'true',
    nextHref: next?.href ?? null,
    offset: optionalCount(object.offset),
    limit: optionalCount(object.limit),
  };
}

/** Trims and upper-cases a value ORDS may blank-pad to 30 characters. */
export function normalize(value: string): string {
  return value.trim().toUpperCase();
}

type JsonObject = Record<string, unknown>;

function jobFields(object: JsonObject, what: string): JobListItem {
  return {
    // Identifiers are trimmed only: they go back into URLs, where case matters.
    owner: requiredString(object, 'owner_name', what),
    jobName: requiredString(object, 'job_name', what),
    operation: normalize(requiredString(object, 'operation', what)),
    jobMode: normalize(requiredString(object, 'job_mode', what)),
    state: normalize(requiredString(object, 'state', what)),
  };
}

function jobFiles(links: unknown, base: URL): JobFile[] {
  const files: JobFile[] = [];
  const seen = new Set<string>();
  for (const link of linksOf(links)) {
    const file = fileOfHref(link.href, base);
    if (file === null) continue;
    const url = resolveOrdsLink(base, link.href);
    const key = `${file.kind}:${file.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    files.push({ ...file, url: url.href });
  }
  return files;
}

/** The file a link names (by its last path segment's extension), or null for any other link. */
function fileOfHref(href: string, base: URL): Omit<JobFile, 'url'> | null {
  let pathname: string;
  try {
    pathname = new URL(href, base).pathname;
  } catch {
    return null;
  }
  const segment = pathname.slice(pathname.lastIndexOf('/') + 1);
  let name: string;
  try {
    name = decodeURIComponent(segment).trim();
  } catch {
    throw new OrdsResponseError(`ORDS sent a file link with an invalid encoding: "${href.slice(0, 200)}"`);
  }
  if (/\.dmp$/i.test(name)) return { name, kind: 'dump' };
  if (/\.log$/i.test(name)) return { name, kind: 'log' };
  return null;
}

function linksOf(links: unknown): Array<{ rel: string; href: string }> {
  if (!Array.isArray(links)) return [];
  const result: Array<{ rel: string; href: string }> = [];
  for (const link of links) {
    if (typeof link !== 'object' || link === null) continue;
    const { rel, href } = link as JsonObject;
    if (typeof href !== 'string' || href.trim() === '') continue;
    result.push({ rel: typeof rel === 'string' ? rel : '', href: href.trim() });
  }
  return result;
}

function asObject(json: unknown, what: string): JsonObject {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OrdsResponseError(`ORDS sent a ${what} that is not a JSON object: ${snippetOf(json)}`);
  }
  return json as JsonObject;
}

function requiredString(object: JsonObject, key: string, what: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new OrdsResponseError(`ORDS sent a ${what} without "${key}": ${snippetOf(object)}`);
  }
  return value.trim();
}

function optionalString(object: JsonObject, key: string, what: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new OrdsResponseError(`ORDS sent a ${what} whose "${key}" is not a string: ${snippetOf(object)}`);
  }
  const normalized = normalize(value);
  return normalized === '' ? undefined : normalized;
}

function optionalCount(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 ? number : null;
}

/** A short sanitized rendering of a JSON value for messages. */
export function snippetOf(json: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(json) ?? String(json);
  } catch {
    text = String(json);
  }
  return sanitizeSnippet(text);
}
