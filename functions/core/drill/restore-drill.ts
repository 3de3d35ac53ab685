import type { S3Client } from '@aws-sdk/client-s3';
import { RestoreDrillFailedError } from '../base/index.js';
import {
  dropControlTableStatement,
  type FileRemover,
  isFileAlreadyGone,
  removeFileStatement,
} from '../cleanup/index.js';
import { parseExportedObjects, parseExportLog } from '../export/index.js';
import type { DataPumpJob, ImportApi, Logger, OrdsApi, RestSqlApi } from '../ords/index.js';
import { isOrdsNotFound, sanitizeSnippet } from '../ords/index.js';
import { type JobRef, jobNameProblem, type ServerCleanup } from '../state/index.js';
import { type ImportOwnershipDeps, schemaOwnershipProblem, startOwnedImport } from './import-ownership.js';
import { toImportRequestBody } from './restore-drill-import.js';
import type { DrillOutcome, DrillStarted, RestoreDrillBinding } from './restore-drill-payloads.js';
import { compareTableRows, type RowComparison, readExportLogText } from './restore-drill-rows.js';
import {
  checkDrillTarget,
  type DrillUserRow,
  drillUserQuery,
  dropDrillUserStatement,
  parseDrillUserRow,
} from './restore-drill-sql.js';

/** ORA-01918 (user does not exist): the drill schema is already gone. */
const USER_MISSING = 1918;
/** ORA-00942 (no such table): the import's control table is already gone. */
const TABLE_GONE = 942;

/**
 * What the drill steps need: ORDS (Data Pump and REST-enabled SQL), the bucket that holds the
 * intent record, a logger, a clock and a way to wait (after a POST whose answer was lost).
 */
