import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  BackupError,
  ErrorName,
  type ErrorNameValue,
  InvalidInputError,
  RETRYABLE_ERRORS,
} from '../base/index.js';
import type { FileRemover } from '../cleanup/index.js';
import {
  drillTargetProblem,
  drillUserQuery,
  parseDrillUserRow,
  readIntent,
  schemaOwnershipProblem,
  startOwnedImport,
} from '../drill/index.js';
import type { ImportApi, Logger, OrdsApi, RestSqlApi, SqlRequestApi } from '../ords/index.js';
import { type PutFilesResult, putFiles, type UploadChoice } from './put-files.js';
import { removeRestoreLeftovers } from './restore-cleanup.js';
import { awaitRestoreImport, type ImportOutcome, startRestoreImport } from './restore-import.js';
import {
  deleteRestoreRecords,
  readRestoreRecord,
  restoreIntentKey,
  restoreRecordKey,
  type StoredRecord,
  writeRestoreRecord,
} from './restore-record.js';
import { readExportLog, readRange, readRestoreSource, type SourceFile } from './restore-source.js';
import { DEFAULT_CHUNK_BYTES } from './upload-sql.js';

/**
 * A restore of a backup from S3 into a database, through ORDS alone: check the backup in S3, take
 * the database's run lock, record the intent, put the dump files on the server and check them there,
 * import them into a schema that does not exist yet, judge the import by its log and each table's
 * rows, then remove the files, the import's log and its control table. After a failure nothing is
 * left on the server but what the error names; the target schema is dropped only when the database
 * proves this restore's import created it.
 */

/** The run lock of the target database, held by this restore. */
export interface RestoreLock {
  acquire(): Promise<void>;
  /** Check-before-act: throws when another run holds the lock now. */
  check(step: string): Promise<void>;
  release(): Promise<void>;
}

/** What a restore needs. */
export interface RestoreDeps {
  readonly s3: Pick<S3Client, 'send'>;
  readonly ords: Pick<OrdsApi, 'getJob' | 'readLog'> & ImportApi;
  readonly sql: RestSqlApi & SqlRequestApi;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** A presigned GetObject URL of one file's recorded version, valid for a few minutes. */
  readonly presign: (bucket: string, file: SourceFile) => Promise<string>;
  readonly lock: RestoreLock;
  /**
   * Who owns the import (its intent record) and holds the lock: the execution's ARN, or for a run by
   * hand a synthetic one that is the same for the same restore, so that running it again resumes.
   */
  readonly executionArn: string;
  readonly onProgress?: (line: string) => void;
}

/** What to restore where. */
export interface RestoreInput {
  /** `s3://bucket/<backup folder>/manifest.json` */
  readonly manifestUri: string;
  /** The target database's id (its run lock). */
  readonly database: string;
  /** The new schema to import into: must not exist. */
  readonly targetSchema: string;
  /** The exported schema to restore. @default - the backup's only schema */
  readonly schema?: string;
  /** The directory object. @default - the backup's export directory */
  readonly directory?: string;
  readonly path: UploadChoice;
  /** @default DEFAULT_CHUNK_BYTES */
  readonly chunkBytes?: number;
  readonly pollSeconds: number;
  readonly timeoutSeconds: number;
  readonly remover: FileRemover;
}

/** The last line of `npm run restore`. */
export interface RestoreReport {
  readonly succeeded: true;
  readonly restoreId: string;
  readonly manifest: string;
  readonly database: string;
  readonly schema: string;
  readonly targetSchema: string;
  readonly path: PutFilesResult['path'];
  readonly digest: PutFilesResult['digest'];
  readonly fallbackReason?: string;
  readonly importJob: string;
  readonly summary: string;
  /** The backup's figures for the schema (manifest `exported`) and what the import brought back. */
  readonly tables: { readonly exported: number | null; readonly imported: number };
  readonly rows: { readonly exported: number | null; readonly imported: number };
}

const failed = (message: string, cause?: unknown) =>
  new BackupError(ErrorName.RestoreFailed, message, cause === undefined ? undefined : { cause });

/** The restore's id: the same for the same backup, database and target, so that a rerun resumes. */
export function restoreIdOf(manifestUri: string, database: string, target: string): string {
  const hash = createHash('sha256').update(`${manifestUri}\n${database}\n${target}`).digest('hex');
  return `R${hash.slice(0, 10).toUpperCase()}`;
}

