import type { Verdict } from '../state/index.js';

/**
 * Reading a Data Pump export log. ORDS reports `NOT RUNNING` whether a job succeeded, failed or was
 * stopped: only the log's final line about the job says how it ended. Data Pump writes the log in the
 * session's language (ORDS takes `NLS_LANGUAGE` from its JVM locale), so the final line is found by the
 * job's quoted `"OWNER"."JOB"`, and read in every language this project has real wording for.
 */

/** The job a log belongs to, as ORDS names it. */
export interface LogJob {
  readonly owner: string;
  readonly jobName: string;
}

/** Languages whose final lines this project reads. */
export type LogLanguage = 'en' | 'ja';

/** What an export log says. */
export interface ExportLog {
  /** How the job ended, or null when the log has no final line this project can read (yet). */
  readonly verdict: Verdict | null;
  /** The final line about the job, or null when there is none. */
  readonly summary: string | null;
  /** The language of the final line, null when there is none or it is in an unknown language. */
  readonly language: LogLanguage | null;
  /**
   * The last line naming the job when it is in no form this project knows (a language without
   * wording here): the job may well have ended, but nobody can tell how. Null otherwise.
   */
  readonly unknownLine: string | null;
  /** ORA-, UDE- and LRM- lines in order of appearance, deduplicated, at most `MAX_LOG_ERRORS`. */
  readonly errors: string[];
  /** Base names of the files listed in the dump file set block, deduplicated. */
  readonly dumpFiles: string[];
}

/** Most error lines kept from a log. */
export const MAX_LOG_ERRORS = 20;

/** `LOGTIME=ALL` prefixes lines with a timestamp such as `23-NOV-26 02:00:01.123: ` (months localized). */
const TIMESTAMP_PREFIX = /^\d[\d\p{L}./ -]*\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?:\s+/u;
/** `METRICS=1` prefixes a worker's lines with its number, such as `W-1 `. */
const WORKER_PREFIX = /^W-\d+\s+/;

/** A trimmed log line without its `LOGTIME` timestamp and `METRICS` worker prefix. */
export function stripLogLinePrefix(line: string): string {
  return line.replace(TIMESTAMP_PREFIX, '').replace(WORKER_PREFIX, '');
}
const ERROR_LINE = /^(?:ORA|UDE|LRM)-\d+/;

/**
 * The final lines of each language (Oracle's message texts; the Japanese ones from real transcripts,
 * ../shared/ords-datapump-api.md) and the lines that name the job before it ends. The quoted
 * `"OWNER"."JOB"` is replaced by `JOB` before matching.
 */
const FORMS: ReadonlyArray<{
  readonly language: LogLanguage;
  readonly final: ReadonlyArray<readonly [RegExp, Verdict]>;
  /** Lines naming the job that are not its final line (start, control table, restart). */
  readonly progress: readonly RegExp[];
  readonly dumpFileSet: RegExp;
}> = [
  {
    language: 'en',
    final: [
      [/^Job JOB successfully completed at\b/i, 'succeeded'],
      [/^Job JOB completed with \d+ errors?(?:\(s\))? at\b/i, 'completed-with-errors'],
      // `stopped due to fatal error at`, `stopped by user request at`.
      [/^Job JOB stopped\b/i, 'failed'],
    ],
    progress: [/^Starting JOB/i, /^(?:Master|Control) table JOB\b/i, /^Job JOB has been reopened\b/i],
    dumpFileSet: /^Dump file set for\s+\S+\s+is:\s*$/i,
  },
  {
    language: 'ja',
    final: [
      [/^ジョブJOBが.*で正常に完了しました/, 'succeeded'],
      [/^ジョブJOBが.*\d+\s*個のエラー.*完了しました/, 'completed-with-errors'],
      [/^ジョブJOBは.*で停止しました/, 'failed'],
    ],
    progress: [/^JOBを起動しています/, /^マスター表JOB/, /^制御表JOB/],
    dumpFileSet: /^\S+に設定されたダンプ・ファイルは次のとおりです\s*[:：]?\s*$/,
  },
];

/**
 * Parses an export log of `job`: the verdict from the last line naming `"OWNER"."JOB"` (success,
 * completed with N errors, or any other end → failed), its error lines and the dump files it wrote.
 * Copes with CRLF, trailing blanks, a BOM and `LOGTIME` timestamps.
 */
export function parseExportLog(text: string, job: LogJob): ExportLog {
  const quoted = `"${job.owner}"."${job.jobName}"`.toUpperCase();
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((line) => stripLogLinePrefix(line.trim()));

  let last: string | null = null;
  const errors: string[] = [];
  const dumpFiles: string[] = [];
  let inDumpFileSet = false;

  for (const line of lines) {
    const namesJob = line.toUpperCase().includes(quoted);
    if (inDumpFileSet) {
      if (line === '' || namesJob || ERROR_LINE.test(line) || /^\*+$/.test(line)) {
        inDumpFileSet = false;
      } else {
        const name = baseName(line);
        if (name !== '' && !dumpFiles.includes(name)) dumpFiles.push(name);
        continue;
      }
    }
    if (namesJob) last = line;
    else if (FORMS.some((form) => form.dumpFileSet.test(line))) inDumpFileSet = true;
    else if (ERROR_LINE.test(line) && !errors.includes(line) && errors.length < MAX_LOG_ERRORS)
      errors.push(line);
  }

  const ending = last === null ? null : readFinalLine(last, quoted);
  return {
    verdict: ending?.kind === 'final' ? ending.verdict : null,
    summary: ending?.kind === 'final' ? last : null,
    language: ending?.kind === 'final' ? ending.language : null,
    unknownLine: ending === null ? last : null,
    errors,
    dumpFiles,
  };
}

type Ending =
  | { readonly kind: 'final'; readonly verdict: Verdict; readonly language: LogLanguage }
  | { readonly kind: 'progress' };

/** What the last line naming the job is: a final line, a progress line, or null (unknown form). */
function readFinalLine(line: string, quoted: string): Ending | null {
  const at = line.toUpperCase().indexOf(quoted);
  const shape = `${line.slice(0, at)}JOB${line.slice(at + quoted.length)}`;
  for (const form of FORMS) {
    if (form.progress.some((pattern) => pattern.test(shape))) return { kind: 'progress' };
    const found = form.final.find(([pattern]) => pattern.test(shape));
    if (found) return { kind: 'final', verdict: found[1], language: form.language };
  }
  return null;
}

/** The last segment of a server path or object storage URL (`/u01/…/X-01.DMP`, `C:\…\X.DMP`). */
function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).trim();
}
