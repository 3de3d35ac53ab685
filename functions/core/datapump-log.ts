import type { Verdict } from './payloads.js';

/**
 * Reading a Data Pump export log. ORDS reports `NOT RUNNING` whether a job succeeded, failed or was
 * stopped: only the log's last `Job "OWNER"."JOB" …` line says how it ended.
 */

/** What an export log says. */
export interface ExportLog {
  /** How the job ended, or null when the log has no final `Job "…"."…"` line (yet). */
  readonly verdict: Verdict | null;
  /** The last `Job "OWNER"."JOB" …` line, or null when there is none. */
  readonly summary: string | null;
  /** ORA-, UDE- and LRM- lines in order of appearance, deduplicated, at most `MAX_LOG_ERRORS`. */
  readonly errors: string[];
  /** Base names of the files listed under `Dump file set for OWNER.JOB is:`, deduplicated. */
  readonly dumpFiles: string[];
}

/** Most error lines kept from a log. */
export const MAX_LOG_ERRORS = 20;

/** `LOGTIME=ALL` prefixes lines with a timestamp such as `23-NOV-26 02:00:01.123: `. */
const TIMESTAMP_PREFIX = /^\d[\dA-Za-z./ -]*\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?:\s+/;
const JOB_LINE = /^Job\s+"[^"]*"\."[^"]*"\s+\S/;
const SUCCEEDED = /\bsuccessfully completed at\b/i;
const COMPLETED_WITH_ERRORS = /\bcompleted with \d+ errors?(?:\(s\))? at\b/i;
const ERROR_LINE = /^(?:ORA|UDE|LRM)-\d+/;
const DUMP_FILE_SET = /^Dump file set for\s+\S+\s+is:\s*$/i;

/**
 * Parses an export log: the verdict from its last `Job "OWNER"."JOB" …` line (`successfully
 * completed at` → succeeded, `completed with N error(s) at` → completed-with-errors, anything else —
 * `stopped due to fatal error`, `stopped by user request`, … — → failed), its error lines and the
 * dump files it wrote. Copes with CRLF, trailing blanks, a BOM and `LOGTIME` timestamps.
 */
export function parseExportLog(text: string): ExportLog {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim().replace(TIMESTAMP_PREFIX, ''));

  let summary: string | null = null;
  const errors: string[] = [];
  const dumpFiles: string[] = [];
  let inDumpFileSet = false;

  for (const line of lines) {
    const isJobLine = JOB_LINE.test(line);
    if (inDumpFileSet) {
      if (line === '' || isJobLine || ERROR_LINE.test(line) || /^\*+$/.test(line)) {
        inDumpFileSet = false;
      } else {
        const name = baseName(line);
        if (name !== '' && !dumpFiles.includes(name)) dumpFiles.push(name);
        continue;
      }
    }
    if (isJobLine) summary = line;
    else if (DUMP_FILE_SET.test(line)) inDumpFileSet = true;
    else if (ERROR_LINE.test(line) && !errors.includes(line) && errors.length < MAX_LOG_ERRORS)
      errors.push(line);
  }

  return { verdict: summary === null ? null : verdictOf(summary), summary, errors, dumpFiles };
}

function verdictOf(summary: string): Verdict {
  if (SUCCEEDED.test(summary)) return 'succeeded';
  if (COMPLETED_WITH_ERRORS.test(summary)) return 'completed-with-errors';
  return 'failed';
}

/** The last segment of a server path or object storage URL (`/u01/…/X-01.DMP`, `C:\…\X.DMP`). */
function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).trim();
}
