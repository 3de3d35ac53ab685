import { BackupError, ErrorName } from '../base/index.js';
import { compareTableRows, toImportRequestBody } from '../drill/index.js';
import { parseExportedObjects, parseExportLog } from '../export/index.js';
import type { DataPumpJob, ImportApi, OrdsApi } from '../ords/index.js';
import { jobActivity, sanitizeSnippet } from '../ords/index.js';

/**
 * The import of a restore: started with `remap_schemas` from the uploaded dump files, polled until it
 * finishes, and judged by its log with the export's verdict parser; each table's rows against the
 * export log's.
 */

/** What the import needs from ORDS. */
export interface RestoreImportDeps {
  readonly ords: Pick<OrdsApi, 'getJob' | 'readLog'> & ImportApi;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly now: () => Date;
}

/** The import's verdict and counts. */
export interface ImportOutcome {
  readonly verdict: 'succeeded' | 'completed-with-errors' | 'failed';
  readonly summary: string;
  readonly errors: readonly string[];
  readonly logFileName: string | null;
  /** Tables and rows imported into the target schema, from the import log. */
  readonly tables: number;
  readonly rows: number;
  /** Tables whose rows differ from the export log's (empty when all match or no export log). */
  readonly mismatches: readonly string[];
}

/** Starts the import of `template` (the uploaded files) from `source` into `target`. */
export async function startRestoreImport(
  deps: RestoreImportDeps,
  input: { directory: string; template: string; source: string; target: string },
): Promise<DataPumpJob> {
  const body = toImportRequestBody(input.directory, input.template, input.source, input.target);
  return deps.ords.startImport(body);
}

/** Polls the job until it finishes (or `timeoutSeconds` pass), then reads its verdict. */
export async function awaitRestoreImport(
  deps: RestoreImportDeps,
  input: {
    job: Pick<DataPumpJob, 'owner' | 'jobName' | 'files'>;
    pollSeconds: number;
    timeoutSeconds: number;
    source: string;
    target: string;
    /** The export's log text, from S3: each table's exported rows. */
    exportLog: string | null;
  },
): Promise<ImportOutcome> {
  const { owner, jobName } = input.job;
  const deadline = deps.now().getTime() + input.timeoutSeconds * 1000;
  let logName = input.job.files.find((file) => file.kind === 'log')?.name ?? null;
  for (;;) {
    const job = await deps.ords.getJob(owner, jobName);
    logName = job?.files.find((file) => file.kind === 'log')?.name ?? logName;
    if (job === null || jobActivity(job) === 'finished') {
      const outcome = logName ? await readOutcome(deps, owner, jobName, logName, input) : null;
      // NOT RUNNING also flickers at start-up: a log without its final line means it still runs.
      if (outcome !== null || job === null) {
        return (
          outcome ?? {
            verdict: 'failed',
            summary: `Import ${owner}.${jobName} is gone and left no log that ORDS links`,
            errors: [],
            logFileName: null,
            tables: 0,
            rows: 0,
            mismatches: [],
          }
        );
      }
    }
    if (deps.now().getTime() >= deadline) {
      throw new BackupError(
        ErrorName.RestoreFailed,
        `Import ${owner}.${jobName} did not finish within ${input.timeoutSeconds} seconds; it still runs on ` +
          'the server (stop it with DBMS_DATAPUMP, then drop its target schema if unwanted)',
      );
    }
    await deps.sleep(input.pollSeconds * 1000);
  }
}

async function readOutcome(
  deps: RestoreImportDeps,
  owner: string,
  jobName: string,
  logName: string,
  input: { source: string; target: string; exportLog: string | null },
): Promise<ImportOutcome | null> {
  const text = await deps.ords.readLog(owner, jobName, logName);
  const log = parseExportLog(text, { owner, jobName });
  if (log.verdict === null) {
    if (log.unknownLine) {
      throw new BackupError(
        ErrorName.RestoreFailed,
        `Import ${owner}.${jobName}: its log ${logName} ends with a line this project does not read: ` +
          `"${sanitizeSnippet(log.unknownLine, 200)}"`,
      );
    }
    return null;
  }
  const imported = parseExportedObjects(text);
  const target = imported.schemas.find((schema) => schema.schema === input.target);
  const mismatches = input.exportLog
    ? compareTableRows(input.exportLog, text, input.source, input.target).mismatches
    : [];
  return {
    verdict: log.verdict,
    summary: log.summary ?? '',
    errors: log.errors,
    logFileName: logName,
    tables: target?.tables ?? 0,
    rows: target?.rows ?? 0,
    mismatches,
  };
}
