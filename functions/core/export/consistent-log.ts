import type { Verdict } from '../state/index.js';
import { LOG_MARKER } from './consistent-block.js';
import { type ExportLog, type LogJob, parseExportLog, stripLogLinePrefix } from './datapump-log.js';

/**
 * What a consistent export's log proves (../shared/consistent-export.md §3, §7): the marker line that
 * `LOG_ENTRY` wrote with the SCN the block read, and whether a table was skipped because undo did not
 * reach back to that SCN (ORA-01555), its DDL changed after it (ORA-01466), or its data could not be
 * unloaded (ORA-31693). Such a dump has a hole, so the verdict fails even where "completed with errors"
 * is accepted.
 */

/** Errors that mean a table is missing from a consistent export. */
export const HOLE_ERRORS = ['ORA-01555', 'ORA-01466', 'ORA-31693'] as const;

/** The evidence a consistent export's log gives. */
export interface ConsistentLogEvidence {
  /** The log as every export log is read. */
  readonly log: ExportLog;
  /** The marker line (without its LOGTIME timestamp), null when the log has none for this run. */
  readonly markerLine: string | null;
  /** The SCN the marker line names, null without a marker. */
  readonly markerScn: string | null;
  /** The lines naming ORA-01555, ORA-01466 or ORA-31693, in order, at most 20. */
  readonly holeLines: readonly string[];
  /**
   * The verdict for a consistent backup: `failed` when a table was skipped or the marker is missing or
   * names another SCN, else the log's own verdict (null while it has no final line).
   */
  readonly verdict: Verdict | null;
  /** Why the verdict is `failed` although the log's own is not, else null. */
  readonly reason: string | null;
}

const MAX_HOLE_LINES = 20;

/**
 * Reads the log of a consistent export of `job`, started by run `runId` at `scn`; `scn` null (a job
 * the run adopted, whose block's answer it never saw): the marker line of run `runId` names it.
 */
export function readConsistentLog(
  text: string,
  job: LogJob,
  expected: { readonly runId: string; readonly scn: string | null },
): ConsistentLogEvidence {
  const log = parseExportLog(text, job);
  const marker = new RegExp(`^${LOG_MARKER} run=(\\S+) FLASHBACK_SCN=(\\d+)\\s*$`);
  let markerLine: string | null = null;
  let markerScn: string | null = null;
  const holeLines: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = stripLogLinePrefix(raw.trim());
    const found = marker.exec(line);
    if (found && found[1] === expected.runId && markerLine === null) {
      markerLine = line;
      markerScn = found[2] ?? null;
    }
    if (HOLE_ERRORS.some((code) => mentions(line, code)) && holeLines.length < MAX_HOLE_LINES) {
      holeLines.push(line);
    }
  }
  const reason = holeReason(holeLines) ?? markerReason(log, markerScn, expected.scn);
  return {
    log,
    markerLine,
    markerScn,
    holeLines,
    verdict: reason !== null ? 'failed' : log.verdict,
    reason,
  };
}

function holeReason(holeLines: readonly string[]): string | null {
  if (holeLines.length === 0) return null;
  const codes = HOLE_ERRORS.filter((code) => holeLines.some((line) => mentions(line, code)));
  return (
    `the consistent export skipped data (${codes.join(', ')}): ${holeLines[0]}. ` +
    'A table missing from a point-in-time backup is a hole, so the run fails even where completed-with-errors is accepted. ' +
    'ORA-01555 means undo did not keep the changes back to the export SCN for the whole export: ' +
    "ask the DBA to raise UNDO_RETENTION above the export's elapsed time (or use a larger, autoextensible undo tablespace); " +
    'ORA-01466 means a table was changed by DDL (TRUNCATE, ALTER) after the SCN: move that job outside the backup window'
  );
}

function markerReason(log: ExportLog, markerScn: string | null, scn: string | null): string | null {
  // Only a finished log must carry the marker: LOG_ENTRY writes it before START_JOB.
  if (log.verdict === null) return null;
  if (markerScn === null) {
    const at = scn ?? 'n';
    return `the log has no line "${LOG_MARKER} run=… FLASHBACK_SCN=${at}": nothing in it proves the export was consistent at ${scn === null ? 'one SCN' : `SCN ${scn}`}`;
  }
  if (scn !== null && markerScn !== scn) {
    return `the log says FLASHBACK_SCN=${markerScn} but the run read SCN ${scn}: the job is not the one this run started`;
  }
  return null;
}

/** Whether `line` names the error `code` (not a longer number that starts with it). */
function mentions(line: string, code: string): boolean {
  return new RegExp(`\\b${code}(?!\\d)`).test(line);
}
