import { DescribeExecutionCommand, type ExecutionListItem, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { DATABASE_ID } from '../../functions/core/state/index.js';
import { formatBytes } from '../format.js';
import { parseJson } from './run-summary.js';
import { type SlotWait, slotWaitOf } from './slot-waits.js';
import {
  awsProblem,
  consoleLink,
  ExitCode,
  formatDuration,
  type Output,
  type SfnSender,
  type StateMachineRef,
  UsageError,
} from './state-machine.js';

/** What `runs` needs: Step Functions, a clock (for runs still going), and where to write. */
export interface ListRunsDeps extends Output {
  readonly sfn: SfnSender;
  readonly now: () => Date;
}

/** What `runs` was asked. */
export interface ListRunsOptions {
  readonly machine: StateMachineRef;
  /** Only this database's runs. @default - every database's */
  readonly database?: string;
  /** How many runs to list. */
  readonly limit: number;
  readonly json: boolean;
}

/** One run as listed. */
export interface RunRow {
  readonly database: string;
  readonly name: string;
  /** The execution status, or for a succeeded one the export's verdict when its output says it. */
  readonly verdict: string;
  readonly status: string;
  readonly startDate: string | null;
  readonly durationSeconds: number | null;
  readonly totalBytes: number | null;
  /** The backup's retention tier (with retention tiers), from the execution's output. */
  readonly tier: string | null;
  /** The first instant the lifecycle may delete the backup (with retention tiers). */
  readonly deletableFrom: string | null;
  readonly error: string | null;
  /** How long the run waited for an ORDS slot, when it did (described runs only). */
  readonly slotWait?: SlotWait;
  readonly executionArn: string;
  readonly link: string;
}

/** The most runs one listing shows. */
export const MAX_LIMIT = 200;
/** Executions read with DescribeExecution at most per listing (for sizes and errors): one call each. */
export const MAX_DESCRIBED = 25;
/** Pages of ListExecutions read at most when filtering by database (1,000 executions each). */
const MAX_PAGES = 10;

/** Checks `--limit`: a whole number from 1 to MAX_LIMIT. */
export function parseLimit(text: string | undefined): number {
  if (text === undefined) return 10;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${text}"`);
  }
  return limit;
}

/** The database an execution name starts with (`orders_20261201T020000Z` → `orders`), or null. */
export function databaseOfName(name: string): string | null {
  const prefix = name.split('_')[0] ?? '';
  return name.includes('_') && DATABASE_ID.test(prefix) ? prefix : null;
}

/** Lists the last runs, newest first, and prints them as a table or one JSON line. */
export async function listRuns(deps: ListRunsDeps, options: ListRunsOptions): Promise<ExitCode> {
  const { database, machine } = options;
  if (database !== undefined && !DATABASE_ID.test(database)) {
    throw new UsageError(
      `database "${database}" is not a database id; allowed: 2 to 32 of a-z, 0-9 and -, starting with a letter`,
    );
  }
  const { executions, truncated } = await readExecutions(deps.sfn, options);
  const rows: RunRow[] = [];
  for (const [index, execution] of executions.entries()) {
    rows.push(await rowOf(deps, machine.region, execution, index < MAX_DESCRIBED));
  }
  if (options.json) {
    deps.out(JSON.stringify(rows));
    return ExitCode.Ok;
  }
  if (rows.length === 0) {
    deps.out(`No runs${database ? ` of "${database}"` : ''} on ${machine.arn}`);
  }
  for (const row of rows) {
    const size = row.totalBytes === null ? '' : formatBytes(row.totalBytes);
    const took = row.durationSeconds === null ? '' : formatDuration(row.durationSeconds);
    const waited = row.slotWait
      ? ` waited ${formatDuration(row.slotWait.seconds)} for an ORDS slot (${row.slotWait.tries} tries${row.slotWait.taken ? '' : ', window missed'})`
      : '';
    const detail = `${row.error ? ` ${row.error}` : ''}${waited}`;
    const kept = row.tier ? ` ${row.tier}, deletable from ${row.deletableFrom?.slice(0, 10) ?? '?'}` : '';
    deps.out(
      `${row.database.padEnd(12)} ${(row.startDate ?? '').padEnd(20)} ${row.verdict.padEnd(21)} ${size.padStart(10)} ${took.padStart(12)}${kept}${detail}`,
    );
    deps.out(`  ${row.link}`);
  }
  if (truncated) {
    deps.err(`(read the newest ${MAX_PAGES * 1000} executions only; older runs are not shown)`);
  }
  return ExitCode.Ok;
}

async function readExecutions(
  sfn: SfnSender,
  options: ListRunsOptions,
): Promise<{ executions: ExecutionListItem[]; truncated: boolean }> {
  const found: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    let answer: Awaited<ReturnType<typeof listPage>>;
    try {
      answer = await listPage(sfn, options, nextToken);
    } catch (error) {
      throw awsProblem(error, `Listing the executions of ${options.machine.arn}`);
    }
    for (const execution of answer.executions ?? []) {
      if (options.database !== undefined && databaseOfName(execution.name ?? '') !== options.database)
        continue;
      found.push(execution);
      if (found.length === options.limit) return { executions: found, truncated: false };
    }
    nextToken = answer.nextToken;
    if (!nextToken) return { executions: found, truncated: false };
  }
  return { executions: found, truncated: true };
}

function listPage(sfn: SfnSender, options: ListRunsOptions, nextToken: string | undefined) {
  // Without a filter one page of `limit` is enough; with one, read full pages (ListExecutions
  // cannot filter by name) until enough runs of that database are found.
  const maxResults = options.database === undefined ? options.limit : 1000;
  return sfn.send(new ListExecutionsCommand({ stateMachineArn: options.machine.arn, maxResults, nextToken }));
}

async function rowOf(
  deps: ListRunsDeps,
  region: string,
  execution: ExecutionListItem,
  describe: boolean,
): Promise<RunRow> {
  const executionArn = execution.executionArn ?? '';
  const status = execution.status ?? 'UNKNOWN';
  let database = databaseOfName(execution.name ?? '') ?? '?';
  let verdict = status;
  let totalBytes: number | null = null;
  let tier: string | null = null;
  let deletableFrom: string | null = null;
  let error: string | null = null;
  let slotWait: SlotWait | null = null;
  if (describe && status !== 'RUNNING' && status !== 'PENDING_REDRIVE') {
    const described = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const input = parseJson(described.input);
    if (typeof input?.database === 'string') database = input.database;
    const output = parseJson(described.output);
    if (typeof output?.totalBytes === 'number') totalBytes = output.totalBytes;
    if (typeof output?.tier === 'string' && /^[a-z]{1,16}$/.test(output.tier)) tier = output.tier;
    if (typeof output?.deletableFrom === 'string' && !Number.isNaN(Date.parse(output.deletableFrom))) {
      deletableFrom = output.deletableFrom;
    }
    if (status === 'SUCCEEDED' && typeof output?.verdict === 'string') verdict = output.verdict;
    error = described.error ?? null;
    slotWait = await slotWaitOf(deps.sfn, executionArn);
  }
  const start = execution.startDate;
  const stop = execution.stopDate ?? (status === 'RUNNING' ? deps.now() : undefined);
  return {
    database,
    name: execution.name ?? '',
    verdict,
    status,
    startDate: start ? start.toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
    durationSeconds: start && stop ? (stop.getTime() - start.getTime()) / 1000 : null,
    totalBytes,
    tier,
    deletableFrom,
    error,
    ...(slotWait ? { slotWait } : {}),
    executionArn,
    link: consoleLink(region, executionArn),
  };
}
