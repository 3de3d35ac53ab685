import { JobNotFoundError, LogLanguageUnknownError, OrdsResponseError } from '../base/index.js';
import type { JobFile, JobTaskDeps, OrdsApi } from '../ords/index.js';
import { isOrdsNotFound, sanitizeSnippet } from '../ords/index.js';
import type { FileToCopy, ReadLogPayload, VerdictResult } from '../state/index.js';
import { backupFolder, logFileNameOf } from '../state/index.js';
import { readConsistentLog } from './consistent-log.js';
import { parseExportedObjects } from './datapump-exported.js';
import { type ExportLog, parseExportLog } from './datapump-log.js';

/** ORA- lines shown in the console's cause: enough to diagnose, short enough to read. */
const MAX_ERRORS_IN_CAUSE = 10;

/** What `readLog` needs: the payload and the database's key prefix (from its binding). */
export type ReadLogInput = ReadLogPayload & { readonly prefix: string };

/**
 * Reads the finished job's log and decides the verdict from its final `Job "…"."…"` line (the job's
 * `state` reads NOT RUNNING whether it succeeded, failed or was stopped). Lists the files to store:
 * every dump file and the log; only the log when the export failed, so the DBA can read why. Checks
 * that every dump file the log names is linked by ORDS: a backup must never miss a file silently.
 */
export async function readLog(deps: JobTaskDeps, payload: ReadLogInput): Promise<VerdictResult> {
  const { ords, logger } = deps;
  const { owner, jobName } = payload.job;
  const exportName = `Data Pump export ${owner}.${jobName} of database "${payload.database}"`;
  const folder = backupFolder(payload.prefix, payload.database, payload.job.startedAt, jobName);
  const toCopy = (file: Pick<JobFile, 'name' | 'kind'>): FileToCopy => ({
    name: file.name,
    kind: file.kind,
    key: `${folder}${file.name}`,
  });
  const checkedAt = deps.now().toISOString();
  // A job ORDS neither lists nor answers (polled through USER_DATAPUMP_JOBS) is read by its file names.
  const job = payload.job.pollBy === 'rest-sql' ? null : await ords.getJob(owner, jobName);
  if (!job) return readLogOfDroppedJob(deps, payload, exportName, folder, toCopy);
  const logFile = job.files.find((file) => file.kind === 'log');
  const dumpFiles = job.files.filter((file) => file.kind === 'dump');

  if (!logFile) {
    const summary = `${exportName} has no log file: Data Pump failed before it could open one`;
    return { verdict: 'failed', summary, errors: [], cause: `${summary}.`, files: [], checkedAt };
  }
  const text = await readLogText(ords, owner, jobName, logFile.name);
  if (text === null) {
    const summary =
      `${exportName} links the log ${logFile.name} but ORDS answers 404 for it` +
      (payload.job.path === 'rest-sql'
        ? ': this ORDS does not serve the files of Data Pump jobs made through REST-enabled SQL, so point-in-time ' +
          'backups cannot be read through it (set "consistency": "per-table" for this database)'
        : '');
    // A job this run made (point-in-time) must not stay on the server: its linked dump files go.
    const left = payload.job.path === 'rest-sql' ? dumpFiles.map((file) => file.name) : [];
    return {
      verdict: 'failed',
      summary,
      errors: [],
      cause: `${summary}.`,
      files: [],
      ...(left.length > 0 ? { dumpFilesLeft: left } : {}),
      checkedAt,
    };
  }
  const consistent = consistentVerdict(text, payload, exportName);
  const log = consistent?.log ?? readVerdict(text, payload, exportName, logFile.name, logger);
  if (log.verdict === null || log.verdict === 'failed') {
    const left = [...dumpFiles.map((file) => file.name), ...log.dumpFiles];
    return failedResult(log, exportName, toCopy(logFile), checkedAt, left);
  }

  if (log.dumpFiles.length === 0) {
    return incompleteLogResult(log, exportName, toCopy(logFile), checkedAt);
  }
  const linked = new Set(dumpFiles.map((file) => file.name.toUpperCase()));
  const missing = log.dumpFiles.filter((name) => !linked.has(name.toUpperCase()));
  if (missing.length > 0) {
    throw new OrdsResponseError(
      `${exportName}: the log lists dump file(s) ${missing.join(', ')} that ORDS does not link ` +
        `(linked: ${[...linked].join(', ') || 'none'}). Refusing to store an incomplete dump file set.`,
    );
  }
  if (dumpFiles.length === 0) {
    throw new OrdsResponseError(`${exportName} reports "${log.summary}" but ORDS links no dump file`);
  }
  const summary = log.summary ?? '';
  return {
    verdict: log.verdict,
    summary,
    errors: log.errors,
    cause: describe(headlineOf(log, exportName, folder), summary, log.errors),
    files: [...dumpFiles.map(toCopy), toCopy(logFile)],
    exported: parseExportedObjects(text),
    ...(consistent?.evidence ? { consistentEvidence: consistent.evidence } : {}),
    checkedAt,
  };
}

