import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { type BackupError, RETRYABLE_ERRORS, RestoreDrillFailedError } from '../base/index.js';
import type { FileRemover } from '../cleanup/index.js';
import {
  checkDrillTarget,
  type DrillOutcome,
  type DrillStarted,
  dropDrillSchema,
  type RestoreDrillBinding,
  restoreDrillIntentKey,
  startOwnedImport,
} from '../drill/index.js';
import type { ImportApi, Logger, OrdsApi, RestSqlApi, SqlRequestApi } from '../ords/index.js';
import { backupFolder, type JobRef, type ServerCleanup } from '../state/index.js';
import { putFiles } from './put-files.js';
import { restoreIdOf, targetCreated } from './restore.js';
import { removeRestoreLeftovers } from './restore-cleanup.js';
import { startRestoreImport } from './restore-import.js';
import {
  deleteRestoreRecords,
  readRestoreRecord,
  restoreRecordKey,
  writeRestoreRecord,
} from './restore-record.js';
import { readExportLog, readRange, readRestoreSource, type SourceFile } from './restore-source.js';
import { DEFAULT_CHUNK_BYTES } from './upload-sql.js';

/**
 * The restore drill from S3 (`restoreDrill.source: "s3"`): after the server cleanup, this night's S3
 * copy is restored with the restore machinery, so that the drill proves the bytes a real restore
 * would use. Three steps of the state machine, each safe to run again:
 * - `putS3DrillFiles`: checks the manifest and each file's checksums in S3 (first call), records the
 *   files it will put on the server, then puts them there until the invocation's time runs out;
 *   the state machine calls it again with the progress until every file is there and checked.
 * - `startS3Drill`: the import into the drill schema, owned by the drill's intent record.
 * - `finishS3Drill`: the import's verdict and rows (against the export log in S3), the drill schema
 *   dropped by ownership, the import's log and control table and the uploaded files removed.
 * A step that fails for good removes what the drill put on the server first; its error names what
 * is still there.
 */

/** What the S3 drill steps need. */
export interface S3DrillDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly ords: Pick<OrdsApi, 'baseUrl' | 'getJob' | 'readLog'> & ImportApi;
  readonly sql: RestSqlApi & SqlRequestApi;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** A presigned GetObject URL of one file's recorded version, valid for a few minutes. */
  readonly presign: (bucket: string, file: SourceFile) => Promise<string>;
  /** True when the invocation should return its progress instead of uploading more. */
  readonly shouldStop: () => boolean;
}

/** The run and the database's binding, as every step reads them. */
export interface S3DrillContext {
  readonly database: string;
  readonly prefix: string;
  /** The export's job: its backup folder holds the manifest the drill restores. */
  readonly job: JobRef;
  readonly drill: RestoreDrillBinding;
  readonly directory: string;
  readonly exportedSchemas: readonly string[];
  readonly remover: FileRemover;
  readonly serverCleanup: ServerCleanup;
  /** The run lock's holder, which owns the import. */
  readonly executionArn: string;
  /** @default DEFAULT_CHUNK_BYTES */
  readonly chunkBytes?: number;
}

