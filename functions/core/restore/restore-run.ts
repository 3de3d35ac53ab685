import { BackupError, ErrorName, type ErrorNameValue, InvalidInputError } from '../base/index.js';
import type { FileRemover } from '../cleanup/index.js';
import { drillTargetProblem, schemaOwnershipProblem, startOwnedImport } from '../drill/index.js';
import type { JobRef } from '../state/index.js';
import { putCheckedFiles } from './put-checked-files.js';
import { restoreIdOf, targetCreated } from './restore.js';
import { removeRestoreLeftovers } from './restore-cleanup.js';
import { awaitRestoreImport, startRestoreImport } from './restore-import.js';
import {
  deleteRestoreRecords,
  readRestoreRecord,
  restoreIntentKey,
  restoreRecordKey,
  writeRestoreRecord,
} from './restore-record.js';
import { readImportVerdict, restoreReportKey, writeImportVerdict } from './restore-report.js';
import type {
  CheckedRestore,
  RestoreChecking,
  RestoreProgress,
  RestoreRequest,
} from './restore-run-input.js';
import { checkRestoreSource, parseManifestUri, readExportLog } from './restore-source.js';
import { isRetryable, type S3DrillDeps } from './s3-drill-copy.js';

/**
 * The restore state machine's steps (infra/constructs/restore-state-machine.ts), each safe to run
 * again: `checkRestore` (the request, the manifest and each file's checksums in S3, called again
 * with its progress until every byte is read back, the target schema absent, the restore's record
 * written), `putRestoreFiles` (called again with its progress
 * until every file is on the server and checked), `startRestore` (the import, owned by its intent
 * record) and `finishRestore` (the verdict, rows against the manifest, the files, the import's log
 * and control table removed). A step that fails for good removes what the restore put on the server
 * first (and the target schema, when the intent record proves this execution's import created it);
 * its error names what is still there.
 */

/** What the steps need: the drill from S3's dependencies. */
export type RestoreRunDeps = S3DrillDeps;

/** The database's facts the steps read from its binding. */
export interface RestoreRunContext {
  readonly prefix: string;
  readonly remover: FileRemover;
  /** The execution's ARN: it owns the import. */
  readonly executionArn: string;
  /** @default DEFAULT_CHUNK_BYTES */
  readonly chunkBytes?: number;
  /** Bytes the check in S3 reads per call at least. @default DEFAULT_CHECK_MIN_BYTES */
  readonly checkMinBytes?: number;
}

const failed = (message: string, cause?: unknown) =>
  new BackupError(ErrorName.RestoreFailed, message, cause === undefined ? undefined : { cause });

const subjectOf = (checked: Pick<CheckedRestore, 'restoreId' | 'database'>) =>
  `The restore ${checked.restoreId} of database "${checked.database}"`;

/**
 * "Check backup in S3": the manifest, each file's checksums (in as many calls as the bytes take: it
 * returns `{ done: false, checking }` until the last), the target absent; then writes the record.
 * Without `progress` (an execution of a state machine deployed before the check could span calls)
 * it checks every file in this one call, as it did then.
 */
export async function checkRestore(
  deps: RestoreRunDeps,
  context: RestoreRunContext,
  request: RestoreRequest,
  progress?: RestoreChecking,
): Promise<RestoreProgress | RestoreChecking> {
  const { key } = parseManifestUri(request.manifest);
  if (!key.startsWith(context.prefix)) {
    throw new InvalidInputError(
      `manifest ${JSON.stringify(request.manifest)} is not under this deployment's prefix "${context.prefix}"`,
    );
  }
  const step = await checkRestoreSource(deps.s3, request.manifest, progress?.checking, {
    ...(progress ? { shouldStop: deps.shouldStop } : {}),
    ...(context.checkMinBytes ? { minBytesPerCall: context.checkMinBytes } : {}),
    onProgress: (line) => deps.logger.info(line),
  });
  if (!step.done) {
    deps.logger.info('Checked part of the backup in S3', {
      checkedBytes: step.progress.checkedBytes,
      totalBytes: step.progress.totalBytes,
    });
    return { done: false, checking: step.progress };
  }
  const { source } = step;
  const schemas = (source.exported?.schemas ?? []).map((entry) => entry.schema.toUpperCase());
  const wanted = Array.isArray(request.schemas) ? request.schemas[0] : request.schemas;
  const schema = wanted?.toUpperCase() ?? (schemas.length === 1 ? schemas[0] : undefined);
  if (schema === undefined || !schemas.includes(schema)) {
    throw new InvalidInputError(
      `${wanted === undefined ? 'schemas is missing' : `schemas ${JSON.stringify(wanted)}`}: the backup exported ` +
        `${schemas.join(', ') || 'no schema it recorded'}; name exactly one to restore`,
    );
  }
  const problem = drillTargetProblem(request.targetSchema, schemas);
  if (problem)
    throw new InvalidInputError(`targetSchema ${JSON.stringify(request.targetSchema)}: ${problem}`);
  const target = request.targetSchema.toUpperCase();
  const restoreId = restoreIdOf(request.manifest, request.database, target);
  const exported = source.exported?.schemas.find((entry) => entry.schema.toUpperCase() === schema);
  const checked: CheckedRestore = {
    restoreId,
    manifestUri: request.manifest,
    manifestKey: source.manifestKey,
    manifestBytes: source.manifestBytes,
    database: request.database,
    dumpFile: source.dumpFile,
    schema,
    targetSchema: target,
    directory: source.exportDirectory,
    files: source.files.map((file) => ({ ...file })),
    exportLog: source.log,
    exported: { tables: exported?.tables ?? null, rows: exported?.rows ?? null },
  };
  const recordKey = restoreRecordKey(checked.manifestKey, restoreId);
  const stored = await readRestoreRecord(deps.s3, deps.bucket, recordKey);
  if (stored === null) {
    const created = await targetCreated(deps.sql, target);
    if (created !== null) {
      throw failed(
        `The target schema ${target} already exists in database "${request.database}" (created ${created}): ` +
          'a restore imports only into a schema that does not exist yet. Nothing was put on the server.',
      );
    }
    await writeRestoreRecord(
      deps.s3,
      deps.bucket,
      recordKey,
      {
        restoreId,
        manifestUri: request.manifest,
        database: request.database,
        sourceSchema: schema,
        targetSchema: target,
        directory: checked.directory,
        serverFiles: serverFilesOf(checked),
      },
      null,
    );
  }
  return { done: false, pollSeconds: request.pollSeconds ?? 60, checked };
}