/**
 * The verdict of a consistent export's log (path `rest-sql`), null for the ORDS export POST: a table
 * skipped for undo or DDL (ORA-01555, ORA-01466, ORA-31693), or a marker line that is missing or names
 * another SCN, fails it whatever `acceptCompletedWithErrors` says. The reason leads its ORA- lines.
 */
function consistentVerdict(
  text: string,
  payload: ReadLogPayload,
  exportName: string,
): { log: ExportLog; evidence: { scn: string; markerLine: string } | null } | null {
  if (payload.job.path !== 'rest-sql') return null;
  const read = readConsistentLog(text, payload.job, {
    runId: payload.job.runId,
    scn: payload.job.scn ?? null,
  });
  if (read.log.unknownLine !== null) return null;
  if (read.reason !== null) {
    return {
      log: { ...read.log, verdict: 'failed', errors: [`${exportName}: ${read.reason}`, ...read.log.errors] },
      evidence: null,
    };
  }
  const evidence =
    read.markerScn !== null && read.markerLine !== null
      ? { scn: read.markerScn, markerLine: read.markerLine }
      : null;
  return { log: read.log, evidence };
}

/**
 * The log step of a job that answers 404: an ORDS that ignores `keep_master` (before 25.x) lets Data
 * Pump drop a successful job's control table. The log is read by the name the job linked when this
 * run started it, the dump files are taken from its dump file set and checked by name. Only when
 * those routes answer 404 too does the run fail, explaining keep_master.
 */
async function readLogOfDroppedJob(
  deps: JobTaskDeps,
  payload: ReadLogPayload,
  exportName: string,
  folder: string,
  toCopy: (file: Pick<JobFile, 'name' | 'kind'>) => FileToCopy,
): Promise<VerdictResult> {
  const { owner, jobName } = payload.job;
  const logName = payload.job.logFileName ?? logFileNameOf(payload.job.fileName);
  const gone = (what: string) =>
    new JobNotFoundError(
      `${exportName} answers 404 and so does ${what}: its control table was dropped when the job ended, ` +
        'and ORDS no longer serves its files. This project sends keep_master=1 to keep it; ORDS documents ' +
        'keep_master from version 25.x, older versions ignore it and Data Pump then drops the control ' +
        'table of a successful job. Upgrade ORDS to 25.x or later, and check that nothing else removes ' +
        'Data Pump jobs on this database.',
    );
  const text = await readLogText(deps.ords, owner, jobName, logName);
  if (text === null) throw gone(`its log ${logName}`);
  deps.logger.warn('Data Pump job answers 404: reading its files by name', { jobName, logName });
  const consistent = consistentVerdict(text, payload, exportName);
  const log = consistent?.log ?? readVerdict(text, payload, exportName, logName, deps.logger);
  const checkedAt = deps.now().toISOString();
  const logFile = toCopy({ name: logName, kind: 'log' });
  if (log.verdict === null || log.verdict === 'failed')
    return failedResult(log, exportName, logFile, checkedAt, log.dumpFiles);
  if (log.dumpFiles.length === 0) {
    throw new OrdsResponseError(`${exportName} reports "${log.summary}" but its log lists no dump file`);
  }
  for (const name of log.dumpFiles) {
    if (!(await fileExists(deps.ords, owner, jobName, name))) throw gone(`its dump file ${name}`);
  }
  const summary = log.summary ?? '';
  return {
    verdict: log.verdict,
    summary,
    errors: log.errors,
    cause: describe(headlineOf(log, exportName, folder), summary, log.errors),
    files: [...log.dumpFiles.map((name) => toCopy({ name, kind: 'dump' })), logFile],
    exported: parseExportedObjects(text),
    ...(consistent?.evidence ? { consistentEvidence: consistent.evidence } : {}),
    checkedAt,
  };
}