const SourceFileSchema = z.object({
  name: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** What the first call checked in S3, carried by the state (`$.s3Drill.checked`). */
const CheckedCopySchema = z.object({
  restoreId: z.string().regex(/^R[0-9A-F]{10}$/),
  manifestKey: z.string().min(1),
  manifestBytes: z.number().int().min(0),
  dumpFile: z.string().min(1),
  schema: z.string().min(1),
  targetSchema: z.string().min(1),
  files: z.array(SourceFileSchema).min(1),
  exportLog: z.object({ key: z.string().min(1), versionId: z.string().min(1).optional() }).nullable(),
});
type CheckedCopy = z.output<typeof CheckedCopySchema>;

/** `$.s3Drill`: `{ done: false }` before the first call, then what the calls have done. */
export const S3DrillProgressSchema = z.object({
  done: z.boolean(),
  checked: CheckedCopySchema.optional(),
  path: z.enum(['get-object', 'chunked']).optional(),
  digest: z.enum(['sha256', 'size']).optional(),
  fallbackReason: z.string().optional(),
});
export type S3DrillProgress = z.output<typeof S3DrillProgressSchema>;

const subjectOf = (database: string) => `The restore drill of database "${database}" from S3`;

/** `s3://bucket/<this run's backup folder>manifest.json`. */
export function s3DrillManifestUri(bucket: string, context: S3DrillContext): string {
  const { job } = context;
  return `s3://${bucket}/${backupFolder(context.prefix, context.database, job.startedAt, job.jobName)}manifest.json`;
}

/** Puts this night's S3 copy on the server; see the file's comment. */
export async function putS3DrillFiles(
  deps: S3DrillDeps,
  context: S3DrillContext,
  progress: S3DrillProgress,
): Promise<S3DrillProgress> {
  const subject = subjectOf(context.database);
  const checked = progress.checked ?? (await checkCopy(deps, context));
  const recordKey = restoreRecordKey(checked.manifestKey, checked.restoreId);
  const serverFiles = serverFilesOf(checked);
  if (!progress.checked) {
    const created = await targetCreated(deps.sql, checked.targetSchema);
    if (created !== null) {
      throw new RestoreDrillFailedError(
        `${subject} failed: its drill schema ${checked.targetSchema} already exists (created ${created}); ` +
          'a drill imports only into a schema that does not exist yet. Nothing was put on the server.',
      );
    }
    const stored = await readRestoreRecord(deps.s3, deps.bucket, recordKey);
    if (stored === null) {
      await writeRestoreRecord(
        deps.s3,
        deps.bucket,
        recordKey,
        {
          restoreId: checked.restoreId,
          manifestUri: `s3://${deps.bucket}/${checked.manifestKey}`,
          database: context.database,
          sourceSchema: checked.schema,
          targetSchema: checked.targetSchema,
          directory: context.directory,
          serverFiles,
        },
        null,
      );
    }
  }
  // At least one chunk per invocation, whatever the budget says: the loop always moves forward.
  let moved = false;
  try {
    const put = await putFiles(
      {
        sql: deps.sql,
        logger: deps.logger,
        presign: (file) => deps.presign(deps.bucket, file),
        readRange: (file, start, end) => readRange(deps.s3, deps.bucket, file, start, end),
        removeFile: async (directory, name) => {
          await removeRestoreLeftovers(deps.sql, { directory, remover: context.remover, files: [name] });
        },
        onProgress: (line) => {
          if (line.startsWith('Uploaded ')) moved = true;
          deps.logger.info(line);
        },
        shouldStop: () => moved && deps.shouldStop(),
      },
      {
        directory: context.directory,
        files: checked.files.map((file) => ({ source: file, serverName: serverNameOf(checked, file) })),
        probe: {
          source: {
            name: 'manifest.json',
            key: checked.manifestKey,
            bytes: checked.manifestBytes,
            sha256: '',
          },
          serverName: `${checked.restoreId}-PROBE.JSON`,
        },
        path: progress.path ?? 'auto',
        chunkBytes: context.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      },
    );
    return {
      done: put.done,
      checked,
      path: put.path,
      digest: put.digest,
      ...(put.fallbackReason ? { fallbackReason: put.fallbackReason } : {}),
    };
  } catch (error) {
    throw await failedAfterPut(deps, context, checked, error);
  }
}

/** Starts the import of the uploaded files into the drill schema, owned by the drill's intent record. */
export async function startS3Drill(
  deps: S3DrillDeps,
  context: S3DrillContext,
  progress: S3DrillProgress,
): Promise<DrillStarted> {
  const checked = checkedOf(progress, context);
  const { schema, targetSchema: target } = checked;
  try {
    const owned = await startOwnedImport(
      {
        s3: deps.s3,
        bucket: deps.bucket,
        sql: deps.sql,
        ords: deps.ords,
        logger: deps.logger,
        sleep: deps.sleep,
      },
      {
        key: intentKeyOf(context),
        executionArn: context.executionArn,
        targetSchemas: [target],
        subject: subjectOf(context.database),
        start: () =>
          startRestoreImport(deps, {
            directory: context.directory,
            template: `${checked.restoreId}-${checked.dumpFile}`,
            source: schema,
            target,
          }),
      },
    );
    const logFileName = owned.job.files.find((file) => file.kind === 'log')?.name;
    deps.logger.info('Restore drill from S3: import', {
      importJob: owned.job.jobName,
      adopted: owned.adopted,
    });
    return {
      job: {
        path: 'ords-import',
        owner: owned.job.owner,
        jobName: owned.job.jobName,
        runId: context.job.runId,
        fileName: `${checked.restoreId}-${checked.dumpFile}`,
        jobMode: 'SCHEMA',
        startedAt: deps.now().toISOString(),
        adopted: owned.adopted,
        ...(logFileName ? { logFileName } : {}),
      },
      schema,
      targetSchema: target,
      dbTimeAtStart: owned.intent.dbTime,
    };
  } catch (error) {
    throw await failedAfterPut(deps, context, checked, error);
  }
}

/**
 * The import's verdict and rows against the export log in S3, the drill schema dropped when the
 * drill owns it, then the import's log and control table and every uploaded file removed. Without
 * `drill` (the import never started), only the files are removed.
 */
export async function finishS3Drill(
  deps: S3DrillDeps,
  context: S3DrillContext,
  progress: S3DrillProgress,
  drill: DrillStarted,
): Promise<DrillOutcome> {
  const checked = checkedOf(progress, context);
  const outcome = await dropDrillSchema(deps, {
    database: context.database,
    drill,
    executionArn: context.executionArn,
    intentKey: intentKeyOf(context),
    exportJob: context.job,
    // The uploaded files and the import's own log go whatever the database's serverCleanup says.
    serverCleanup: context.serverCleanup === 'files-and-control-table' ? 'files-and-control-table' : 'files',
    directory: context.directory,
    remover: context.remover,
    exportLogText: async () => {
      const text = await readExportLog(deps.s3, {
        bucket: deps.bucket,
        log: checked.exportLog,
      } as Parameters<typeof readExportLog>[1]);
      if (text === null) throw new Error('the manifest lists no export log');
      return text;
    },
  });
  const left = await removeRestoreLeftovers(deps.sql, {
    directory: context.directory,
    remover: context.remover,
    files: serverFilesOf(checked),
  });
  if (left.length === 0) {
    await deleteRestoreRecords(deps.s3, deps.bucket, [
      restoreRecordKey(checked.manifestKey, checked.restoreId),
    ]);
  }
  const importLeft = [...(outcome.importLeft ?? []), ...left];
  return { ...outcome, ...(importLeft.length > 0 ? { importLeft } : {}) };
}

/** Reads the manifest and checks every dump file in S3; a damaged copy fails the drill, naming it. */
async function checkCopy(deps: S3DrillDeps, context: S3DrillContext): Promise<CheckedCopy> {
  const manifestUri = s3DrillManifestUri(deps.bucket, context);
  const target = checkDrillTarget(context.drill.targetSchema, [
    ...context.exportedSchemas,
    context.drill.schema,
  ]);
  let source: Awaited<ReturnType<typeof readRestoreSource>>;
  try {
    source = await readRestoreSource(deps.s3, manifestUri, (line) => deps.logger.info(line));
  } catch (error) {
    if (isRetryable(error)) throw error;
    throw new RestoreDrillFailedError(
      `${subjectOf(context.database)} failed: the S3 copy is not restorable: ${(error as Error).message}. ` +
        'Nothing was put on the server.',
      { cause: error },
    );
  }
  return {
    restoreId: restoreIdOf(manifestUri, context.database, target),
    manifestKey: source.manifestKey,
    manifestBytes: source.manifestBytes,
    dumpFile: source.dumpFile,
    schema: context.drill.schema.toUpperCase(),
    targetSchema: target,
    files: source.files.map((file) => ({ ...file })),
    exportLog: source.log,
  };
}

function checkedOf(progress: S3DrillProgress, context: S3DrillContext): CheckedCopy {
  if (!progress.checked || !progress.done) {
    throw new RestoreDrillFailedError(
      `${subjectOf(context.database)}: the import was asked to start before every file was on the server`,
    );
  }
  return progress.checked;
}

function serverNameOf(checked: CheckedCopy, file: { readonly name: string }): string {
  return `${checked.restoreId}-${file.name}`;
}

function serverFilesOf(checked: CheckedCopy): string[] {
  return [...checked.files.map((file) => serverNameOf(checked, file)), `${checked.restoreId}-PROBE.JSON`];
}

function intentKeyOf(context: S3DrillContext): string {
  return restoreDrillIntentKey(context.prefix, context.database, context.job);
}

function isRetryable(error: unknown): boolean {
  return (RETRYABLE_ERRORS as readonly string[]).includes((error as Error | null)?.name ?? '');
}

/**
 * The error of a step that failed after files may be on the server. A transient error keeps them
 * (the step is retried and resumes), naming them; any other removes them first and names what stays.
 */
async function failedAfterPut(
  deps: S3DrillDeps,
  context: S3DrillContext,
  checked: CheckedCopy,
  error: unknown,
): Promise<Error> {
  const files = serverFilesOf(checked);
  const message = (error as Error).message.replace(/\.$/, '');
  if (isRetryable(error)) {
    const kept = files.map((name) => `${context.directory}/${name}`).join(', ');
    return Object.assign(new Error(`${message}. Kept on the server for the next attempt: ${kept}`), {
      name: (error as BackupError).name,
      cause: error,
    });
  }
  let left: string[];
  try {
    left = await removeRestoreLeftovers(deps.sql, {
      directory: context.directory,
      remover: context.remover,
      files,
    });
  } catch (removal) {
    left = files.map((name) => `${context.directory}/${name} (${(removal as Error).message})`);
  }
  if (left.length === 0) {
    await deleteRestoreRecords(deps.s3, deps.bucket, [
      restoreRecordKey(checked.manifestKey, checked.restoreId),
    ]).catch(() => {});
  }
  const tail =
    left.length === 0
      ? 'Nothing the drill put on the server is left there.'
      : `Still on the server: ${left.join('; ')}.`;
  const subject = subjectOf(context.database);
  const text = message.startsWith(subject) ? message : `${subject} failed: ${message}`;
  return new RestoreDrillFailedError(`${text}. ${tail}`, { cause: error });
}