/** "Put files on the server": uploads until the invocation's time runs out (at least one chunk). */
export async function putRestoreFiles(
  deps: RestoreRunDeps,
  context: RestoreRunContext,
  progress: RestoreProgress,
): Promise<RestoreProgress> {
  const { checked } = progress;
  try {
    const put = await putCheckedFiles(deps, checked, {
      directory: checked.directory,
      remover: context.remover,
      path: progress.path ?? 'auto',
      ...(context.chunkBytes ? { chunkBytes: context.chunkBytes } : {}),
    });
    return {
      done: put.done,
      pollSeconds: progress.pollSeconds,
      checked,
      path: put.path,
      digest: put.digest,
      ...(put.fallbackReason ? { fallbackReason: put.fallbackReason } : {}),
    };
  } catch (error) {
    throw await failedAfterPut(deps, context, checked, error);
  }
}

/** "Start import": the import into the target schema, owned by the restore's intent record. */
export async function startRestore(
  deps: RestoreRunDeps,
  context: RestoreRunContext,
  progress: RestoreProgress,
): Promise<JobRef> {
  const { checked } = progress;
  if (!progress.done)
    throw failed(`${subjectOf(checked)}: the import was asked to start before every file was on the server`);
  try {
    const owned = await startOwnedImport(deps, {
      key: restoreIntentKey(checked.manifestKey, checked.restoreId),
      executionArn: context.executionArn,
      targetSchemas: [checked.targetSchema],
      subject: subjectOf(checked),
      start: () =>
        startRestoreImport(deps, {
          directory: checked.directory,
          template: `${checked.restoreId}-${checked.dumpFile}`,
          source: checked.schema,
          target: checked.targetSchema,
        }),
    });
    const logFileName = owned.job.files.find((file) => file.kind === 'log')?.name;
    return {
      path: 'ords-import',
      owner: owned.job.owner,
      jobName: owned.job.jobName,
      runId: checked.restoreId,
      fileName: `${checked.restoreId}-${checked.dumpFile}`,
      jobMode: 'SCHEMA',
      startedAt: deps.now().toISOString(),
      adopted: owned.adopted,
      ...(logFileName ? { logFileName } : {}),
    };
  } catch (error) {
    throw await failedAfterPut(deps, context, checked, error);
  }
}

/** What a restore that succeeded reports (the execution's output). */
export interface RestoreRunReport {
  readonly succeeded: true;
  readonly restoreId: string;
  readonly manifest: string;
  readonly database: string;
  readonly schema: string;
  readonly targetSchema: string;
  readonly path: RestoreProgress['path'];
  readonly digest: RestoreProgress['digest'];
  readonly importJob: string;
  readonly summary: string;
  readonly tables: { readonly exported: number | null; readonly imported: number };
  readonly rows: { readonly exported: number | null; readonly imported: number };
  /** What could not be removed from the server after the import succeeded. */
  readonly left?: readonly string[];
}

