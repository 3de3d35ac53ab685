import { parseExportedObjects } from './datapump-exported.js';
import { parseExportLog } from './datapump-log.js';
import { RestoreDrillFailedError } from './errors.js';
import type { Logger, OrdsApi } from './ords/ords-api.js';
import { isOrdsNotFound, sanitizeSnippet } from './ords/ords-errors.js';
import type { RestSqlApi } from './ords/rest-sql.js';
import type { JobRef, ServerCleanup } from './payloads.js';
import { type ImportApi, toImportRequestBody } from './restore-drill-import.js';
import type { DrillOutcome, DrillStarted, RestoreDrillBinding } from './restore-drill-payloads.js';
import {
  checkDrillTarget,
  type DrillUserRow,
  drillUserQuery,
  dropDrillUserStatement,
  parseDrillUserRow,
} from './restore-drill-sql.js';
import { dropControlTableStatement, type FileRemover, removeFileStatement } from './server-cleanup-sql.js';

/** ORA-01918 (user does not exist): the drill schema is already gone. */
const USER_MISSING = 1918;
/** ORA-29283 (no such file) and ORA-00942 (no such table): the import's log or job is already gone. */
const ALREADY_GONE = [29283, 942];

/** What the drill steps need: ORDS (Data Pump and REST-enabled SQL), a logger and a clock. */
export interface RestoreDrillDeps {
  readonly ords: Pick<OrdsApi, 'baseUrl' | 'getJob' | 'readLog'> & ImportApi;
  readonly sql: RestSqlApi;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** What starting a drill needs from the run and the database's binding. */
export interface StartRestoreDrillInput {
  readonly database: string;
  /** The export's job: the drill imports its dump files. */
  readonly job: JobRef;
  readonly drill: RestoreDrillBinding;
  readonly directory: string;
  /** The schemas the export spec names: the target may be none of them. */
  readonly exportedSchemas: readonly string[];
}

/** Reads the drill schema's row; a failed query or a disabled service fails the drill with the way out. */
async function queryDrillUser(
  deps: RestoreDrillDeps,
  database: string,
  target: string,
): Promise<DrillUserRow> {
  const statement = drillUserQuery(target);
  let row: DrillUserRow | null;
  let details = '';
  try {
    const [result] = await deps.sql.runSql([statement]);
    row = result ? parseDrillUserRow(result) : null;
    if (result && !result.ok) details = result.errorDetails;
  } catch (error) {
    if (isOrdsNotFound(error)) {
      throw new RestoreDrillFailedError(
        `The restore drill of database "${database}" needs REST-enabled SQL, which is not enabled at ` +
          `${deps.ords.baseUrl}_/sql (ORDS answered 404). Enable it in ORDS (restEnabledSql.active true) ` +
          'or remove restoreDrill from the database.',
        { cause: error },
      );
    }
    throw error;
  }
  if (row === null) {
    throw new RestoreDrillFailedError(
      `The restore drill of database "${database}" could not read ALL_USERS for ${target}: ${details}`,
    );
  }
  return row;
}

/**
 * Starts the drill: checks that the drill schema does not exist (an existing schema is never
 * imported into, nor dropped), notes the database clock, and starts the import of this run's dump
 * files, the drilled schema remapped to the drill schema.
 */
export async function startRestoreDrill(
  deps: RestoreDrillDeps,
  input: StartRestoreDrillInput,
): Promise<DrillStarted> {
  const { drill, job, database } = input;
  const target = checkDrillTarget(drill.targetSchema, [...input.exportedSchemas, drill.schema]);
  const row = await queryDrillUser(deps, database, target);
  if (row.created !== null) {
    throw new RestoreDrillFailedError(
      `The restore drill of database "${database}" did not start: its schema ${target} already exists ` +
        `(created ${row.created}). The drill imports into a new schema and drops it afterwards, so it never ` +
        `uses an existing one. Drop it (DROP USER "${target}" CASCADE) if it is left over from an earlier ` +
        'drill, or set restoreDrill.targetSchema to another name.',
    );
  }
  const body = toImportRequestBody(input.directory, job.fileName, drill.schema, target);
  const started = await deps.ords.startImport(body);
  const logFileName = started.files.find((file) => file.kind === 'log')?.name;
  deps.logger.info('Restore drill started', { importJob: started.jobName, target, schema: body.filter });
  return {
    job: {
      owner: started.owner,
      jobName: started.jobName,
      runId: job.runId,
      fileName: job.fileName,
      jobMode: 'SCHEMA',
      startedAt: deps.now().toISOString(),
      adopted: false,
      ...(logFileName ? { logFileName } : {}),
    },
    schema: body.filter,
    targetSchema: target,
    dbTimeAtStart: row.dbTime,
  };
}

/** The import's verdict from its log, read with the export's parser; a missing log is a failure. */
async function readImportVerdict(
  deps: RestoreDrillDeps,
  drill: DrillStarted,
): Promise<Pick<DrillOutcome, 'verdict' | 'summary' | 'errors' | 'tables' | 'rows'>> {
  const { owner, jobName } = drill.job;
  const failed = (summary: string) => ({
    verdict: 'failed' as const,
    summary,
    errors: [],
    tables: 0,
    rows: 0,
  });
  try {
    const job = await deps.ords.getJob(owner, jobName);
    const logName = job?.files.find((file) => file.kind === 'log')?.name ?? drill.job.logFileName;
    if (!logName)
      return failed(`Import ${owner}.${jobName} has no log: Data Pump failed before it opened one`);
    const text = await deps.ords.readLog(owner, jobName, logName);
    const log = parseExportLog(text, drill.job);
    if (log.verdict === null) {
      const line = log.unknownLine ? `: "${sanitizeSnippet(log.unknownLine, 200)}"` : '';
      return failed(
        `Import ${owner}.${jobName}: its log ${logName} has no final line this project reads${line}`,
      );
    }
    const imported = parseExportedObjects(text);
    return {
      verdict: log.verdict,
      summary: log.summary ?? '',
      errors: log.errors,
      tables: imported.tables,
      rows: imported.rows,
    };
  } catch (error) {
    return failed(`Import ${owner}.${jobName}: its log could not be read (${(error as Error).message})`);
  }
}

/**
 * Reads the import's verdict, then drops the drill schema, but only when the database says it was
 * created at or after the drill started (by the drill's own import): a schema that existed before
 * is never dropped. The schema being absent counts as dropped.
 */
export async function dropDrillSchema(
  deps: RestoreDrillDeps,
  input: {
    readonly database: string;
    readonly drill: DrillStarted;
    /** What the database's server cleanup removes: the same for the import's log and control table. */
    readonly serverCleanup: ServerCleanup;
    readonly directory: string;
    readonly remover: FileRemover;
  },
): Promise<DrillOutcome> {
  const { drill, database } = input;
  const verdict = await readImportVerdict(deps, drill);
  const target = checkDrillTarget(drill.targetSchema, [drill.schema]);
  const finish = async (schemaDropped: boolean, dropReason?: string): Promise<DrillOutcome> => {
    const importLeft = await removeImportJob(deps, input);
    const outcome = {
      ...verdict,
      schemaDropped,
      ...(dropReason ? { dropReason } : {}),
      ...(importLeft.length > 0 ? { importLeft } : {}),
      finishedAt: deps.now().toISOString(),
    };
    deps.logger.info('Restore drill finished', { ...outcome, errors: outcome.errors.length });
    return outcome;
  };
  let row: DrillUserRow;
  try {
    row = await queryDrillUser(deps, database, target);
  } catch (error) {
    return finish(false, `${target} was not dropped: ${(error as Error).message}`);
  }
  if (row.created === null) return finish(true);
  if (row.created < drill.dbTimeAtStart) {
    return finish(
      false,
      `${target} was not dropped: the database says it was created ${row.created}, before this drill ` +
        `started (${drill.dbTimeAtStart}), so it is not the drill's own schema`,
    );
  }
  try {
    const [result] = await deps.sql.runSql([dropDrillUserStatement(target)]);
    if (result && !result.ok && result.errorCode !== USER_MISSING) {
      return finish(
        false,
        `DROP USER "${target}" CASCADE failed: ${result.errorDetails}. The ORDS user needs the DROP USER ` +
          'privilege; drop the schema by hand.',
      );
    }
  } catch (error) {
    return finish(false, `DROP USER "${target}" CASCADE could not be sent: ${(error as Error).message}`);
  }
  return finish(true);
}

/**
 * Removes the import's own log file and control table as the server cleanup would (by their names
 * from this drill's job, never by pattern). What could not be removed is returned, not thrown: it is
 * small, and the drill's verdict does not depend on it.
 */
async function removeImportJob(
  deps: RestoreDrillDeps,
  input: {
    readonly drill: DrillStarted;
    readonly serverCleanup: ServerCleanup;
    readonly directory: string;
    readonly remover: FileRemover;
  },
): Promise<string[]> {
  const { owner, jobName, logFileName } = input.drill.job;
  if (input.serverCleanup === 'off') return [];
  const statements = [
    ...(logFileName ? [removeFileStatement(input.directory, logFileName, input.remover)] : []),
    ...(input.serverCleanup === 'files-and-control-table' ? [dropControlTableStatement(owner, jobName)] : []),
  ];
  if (statements.length === 0) return [];
  try {
    const results = await deps.sql.runSql(statements);
    return results
      .filter((result) => !result.ok && !ALREADY_GONE.includes(result.errorCode))
      .map((result) => (result.ok ? result.statement : `${result.statement}: ${result.errorDetails}`));
  } catch (error) {
    return statements.map((statement) => `${statement}: ${(error as Error).message}`);
  }
}