/** Parses the log; a final line in a language without wording here fails with the way out. */
function readVerdict(
  text: string,
  payload: ReadLogPayload,
  exportName: string,
  logName: string,
  logger: JobTaskDeps['logger'],
): ExportLog {
  const log = parseExportLog(text, payload.job);
  logger.info('Data Pump log read', {
    jobName: payload.job.jobName,
    verdict: log.verdict,
    language: log.language,
    summary: log.summary,
    errors: log.errors.length,
  });
  if (log.unknownLine !== null) {
    throw new LogLanguageUnknownError(
      `${exportName}: the last line of its log ${logName} that names the job is in a language (or a form) this ` +
        `project cannot read: "${sanitizeSnippet(log.unknownLine, 300)}". English and Japanese logs are ` +
        'read. Data Pump writes the log in the language of the ORDS JVM: run ORDS with ' +
        '-Duser.language=en -Duser.region=US (for example in JAVA_OPTIONS) for English logs.',
    );
  }
  return log;
}

function failedResult(
  log: ExportLog,
  exportName: string,
  logFile: FileToCopy,
  checkedAt: string,
  dumpFilesLeft: readonly string[],
): VerdictResult {
  // Quote the log's own final line: never claim a cause (such as a fatal error) the log does not state.
  const summary = log.summary ?? `${exportName} ended without a final line about the job in its log`;
  const cause = describe(`${exportName} failed; its log is stored at ${logFile.key}.`, summary, log.errors);
  // Case-insensitively once each: the log and the links may name a file in different case.
  const left = [...new Map(dumpFilesLeft.map((name) => [name.toUpperCase(), name])).values()];
  return {
    verdict: 'failed',
    summary,
    errors: log.errors,
    cause,
    files: [logFile],
    ...(left.length > 0 ? { dumpFilesLeft: left } : {}),
    checkedAt,
  };
}

/**
 * A log that reports success but lists no dump file set (cut off before it, or in a form not read
 * here): the set cannot be checked, so it is not a success. Only the log is stored, for diagnosis;
 * the dump files stay on the server for the DBA (they may be a good export the log does not prove).
 */
function incompleteLogResult(
  log: ExportLog,
  exportName: string,
  logFile: FileToCopy,
  checkedAt: string,
): VerdictResult {
  const summary =
    `${exportName}: its log ${logFile.name} lists no dump file set ("Dump file set for … is:"), so the ` +
    'files of the export cannot be checked against it';
  const cause = describe(
    `${exportName} is not accepted: its log is incomplete and is stored at ${logFile.key}; the dump files ` +
      'stay on the database server.',
    `${summary}. Its final line reads: ${log.summary ?? '(none)'}`,
    log.errors,
  );
  return { verdict: 'failed', summary, errors: log.errors, cause, files: [logFile], checkedAt };
}

function headlineOf(log: ExportLog, exportName: string, folder: string): string {
  return log.verdict === 'succeeded'
    ? `${exportName} succeeded.`
    : `${exportName} completed with errors; its files, log and manifest are stored in ${folder}. ` +
        'Set "acceptCompletedWithErrors": true for this database to count such runs as successful.';
}

/** True when ORDS serves the file (the opened download is closed at once), false on 404. */
async function fileExists(ords: OrdsApi, owner: string, jobName: string, fileName: string): Promise<boolean> {
  try {
    const download = await ords.downloadFile(owner, jobName, fileName);
    download.body.destroy();
    return true;
  } catch (error) {
    if (isOrdsNotFound(error)) return false;
    throw error;
  }
}

async function readLogText(
  ords: OrdsApi,
  owner: string,
  jobName: string,
  fileName: string,
): Promise<string | null> {
  try {
    return await ords.readLog(owner, jobName, fileName);
  } catch (error) {
    if (isOrdsNotFound(error)) return null;
    throw error;
  }
}

/** The Fail state's cause: what happened, the log's final line, then the ORA- lines. */
function describe(headline: string, summary: string, errors: readonly string[]): string {
  const shown = errors.slice(0, MAX_ERRORS_IN_CAUSE);
  const more =
    errors.length > shown.length ? [`(${errors.length - shown.length} more ORA- lines in the log)`] : [];
  return [headline, summary, ...shown, ...more].join('\n');
}
