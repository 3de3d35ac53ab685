import { BackupError, ErrorName, OrdsResponseError } from '../base/index.js';
import { sanitizeSnippet } from '../ords/index.js';
import type { SqlBind } from './consistent-block.js';

/**
 * Reading REST-enabled SQL's answers on the consistent path: the answer to the block that starts the
 * job (the SCN from its OUT bind, or ORA-31634 when the job already exists), and the polling query on
 * `USER_DATAPUMP_JOBS` (../shared/consistent-export.md §1.3, §5.3, §6).
 */

/** How the start block ended. */
export type ConsistentStartAnswer =
  /** The job was defined and started at `scn` (decimal digits: SCNs can pass 2^53). */
  | {
      readonly kind: 'started';
      readonly scn: string;
      /** The database time (UTC, ISO) read right after the SCN in the block; null when not returned. */
      readonly scnTime: string | null;
    }
  /**
   * ORA-31634: a job (or a table) of this name exists, i.e. an earlier attempt of this run made it.
   * Adopt it only once `USER_DATAPUMP_JOBS` lists it (`pollRequest`): a table of that name is no job.
   */
  | { readonly kind: 'exists'; readonly errorDetails: string };

/** Oracle's "job already exists" (DBMS_DATAPUMP.job_exists). */
export const ORA_JOB_EXISTS = 31634;

interface SqlItem {
  readonly errorCode?: unknown;
  readonly errorDetails?: unknown;
  readonly binds?: unknown;
  readonly resultSet?: unknown;
}

/**
 * Parses REST-enabled SQL's 200 answer to the start block of job `jobName`. ORA-31634 (also when the
 * block's handler wrapped it into ORA-20001) is the adopt signal; any other ORA- error throws an
 * `ExportFailedError` naming the code; an answer without the item or the SCN OUT bind throws an
 * `OrdsResponseError` (the job may exist: the caller looks it up before starting another).
 */
export function parseConsistentStartAnswer(json: unknown, jobName: string): ConsistentStartAnswer {
  const item = onlyItem(json, 'the consistent export block');
  if (item.errorCode !== undefined && item.errorCode !== null) {
    const details = typeof item.errorDetails === 'string' ? item.errorDetails : '';
    const code = Number(item.errorCode);
    const shown = sanitizeSnippet(details, 600) || `ORA-${String(item.errorCode)}`;
    if (code === ORA_JOB_EXISTS || /\bORA-31634\b/.test(details)) {
      return { kind: 'exists', errorDetails: shown };
    }
    // The block's handler wraps Data Pump's error into ORA-20001: name the error it wrapped.
    const codes = details.match(/\bORA-\d{5}\b/g) ?? [];
    const named =
      codes.find((found) => found !== 'ORA-20001' && found !== 'ORA-06512') ??
      codes[0] ??
      `ORA-${String(code).padStart(5, '0')}`;
    throw new BackupError(
      ErrorName.ExportFailed,
      `Data Pump refused to define or start the consistent export job ${jobName} (${named}): ${shown}`,
    );
  }
  const binds = Array.isArray(item.binds) ? (item.binds as unknown[]) : [];
  const out = binds.find((bind) => (bind as SqlBind | null)?.name?.toLowerCase() === 'scn_out') as
    | { result?: unknown; value?: unknown }
    | undefined;
  const raw = out?.result ?? out?.value;
  const scn = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof scn !== 'string' || !/^\d{1,20}$/.test(scn.trim()) || /^0+$/.test(scn.trim())) {
    throw new OrdsResponseError(
      `REST-enabled SQL ran the block of job ${jobName} but returned no SCN in the OUT bind scn_out (got ${sanitizeSnippet(JSON.stringify(raw) ?? 'nothing', 80)}): the job may have started; look it up before starting another`,
    );
  }
  const time = binds.find((bind) => (bind as SqlBind | null)?.name?.toLowerCase() === 'scn_time_out') as
    | { result?: unknown; value?: unknown }
    | undefined;
  const rawTime = time?.result ?? time?.value;
  return { kind: 'started', scn: scn.trim(), scnTime: isoOfBasic(rawTime) };
}