/** "Finish restore": the verdict and rows, then everything the restore put on the server removed. */
export async function finishRestore(
  deps: RestoreRunDeps,
  context: RestoreRunContext,
  progress: RestoreProgress,
  job: JobRef,
): Promise<RestoreRunReport> {
  const { checked } = progress;
  const intentKey = restoreIntentKey(checked.manifestKey, checked.restoreId);
  const importJob = { owner: job.owner, jobName: job.jobName };
  let logFileName: string | null = job.logFileName ?? null;
  const reportKey = restoreReportKey(checked.manifestKey, checked.restoreId);
  try {
    // An earlier attempt may have judged the import and removed its log before it was cut off.
    let verdict = await readImportVerdict(deps.s3, deps.bucket, reportKey);
    if (verdict === null) {
      const outcome = await awaitRestoreImport(deps, {
        // Only the log's name is read: the job finished ("Read job" said so), so this reads its verdict once.
        job: {
          ...importJob,
          files: job.logFileName ? [{ name: job.logFileName, kind: 'log', url: '' }] : [],
        },
        pollSeconds: 0,
        timeoutSeconds: 0,
        source: checked.schema,
        target: checked.targetSchema,
        exportLog: await readExportLog(deps.s3, { bucket: deps.bucket, log: checked.exportLog }),
      });
      logFileName = outcome.logFileName ?? logFileName;
      if (outcome.verdict !== 'succeeded' || outcome.mismatches.length > 0) {
        const why = [outcome.summary, ...outcome.errors.slice(0, 5), ...outcome.mismatches.slice(0, 5)];
        throw failed(
          `The import of ${checked.schema} into ${checked.targetSchema} did not succeed: ${why.join('; ')}`,
        );
      }
      verdict = {
        importJob: `${job.owner}.${job.jobName}`,
        logFileName,
        summary: outcome.summary,
        tables: outcome.tables,
        rows: outcome.rows,
      };
      await writeImportVerdict(deps.s3, deps.bucket, reportKey, verdict);
    }
    logFileName = verdict.logFileName;
    const outcome = verdict;
    const left = await removeRestoreLeftovers(deps.sql, {
      directory: checked.directory,
      remover: context.remover,
      files: serverFilesOf(checked),
      importJob: { ...importJob, logFileName },
    });
    if (left.length === 0) {
      await deleteRestoreRecords(deps.s3, deps.bucket, [
        restoreRecordKey(checked.manifestKey, checked.restoreId),
        intentKey,
      ]);
    }
    return {
      succeeded: true,
      restoreId: checked.restoreId,
      manifest: checked.manifestUri,
      database: checked.database,
      schema: checked.schema,
      targetSchema: checked.targetSchema,
      path: progress.path,
      digest: progress.digest,
      importJob: `${job.owner}.${job.jobName}`,
      summary: outcome.summary,
      tables: { exported: checked.exported.tables, imported: outcome.tables },
      rows: { exported: checked.exported.rows, imported: outcome.rows },
      ...(left.length > 0 ? { left } : {}),
    };
  } catch (error) {
    if (isRetryable(error)) throw error;
    const left = await removeRestoreLeftovers(deps.sql, {
      directory: checked.directory,
      remover: context.remover,
      files: serverFilesOf(checked),
      importJob: { ...importJob, logFileName },
      dropTarget: {
        schema: checked.targetSchema,
        owned: () =>
          schemaOwnershipProblem(deps, {
            key: intentKey,
            executionArn: context.executionArn,
            target: checked.targetSchema,
            jobName: job.jobName,
          }),
      },
    });
    throw await cleanedError(deps, checked, error, left);
  }
}

function serverFilesOf(checked: CheckedRestore): string[] {
  return [
    ...checked.files.map((file) => `${checked.restoreId}-${file.name}`),
    `${checked.restoreId}-PROBE.JSON`,
  ];
}

/**
 * The error of a step that failed after files may be on the server. A transient error keeps them
 * (the step is retried and resumes); any other removes them first, and the error names what stays.
 */
async function failedAfterPut(
  deps: RestoreRunDeps,
  context: RestoreRunContext,
  checked: CheckedRestore,
  error: unknown,
): Promise<Error> {
  const files = serverFilesOf(checked);
  if (isRetryable(error)) {
    const kept = files.map((name) => `${checked.directory}/${name}`).join(', ');
    return new BackupError(
      (error as BackupError).name as ErrorNameValue,
      `${(error as Error).message.replace(/\.$/, '')}. Kept on the server for the next attempt: ${kept}`,
      { cause: error },
    );
  }
  let left: string[];
  try {
    left = await removeRestoreLeftovers(deps.sql, {
      directory: checked.directory,
      remover: context.remover,
      files,
    });
  } catch (removal) {
    left = files.map((name) => `${checked.directory}/${name} (${(removal as Error).message})`);
  }
  return cleanedError(deps, checked, error, left);
}

async function cleanedError(
  deps: RestoreRunDeps,
  checked: CheckedRestore,
  error: unknown,
  left: readonly string[],
): Promise<Error> {
  if (left.length === 0) {
    await deleteRestoreRecords(deps.s3, deps.bucket, [
      restoreRecordKey(checked.manifestKey, checked.restoreId),
      restoreIntentKey(checked.manifestKey, checked.restoreId),
    ]).catch(() => {});
  }
  const tail =
    left.length === 0
      ? 'Nothing of this restore is left on the server.'
      : `Still on the server: ${left.join('; ')}.`;
  const message = (error as Error).message.replace(/\.$/, '');
  const subject = subjectOf(checked);
  const text = message.startsWith(subject) ? message : `${subject} failed: ${message}`;
  const name = error instanceof BackupError ? (error.name as ErrorNameValue) : ErrorName.RestoreFailed;
  return new BackupError(name, `${text}. ${tail}`, { cause: error });
}