/** Restores one schema of a backup; see the file's comment. */
export async function restoreBackup(deps: RestoreDeps, input: RestoreInput): Promise<RestoreReport> {
  const say = deps.onProgress ?? (() => {});
  const source = await readRestoreSource(deps.s3, input.manifestUri, say);
  const schemas = (source.exported?.schemas ?? []).map((entry) => entry.schema.toUpperCase());
  const schema = pickSchema(schemas, input.schema);
  const problem = drillTargetProblem(input.targetSchema, schemas);
  if (problem)
    throw new InvalidInputError(`Refusing --target-schema ${JSON.stringify(input.targetSchema)}: ${problem}`);
  const target = input.targetSchema.toUpperCase();
  const directory = input.directory ?? source.exportDirectory;
  const restoreId = restoreIdOf(input.manifestUri, input.database, target);
  const recordKey = restoreRecordKey(source.manifestKey, restoreId);
  const files = source.files.map((file) => ({ source: file, serverName: `${restoreId}-${file.name}` }));
  const probe = {
    source: { name: 'manifest.json', key: source.manifestKey, bytes: source.manifestBytes, sha256: '' },
    serverName: `${restoreId}-PROBE.JSON`,
  };
  const serverFiles = [...files.map((file) => file.serverName), probe.serverName];

  await deps.lock.acquire();
  const intentKey = restoreIntentKey(source.manifestKey, restoreId);
  const ownership = {
    s3: deps.s3 as S3Client,
    bucket: source.bucket,
    sql: deps.sql,
    ords: deps.ords,
    logger: deps.logger,
    sleep: deps.sleep,
  };
  let stored: StoredRecord | null = null;
  let importJob: { owner: string; jobName: string } | undefined;
  let outcome: ImportOutcome | undefined;
  try {
    stored = await readRestoreRecord(deps.s3, source.bucket, recordKey);
    const intent = await readIntent(ownership, intentKey);
    let put: PutFilesResult = { done: true, path: 'chunked', digest: 'size' };
    if (intent?.intent.jobName == null) {
      // Refused before anything is put on the server; startOwnedImport checks it again in its record.
      const created = await targetCreated(deps.sql, target);
      if (created !== null && intent === null) {
        throw failed(
          `The target schema ${target} already exists in database "${input.database}" (created ${created}): ` +
            'a restore imports only into a schema that does not exist yet. Pick another --target-schema.',
        );
      }
      stored ??= await writeRestoreRecord(
        deps.s3,
        source.bucket,
        recordKey,
        {
          restoreId,
          manifestUri: input.manifestUri,
          database: input.database,
          sourceSchema: schema,
          targetSchema: target,
          directory,
          serverFiles,
        },
        null,
      );
      await deps.lock.check('Put files on the server');
      put = await putFiles(
        {
          sql: deps.sql,
          logger: deps.logger,
          presign: (file) => deps.presign(source.bucket, file),
          readRange: (file, start, end) => readRange(deps.s3, source.bucket, file, start, end),
          removeFile: async (dir, name) => {
            await removeRestoreLeftovers(deps.sql, { directory: dir, remover: input.remover, files: [name] });
          },
          onProgress: say,
        },
        { directory, files, probe, path: input.path, chunkBytes: input.chunkBytes ?? DEFAULT_CHUNK_BYTES },
      );
      await deps.lock.check('Start import');
    }
    const owned = await startOwnedImport(ownership, {
      key: intentKey,
      executionArn: deps.executionArn,
      targetSchemas: [target],
      subject: `The restore ${restoreId} of database "${input.database}"`,
      start: () =>
        startRestoreImport(deps, {
          directory,
          template: `${restoreId}-${source.dumpFile}`,
          source: schema,
          target,
        }),
    });
    importJob = { owner: owned.job.owner, jobName: owned.job.jobName };
    say(
      `Import ${importJob.owner}.${importJob.jobName} ${owned.adopted ? 'adopted' : 'started'}: ${schema} into ${target}`,
    );
    outcome = await awaitRestoreImport(deps, {
      job: owned.job,
      pollSeconds: input.pollSeconds,
      timeoutSeconds: input.timeoutSeconds,
      source: schema,
      target,
      exportLog: await readExportLog(deps.s3, source),
    });
    if (outcome.verdict !== 'succeeded' || outcome.mismatches.length > 0) {
      const why = [outcome.summary, ...outcome.errors.slice(0, 5), ...outcome.mismatches.slice(0, 5)].join(
        '; ',
      );
      throw failed(`The import of ${schema} into ${target} did not succeed: ${why}`);
    }
    await deps.lock.check('Remove restore files');
    const left = await removeRestoreLeftovers(deps.sql, {
      directory,
      remover: input.remover,
      files: serverFiles,
      importJob: { ...importJob, logFileName: outcome.logFileName },
    });
    if (left.length > 0) say(`Restored, but still on the server: ${left.join('; ')}`);
    else await deleteRestoreRecords(deps.s3, source.bucket, [recordKey, intentKey]);
    const exported = source.exported?.schemas.find((entry) => entry.schema.toUpperCase() === schema);
    return {
      succeeded: true,
      restoreId,
      manifest: input.manifestUri,
      database: input.database,
      schema,
      targetSchema: target,
      path: put.path,
      digest: put.digest,
      ...(put.fallbackReason ? { fallbackReason: put.fallbackReason } : {}),
      importJob: `${importJob.owner}.${importJob.jobName}`,
      summary: outcome.summary,
      tables: { exported: exported?.tables ?? null, imported: outcome.tables },
      rows: { exported: exported?.rows ?? null, imported: outcome.rows },
    };
  } catch (error) {
    if (stored === null) throw error;
    if (importJob === undefined && isRetryable(error)) {
      // A network or ORDS outage: the files stay for the next attempt, which resumes them.
      throw new BackupError(
        (error as BackupError).name as ErrorNameValue,
        `${(error as Error).message}. Kept on the server for the next attempt to resume: ` +
          `${stored.record.serverFiles.map((name) => `${directory}/${name}`).join(', ')}; run the same restore again.`,
        { cause: error },
      );
    }
    const job = importJob;
    const left = await removeRestoreLeftovers(deps.sql, {
      directory,
      remover: input.remover,
      files: stored.record.serverFiles,
      ...(job
        ? {
            importJob: { ...job, logFileName: outcome?.logFileName ?? null },
            dropTarget: {
              schema: target,
              owned: () =>
                schemaOwnershipProblem(ownership, {
                  key: intentKey,
                  executionArn: deps.executionArn,
                  target,
                  jobName: job.jobName,
                }),
            },
          }
        : {}),
    });
    if (left.length === 0)
      await deleteRestoreRecords(deps.s3, source.bucket, [recordKey, intentKey]).catch(() => {});
    const tail =
      left.length === 0
        ? ' Nothing of this restore is left on the server.'
        : ` Still on the server: ${left.join('; ')}.`;
    const message = `${(error as Error).message}.${tail}`.replace(/\.\./g, '.');
    throw error instanceof BackupError
      ? new BackupError(error.name as ErrorNameValue, message, { cause: error })
      : failed(message, error);
  } finally {
    await deps.lock.release();
  }
}

function isRetryable(error: unknown): boolean {
  return (RETRYABLE_ERRORS as readonly string[]).includes((error as Error | null)?.name ?? '');
}

function pickSchema(schemas: readonly string[], wanted: string | undefined): string {
  if (wanted !== undefined) {
    const upper = wanted.toUpperCase();
    if (!schemas.includes(upper)) {
      throw new InvalidInputError(
        `--schemas ${wanted}: the backup exported ${schemas.join(', ') || 'no schema it recorded'}`,
      );
    }
    return upper;
  }
  if (schemas.length !== 1) {
    throw new InvalidInputError(
      `The backup exported ${schemas.length} schemas (${schemas.join(', ')}): name the one to restore with --schemas`,
    );
  }
  return schemas[0] as string;
}

/** When the schema was created (ALL_USERS), null when it does not exist. */
export async function targetCreated(sql: RestSqlApi, target: string): Promise<string | null> {
  const [result] = await sql.runSql([drillUserQuery(target)]);
  const row = result ? parseDrillUserRow(result) : null;
  if (row === null) {
    throw failed(
      `The database could not look ${target} up in ALL_USERS: ${result && !result.ok ? result.errorDetails : 'no answer'}`,
    );
  }
  return row.created;
}