/** `20261207T020005.123Z` (the block's basic ISO 8601) as `2026-12-07T02:00:05.123Z`; null otherwise. */
function isoOfBasic(value: unknown): string | null {
  const match =
    typeof value === 'string'
      ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z$/.exec(value.trim())
      : null;
  if (!match) return null;
  const [, y, mo, d, h, mi, s, ms] = match;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`;
  return Number.isNaN(Date.parse(iso)) || new Date(iso).toISOString() !== iso ? null : iso;
}

/** The query that polls a job of the connected user: no grant needed, unlike DBA_DATAPUMP_JOBS. */
export const POLL_STATEMENT =
  'SELECT state, attached_sessions, datapump_sessions FROM user_datapump_jobs WHERE job_name = :j';

/** The REST-enabled SQL request that polls job `jobName`. */
export function pollRequest(jobName: string): { statementText: string; binds: readonly SqlBind[] } {
  return { statementText: POLL_STATEMENT, binds: [{ name: 'j', data_type: 'VARCHAR2', value: jobName }] };
}

/** What `USER_DATAPUMP_JOBS` says of a job. */
export interface ConsistentJobState {
  /** The job's state (`EXECUTING`, `NOT RUNNING`, …), null when it has no row (control table gone). */
  readonly state: string | null;
  /** Whether the job has no more processes: `NOT RUNNING`, or no row. Read the log for the verdict. */
  readonly finished: boolean;
  readonly datapumpSessions: number | null;
}

/** Parses the answer of `pollRequest`: one row or none. More than one row is refused. */
export function parsePollAnswer(json: unknown, jobName: string): ConsistentJobState {
  const item = onlyItem(json, `the state query of job ${jobName}`);
  if (item.errorCode !== undefined && item.errorCode !== null) {
    const details =
      typeof item.errorDetails === 'string' ? item.errorDetails : `ORA-${String(item.errorCode)}`;
    throw new OrdsResponseError(`the state query of job ${jobName} failed: ${sanitizeSnippet(details, 300)}`);
  }
  const rows = (item.resultSet as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(rows)) {
    throw new OrdsResponseError(`the state query of job ${jobName} returned no result set`);
  }
  if (rows.length === 0) return { state: null, finished: true, datapumpSessions: null };
  if (rows.length > 1) {
    throw new OrdsResponseError(
      `the state query of job ${jobName} returned ${rows.length} rows, expected one`,
    );
  }
  const row = (rows[0] ?? {}) as Record<string, unknown>;
  const rawState = row.state ?? row.STATE;
  if (typeof rawState !== 'string' || rawState.trim() === '') {
    throw new OrdsResponseError(
      `the state query of job ${jobName} returned a row without a state: ${sanitizeSnippet(JSON.stringify(row), 200)}`,
    );
  }
  const state = rawState.trim().toUpperCase();
  const sessions = Number(row.datapump_sessions ?? row.DATAPUMP_SESSIONS);
  return {
    state,
    finished: state === 'NOT RUNNING',
    datapumpSessions: Number.isFinite(sessions) ? sessions : null,
  };
}

/** The one item of a one-statement answer, or an OrdsResponseError naming what came instead. */
function onlyItem(json: unknown, what: string): SqlItem {
  const items = (json as { items?: unknown } | null)?.items;
  if (typeof json !== 'object' || json === null || !Array.isArray(items)) {
    const shown = typeof json === 'string' ? json : JSON.stringify(json);
    throw new OrdsResponseError(
      `REST-enabled SQL answered ${what} without an items list: ${sanitizeSnippet(shown ?? '', 200)}`,
    );
  }
  if (items.length !== 1 || typeof items[0] !== 'object' || items[0] === null) {
    throw new OrdsResponseError(
      `REST-enabled SQL answered ${items.length} item(s) for ${what}, expected one`,
    );
  }
  return items[0] as SqlItem;
}
