import { OrdsResponseError } from '../base/index.js';
import type { DataPumpJob, JobFile, JobListItem } from './ords-api.js';
import { sanitizeSnippet } from './ords-errors.js';
import { jobFileUrl } from './ords-url.js';

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

/**
 * End states of the control process. They show in `job_state` once a job has ended and, for a moment
 * before NOT RUNNING, in `state` itself.
 */
export const FINISHED_STATES: readonly string[] = ['COMPLETED', 'STOPPED'];

/**
 * Where a job stands: `running`, `finished`, or `unknown` for a state this project has never seen
 * (the caller keeps polling until the export timeout rather than guessing an end).
 */
export type JobActivity = 'running' | 'finished' | 'unknown';

/** Reads `state` and `job_state` (trimmed, upper-cased) into a `JobActivity`. */
export function jobActivity(job: { readonly state: string; readonly jobState?: string }): JobActivity {
  const state = normalize(job.state);
  const jobState = job.jobState === undefined ? '' : normalize(job.jobState);
  if (FINISHED_STATES.includes(state) || FINISHED_STATES.includes(jobState)) return 'finished';
  // job_state can still read DEFINING while `state` flickers NOT RUNNING at start-up.
  if (RUNNING_STATES.includes(jobState) || RUNNING_STATES.includes(state)) return 'running';
  if (state === NOT_RUNNING) return 'finished';
  return 'unknown';
}

/** Called for a job link that cannot be read (the link is skipped). */
export type LinkWarning = (message: string, detail: Record<string, unknown>) => void;

/**
 * Parses a job object (the 201 answer of a POST, or a job GET) into a `DataPumpJob`. Only the file
 * name of a link counts: its last path segment, picked by extension (`.DMP` → dump, `.LOG` → log)
 * and deduplicated. A link's scheme, host and path are never used: behind a path-rewriting gateway
 * they can be anything, and every request is built from the configured ORDS URL. Links whose file
 * name cannot be read are skipped and reported to `onWarning`.
 */
export function parseJob(json: unknown, base: URL, onWarning: LinkWarning = () => {}): DataPumpJob {
  const object = asObject(json, 'job');
  const fields = jobFields(object, 'job');
  const jobState = optionalString(object, 'job_state', 'job');
  return {
    ...fields,
    ...(jobState ? { jobState } : {}),
    files: jobFiles(object.links, base, fields, onWarning),
  };
}

/** One page of the job list, as ORDS pages collections. */
export interface JobListPage {
  /** The page's jobs, without `BIN$…` rows (control tables in the recycle bin, not jobs). */
  readonly items: JobListItem[];
  /** Items the page held, `BIN$…` rows included: where the next page starts. */
  readonly pageCount: number;
  readonly hasMore: boolean;
  readonly offset: number | null;
  readonly limit: number | null;
}

/** A job list row for a dropped control table in the recycle bin (`BIN$…==$0`). */
export function isRecycleBinRow(item: { readonly jobName: string }): boolean {
  return item.jobName.toUpperCase().startsWith('BIN$');
}

/**
 * Parses one page of `GET …/database/datapump/jobs/`. Paging links are not returned: the client
 * pages with `?offset=&limit=` on the configured URL, never along a link.
 */
export function parseJobList(json: unknown): JobListPage {
  const object = asObject(json, 'job list');
  const items = object.items;
  if (!Array.isArray(items)) {
    throw new OrdsResponseError(`ORDS sent a job list without an "items" array: ${snippetOf(json)}`);
  }
  const rows = items.map((item, index) =>
    jobFields(asObject(item, `job list item ${index}`), `job list item ${index}`),
  );
  return {
    items: rows.filter((row) => !isRecycleBinRow(row)),
    pageCount: rows.length,
    hasMore: object.hasMore === true || object.hasMore === 'true',
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

function jobFiles(
  links: unknown,
  base: URL,
  job: { readonly owner: string; readonly jobName: string },
  onWarning: LinkWarning,
): JobFile[] {
  const files: JobFile[] = [];
  const seen = new Set<string>();
  for (const link of linksOf(links)) {
    const name = fileNameOfHref(link.href);
    if (name === null) {
      onWarning('Skipping a job link whose file name cannot be read', {
        jobName: job.jobName,
        href: sanitizeSnippet(link.href, 200),
      });
      continue;
    }
    const kind = /\.dmp$/i.test(name) ? 'dump' : /\.log$/i.test(name) ? 'log' : null;
    if (kind === null) continue;
    const key = `${kind}:${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    files.push({ name, kind, url: jobFileUrl(base, job.owner, job.jobName, name).href });
  }
  return files;
}

/**
 * The file name a link carries: its last path segment, percent-decoded where the encoding is valid
 * (a raw `%`, as in a `%U` template, stays as it is). An empty string for a link ending in `/`;
 * null when the href is not a URL or the name holds control characters or path separators.
 */
export function fileNameOfHref(href: string): string | null {
  let pathname: string;
  try {
    pathname = new URL(href, 'http://link.invalid/').pathname;
  } catch {
    return null;
  }
  const name = safeDecode(pathname.slice(pathname.lastIndexOf('/') + 1)).trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters make a name unusable
  if (/[\u0000-\u001f\u007f/\\]/.test(name) || name === '.' || name === '..') return null;
  return name;
}

/** Decodes valid `%XX` UTF-8 sequences and leaves anything else (a lone `%`) as it is. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
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