export interface RestoreDrillDeps {
  readonly ords: Pick<OrdsApi, 'baseUrl' | 'getJob' | 'readLog'> & ImportApi;
  readonly sql: RestSqlApi;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
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
  /** The execution that owns the import (the run lock's holder). */
  readonly executionArn: string;
  /** The intent record's key: `<backup folder>restore-drill-intent.json`. */
  readonly intentKey: string;
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
    if (isOrdsNotFound(error)) throw restSqlOff(deps, database, error);
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
 * Starts the drill, safely re-runnable: the import is owned by record (`import-ownership.ts`). An
 * intent record beside the manifest, written before the POST with the database user and clock, and
 * the job name recorded as soon as the POST answers, let a retry adopt only its own import; a drill
 * schema that already exists is never imported into, nor dropped. The import reads this run's dump
 * files, the drilled schema remapped to the drill schema.
 */
export async function startRestoreDrill(
  deps: RestoreDrillDeps,
  input: StartRestoreDrillInput,
): Promise<DrillStarted> {
  const { drill, job, database } = input;
  const target = checkDrillTarget(drill.targetSchema, [...input.exportedSchemas, drill.schema]);
  const body = toImportRequestBody(input.directory, job.fileName, drill.schema, target);
  const source = drill.schema.toUpperCase();
  const owned = await startOwnedImport(ownershipDeps(deps, database), {
    key: input.intentKey,
    executionArn: input.executionArn,
    targetSchemas: [target],
    subject: `The restore drill of database "${database}"`,
    start: () => deps.ords.startImport(body),
  });
  deps.logger.info('Restore drill import', {
    importJob: owned.job.jobName,
    adopted: owned.adopted,
    target,
    schema: source,
  });
  // The intent's database time: the schema the import creates is not older.
  return drillStarted(deps, input, owned.job, source, target, owned.intent.dbTime, owned.adopted);
}

/** The ownership deps, REST-enabled SQL answering 404 turned into the drill's way out. */
function ownershipDeps(deps: RestoreDrillDeps, database: string): ImportOwnershipDeps {
  return {
    ...deps,
    sql: {
      runSql: async (statements) => {
        try {
          return await deps.sql.runSql(statements);
        } catch (error) {
          if (isOrdsNotFound(error)) throw restSqlOff(deps, database, error);
          throw error;
        }
      },
    },
  };
}

function restSqlOff(deps: RestoreDrillDeps, database: string, error: unknown): RestoreDrillFailedError {
  return new RestoreDrillFailedError(
    `The restore drill of database "${database}" needs REST-enabled SQL, which is not enabled at ` +
      `${deps.ords.baseUrl}_/sql (ORDS answered 404). Enable it in ORDS (restEnabledSql.active true) ` +
      'or remove restoreDrill from the database.',
    { cause: error },
  );
}

/** `$.drill`: the import job shaped like the export's (so that "Read job" reads it), and its bounds. */
function drillStarted(
  deps: RestoreDrillDeps,
  input: StartRestoreDrillInput,
  started: DataPumpJob,
  schema: string,
  targetSchema: string,
  dbTimeAtStart: string,
  adopted: boolean,
): DrillStarted {
  const logFileName = started.files.find((file) => file.kind === 'log')?.name;
  return {
    job: {
      path: 'ords-import',
      owner: started.owner,
      jobName: started.jobName,
      runId: input.job.runId,
      fileName: input.job.fileName,
      jobMode: 'SCHEMA',
      startedAt: deps.now().toISOString(),
      adopted,
      ...(logFileName ? { logFileName } : {}),
    },
    schema,
    targetSchema,
    dbTimeAtStart,
  };
}

type ImportVerdict = Pick<DrillOutcome, 'verdict' | 'summary' | 'errors' | 'tables' | 'rows'> &
  (RowComparison | Pick<DrillOutcome, 'rowsUnchecked'>) & {
    /** The import log says the drill schema existed when the import ran (ORA-31684 on its USER). */
    readonly targetPreexisted?: boolean;
  };

/**
 * The import's verdict from its log, read with the export's parser (a missing log is a failure), and
 * each table's imported rows against the rows the export's log reports for it.
 */
async function readImportVerdict(
  deps: RestoreDrillDeps,
  drill: DrillStarted,
  exportJob: JobRef,
  exportLogText?: () => Promise<string>,
): Promise<ImportVerdict> {
  const { owner, jobName } = drill.job;
  const failed = (summary: string): ImportVerdict => ({
    verdict: 'failed' as const,
    summary,
    errors: [],
    tables: 0,
    rows: 0,
    rowsUnchecked: 'the import log was not read',
  });
  try {
    const job = await deps.ords.getJob(owner, jobName);
    const logName = job?.files.find((file) => file.kind === 'log')?.name ?? drill.job.logFileName;
    if (!logName && job !== null) {
      // Some ORDS versions link no log for an import: without it nothing proves how the import ended.
      return failed(
        `ORDS links no log file for import ${owner}.${jobName} (state ${job.state}): the drill cannot ` +
          'confirm the restore without the import log. Read the import in DBA_DATAPUMP_JOBS and its log ' +
          'in the directory object; docs/ords-support.md lists the ORDS versions that link it.',
      );
    }
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
    const found = {
      targetPreexisted: text.includes(`USER:"${drill.targetSchema.toUpperCase()}" already exists`),
      verdict: log.verdict,
      summary: log.summary ?? '',
      errors: log.errors,
      tables: imported.tables,
      rows: imported.rows,
    };
    try {
      const exportLog = await (exportLogText ?? (() => readExportLogText(deps.ords, exportJob)))();
      return { ...found, ...compareTableRows(exportLog, text, drill.schema, drill.targetSchema) };
    } catch (error) {
      return { ...found, rowsUnchecked: `the export's log could not be read: ${(error as Error).message}` };
    }
  } catch (error) {
    return failed(`Import ${owner}.${jobName}: its log could not be read (${(error as Error).message})`);
  }
}

/**
 * Reads the import's verdict, then drops the drill schema, but only when it is provably the drill's
 * own: the intent record names this execution and this import, the database says the schema was
 * created at or after the intent (`schemaOwnershipProblem`), and the import's log does not say the
 * user existed already (then another import or a person created it). A schema that existed before
 * is never dropped. Both ends are checked in the database: a schema absent before the drop was never
 * created by the import (or an interrupted earlier attempt of this step dropped it, which a retry
 * cannot prove), and one still present after `DROP USER` was not dropped; either fails the drill.
 */
export async function dropDrillSchema(
  deps: RestoreDrillDeps,
  input: {
    readonly database: string;
    readonly drill: DrillStarted;
    /** The execution that owns the import: the intent record must name it. */
    readonly executionArn: string;
    /** The intent record's key: `<backup folder>restore-drill-intent.json`. */
    readonly intentKey: string;
    /** The export's job: its log gives each table's exported rows. */
    readonly exportJob: JobRef;
    /** What the database's server cleanup removes: the same for the import's log and control table. */
    readonly serverCleanup: ServerCleanup;
    readonly directory: string;
    readonly remover: FileRemover;
    /**
     * The export's log text, for a drill that runs after the server cleanup (from S3).
     * @default - read through ORDS from the export job
     */
    readonly exportLogText?: () => Promise<string>;
  },
): Promise<DrillOutcome> {
  const { drill, database } = input;
  const { targetPreexisted, ...verdict } = await readImportVerdict(
    deps,
    drill,
    input.exportJob,
    input.exportLogText,
  );
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
  let problem: string | null;
  try {
    problem = await schemaOwnershipProblem(ownershipDeps(deps, database), {
      key: input.intentKey,
      executionArn: input.executionArn,
      target,
      jobName: drill.job.jobName,
    });
  } catch (error) {
    return finish(false, `${target} was not dropped: ${(error as Error).message}`);
  }
  if (problem === 'absent') {
    return finish(
      false,
      `${target} did not exist after the import, so the drill cannot show that the data came back (the ` +
        'import created no schema, or an interrupted earlier attempt of "Drop drill schema" dropped it)',
    );
  }
  if (problem !== null) return finish(false, `${target} was not dropped: ${problem}`);
  if (targetPreexisted) {
    return finish(
      false,
      `${target} was not dropped: the import's log says user ${target} already existed when import ` +
        `${drill.job.jobName} ran (ORA-31684), so another import or a person created it, not this drill`,
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
  let after: DrillUserRow;
  try {
    after = await queryDrillUser(deps, database, target);
  } catch (error) {
    return finish(false, `${target} could not be checked after DROP USER: ${(error as Error).message}`);
  }
  if (after.created !== null) {
    return finish(false, `${target} still exists after DROP USER "${target}" CASCADE: drop it by hand`);
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
  // Only this drill's recorded import job, by the names ORDS gives imports.
  const nameProblem = jobNameProblem({ path: input.drill.job.path ?? 'ords-import', jobName });
  if (nameProblem) return [`${owner}.${jobName} and its log were not removed: ${nameProblem}`];
  const statements = [
    ...(logFileName ? [removeFileStatement(input.directory, logFileName, input.remover)] : []),
    ...(input.serverCleanup === 'files-and-control-table' ? [dropControlTableStatement(owner, jobName)] : []),
  ];
  if (statements.length === 0) return [];
  try {
    const results = await deps.sql.runSql(statements);
    return results
      .filter(
        (result) =>
          !result.ok &&
          result.errorCode !== TABLE_GONE &&
          !isFileAlreadyGone(input.remover, result.errorCode),
      )
      .map((result) => (result.ok ? result.statement : `${result.statement}: ${result.errorDetails}`));
  } catch (error) {
    return statements.map((statement) => `${statement}: ${(error as Error).message}`);
  }
}
