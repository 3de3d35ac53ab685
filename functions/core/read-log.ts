import { parseExportLog } from './datapump-log.js';
import { JobNotFoundError, OrdsResponseError } from './errors.js';
import { backupFolder } from './naming.js';
import type { JobFile, JobTaskDeps, OrdsApi } from './ords/ords-api.js';
import { isOrdsNotFound } from './ords/ords-errors.js';
import type { FileToCopy, ReadLogPayload, VerdictResult } from './payloads.js';

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
  const job = await ords.getJob(owner, jobName);
  if (!job) {
    throw new JobNotFoundError(
      `${exportName} disappeared (ORDS answers 404) before its log could be read: its control table was ` +
        'dropped, so its files are gone too. Check that nothing else removes Data Pump jobs on this database.',
    );
  }
  const folder = backupFolder(payload.prefix, payload.database, payload.job.startedAt, jobName);
  const toCopy = (file: JobFile): FileToCopy => ({
    name: file.name,
    kind: file.kind,
    key: `${folder}${file.name}`,
  });
  const logFile = job.files.find((file) => file.kind === 'log');
  const dumpFiles = job.files.filter((file) => file.kind === 'dump');
  const checkedAt = deps.now().toISOString();

  if (!logFile) {
    const summary = `${exportName} has no log file: Data Pump failed before it could open one`;
    return { verdict: 'failed', summary, errors: [], cause: `${summary}.`, files: [], checkedAt };
  }
  const text = await readLogText(ords, owner, jobName, logFile.name);
  if (text === null) {
    const summary = `${exportName} links the log ${logFile.name} but ORDS answers 404 for it`;
    return { verdict: 'failed', summary, errors: [], cause: `${summary}.`, files: [], checkedAt };
  }
  const log = parseExportLog(text);
  logger.info('Data Pump log read', {
    jobName,
    verdict: log.verdict,
    summary: log.summary,
    errors: log.errors.length,
  });

  if (log.verdict === null || log.verdict === 'failed') {
    const summary = log.summary ?? `${exportName} ended without a final "Job … completed" line in its log`;
    const cause = describe(
      `${exportName} failed; its log is stored at ${toCopy(logFile).key}.`,
      summary,
      log.errors,
    );
    return { verdict: 'failed', summary, errors: log.errors, cause, files: [toCopy(logFile)], checkedAt };
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
  const headline =
    log.verdict === 'succeeded'
      ? `${exportName} succeeded.`
      : `${exportName} completed with errors; its files, log and manifest are stored in ${folder}. ` +
        'Set "acceptCompletedWithErrors": true for this database to count such runs as successful.';
  return {
    verdict: log.verdict,
    summary,
    errors: log.errors,
    cause: describe(headline, summary, log.errors),
    files: [...dumpFiles.map(toCopy), toCopy(logFile)],
    checkedAt,
  };
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
