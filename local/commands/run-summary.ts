import { ErrorName } from '../../functions/core/base/index.js';
import type { BackupSummary } from '../../functions/core/state/index.js';
import { readableCause } from '../../functions/core/state/index.js';
import { describeCleanup } from '../describe-cleanup.js';
import { formatBytes } from '../format.js';

/** The summary of a succeeded execution, from its output, in the layout `npm start` prints. */
export function describeSummary(
  output: Partial<BackupSummary> | undefined,
  durationSeconds: number,
): string[] {
  const lines = [`Backup of "${output?.database ?? '?'}" complete in ${durationSeconds} s`];
  if (output?.jobName) lines.push(`  job      ${output.jobName}`);
  if (output?.verdict) lines.push(`  verdict  ${output.verdict}`);
  if (output?.consistency) lines.push(`  consistency ${output.consistency}`);
  for (const file of output?.files ?? []) {
    lines.push(`  file     ${formatBytes(file.bytes).padStart(10)}  ${file.uri}`);
  }
  if (output?.totalBytes !== undefined) {
    const rate = output.throughputMiBps === undefined ? '' : ` · ${output.throughputMiBps} MiB/s`;
    lines.push(`  total    ${formatBytes(output.totalBytes)}${rate}`);
  }
  if (output?.manifest) lines.push(`  manifest ${output.manifest}`);
  if (output?.tier) lines.push(`  tier     ${output.tier}, deletable from ${output.deletableFrom ?? '?'}`);
  return [...lines, ...describeCleanup(output)];
}

/**
 * The lines of a failed execution: its error name and the cause's sentence. `DatabaseBusyError`
 * gets a line of its own: nothing is wrong with the backup, another run holds the database.
 */
export function describeFailure(
  database: string,
  status: string,
  error: string | undefined,
  cause: string | undefined,
  durationSeconds: number,
): string[] {
  const name = error ?? status;
  const lines = [`Backup of "${database}" ${status} after ${durationSeconds} s: ${name}`];
  if (name === ErrorName.DatabaseBusy) {
    lines.push(
      `  Database "${database}" is busy: another execution is backing it up, so this run started no export.`,
    );
  }
  if (cause) lines.push(`  ${readableCause(cause)}`);
  return lines;
}

/** Parses an execution's JSON output or input; undefined when absent or not JSON. */
export function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
