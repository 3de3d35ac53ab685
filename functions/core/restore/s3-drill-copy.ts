import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { type BackupError, RETRYABLE_ERRORS, RestoreDrillFailedError } from '../base/index.js';
import type { FileRemover } from '../cleanup/index.js';
import { checkDrillTarget, type RestoreDrillBinding, restoreDrillIntentKey } from '../drill/index.js';
import type { ImportApi, Logger, OrdsApi, RestSqlApi, SqlRequestApi } from '../ords/index.js';
import { backupFolder, type JobRef, type ServerCleanup } from '../state/index.js';
import { restoreIdOf } from './restore.js';
import { removeRestoreLeftovers } from './restore-cleanup.js';
import { deleteRestoreRecords, restoreRecordKey } from './restore-record.js';
import { checkRestoreSource } from './restore-source.js';
import { type SourceCheck, SourceCheckSchema, type SourceFile, SourceFileSchema } from './source-check.js';

/**
 * The drill from S3's data and helpers (see `s3-drill.ts`): what its steps need, the progress the
 * state carries between them, the check of the S3 copy, and the error of a step that failed after
 * files may be on the server.
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
  /** Bytes the check in S3 reads per call at least. @default DEFAULT_CHECK_MIN_BYTES */
  readonly checkMinBytes?: number;
}

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
export type CheckedCopy = z.output<typeof CheckedCopySchema>;

/**
 * `$.s3Drill`: `{ done: false }` before the first call, then what the calls have done: how far the
 * check of the copy in S3 got (`checking`), what it found (`checked`), how the files went up.
 */
export const S3DrillProgressSchema = z.object({
  done: z.boolean(),
  checking: SourceCheckSchema.optional(),
  checked: CheckedCopySchema.optional(),
  path: z.enum(['get-object', 'chunked']).optional(),
  digest: z.enum(['sha256', 'size']).optional(),
  fallbackReason: z.string().optional(),
});
export type S3DrillProgress = z.output<typeof S3DrillProgressSchema>;

export const subjectOf = (database: string) => `The restore drill of database "${database}" from S3`;

/** `s3://bucket/<this run's backup folder>manifest.json`. */
export function s3DrillManifestUri(bucket: string, context: S3DrillContext): string {
  const { job } = context;
  return `s3://${bucket}/${backupFolder(context.prefix, context.database, job.startedAt, job.jobName)}manifest.json`;
}

/**
 * Reads the manifest and checks the dump files in S3 from where `checking` stopped, until the
 * invocation's time is spent: what it found, or how far it got. A damaged copy fails the drill,
 * naming it.
 */
export async function checkCopy(
  deps: S3DrillDeps,
  context: S3DrillContext,
  checking: SourceCheck | undefined,
): Promise<{ readonly checked: CheckedCopy } | { readonly checking: SourceCheck }> {
  const manifestUri = s3DrillManifestUri(deps.bucket, context);
  const target = checkDrillTarget(context.drill.targetSchema, [
    ...context.exportedSchemas,
    context.drill.schema,
  ]);
  let step: Awaited<ReturnType<typeof checkRestoreSource>>;
  try {
    step = await checkRestoreSource(deps.s3, manifestUri, checking, {
      shouldStop: deps.shouldStop,
      ...(context.checkMinBytes ? { minBytesPerCall: context.checkMinBytes } : {}),
      onProgress: (line) => deps.logger.info(line),
    });
  } catch (error) {
    if (isRetryable(error)) throw error;
    throw new RestoreDrillFailedError(
      `${subjectOf(context.database)} failed: the S3 copy is not restorable: ${(error as Error).message}. ` +
        'Nothing was put on the server.',
      { cause: error },
    );
  }
  if (!step.done) return { checking: step.progress };
  const { source } = step;
  return {
    checked: {
      restoreId: restoreIdOf(manifestUri, context.database, target),
      manifestKey: source.manifestKey,
      manifestBytes: source.manifestBytes,
      dumpFile: source.dumpFile,
      schema: context.drill.schema.toUpperCase(),
      targetSchema: target,
      files: source.files.map((file) => ({ ...file })),
      exportLog: source.log,
    },
  };
}

export function checkedOf(progress: S3DrillProgress, context: S3DrillContext): CheckedCopy {
  if (!progress.checked || !progress.done) {
    throw new RestoreDrillFailedError(
      `${subjectOf(context.database)}: the import was asked to start before every file was on the server`,
    );
  }
  return progress.checked;
}

export function serverNameOf(checked: CheckedCopy, file: { readonly name: string }): string {
  return `${checked.restoreId}-${file.name}`;
}

export function serverFilesOf(checked: CheckedCopy): string[] {
  return [...checked.files.map((file) => serverNameOf(checked, file)), `${checked.restoreId}-PROBE.JSON`];
}

export function intentKeyOf(context: S3DrillContext): string {
  return restoreDrillIntentKey(context.prefix, context.database, context.job);
}

export function isRetryable(error: unknown): boolean {
  return (RETRYABLE_ERRORS as readonly string[]).includes((error as Error | null)?.name ?? '');
}

/**
 * The error of a step that failed after files may be on the server. A transient error keeps them
 * (the step is retried and resumes), naming them; any other removes them first and names what stays.
 */
export async function failedAfterPut(
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
