import { RestoreDrillFailedError } from '../base/index.js';
import type { DrillOutcome, DrillStarted } from '../drill/index.js';
import { dropDrillSchema, startOwnedImport } from '../drill/index.js';
import { putCheckedFiles } from './put-checked-files.js';
import { targetCreated } from './restore.js';
import { removeRestoreLeftovers } from './restore-cleanup.js';
import { startRestoreImport } from './restore-import.js';
import {
  deleteRestoreRecords,
  readRestoreRecord,
  restoreRecordKey,
  writeRestoreRecord,
} from './restore-record.js';
import { readExportLog } from './restore-source.js';
import {
  checkCopy,
  checkedOf,
  failedAfterPut,
  intentKeyOf,
  type S3DrillContext,
  type S3DrillDeps,
  type S3DrillProgress,
  serverFilesOf,
  subjectOf,
} from './s3-drill-copy.js';

/**
 * The restore drill from S3 (`restoreDrill.source: "s3"`): after the server cleanup, this night's S3
 * copy is restored with the restore machinery, so that the drill proves the bytes a real restore
 * would use. Three steps of the state machine, each safe to run again:
 * - `putS3DrillFiles`: checks the manifest and each file's checksums in S3 (in as many calls as the
 *   bytes take), records the files it will put on the server, then puts them there until the
 *   invocation's time runs out; the state machine calls it again with the progress until every
 *   file is there and checked.
 * - `startS3Drill`: the import into the drill schema, owned by the drill's intent record.
 * - `finishS3Drill`: the import's verdict and rows (against the export log in S3), the drill schema
 *   dropped by ownership, the import's log and control table and the uploaded files removed.
 * A step that fails for good removes what the drill put on the server first; its error names what
 * is still there.
 */

/** Puts this night's S3 copy on the server; see the file's comment. */
export async function putS3DrillFiles(
  deps: S3DrillDeps,
  context: S3DrillContext,
  progress: S3DrillProgress,
): Promise<S3DrillProgress> {
  const subject = subjectOf(context.database);
  let checked = progress.checked;
  if (!checked) {
    const step = await checkCopy(deps, context, progress.checking);
    if ('checking' in step) return { done: false, checking: step.checking };
    checked = step.checked;
    const recordKey = restoreRecordKey(checked.manifestKey, checked.restoreId);
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
          serverFiles: serverFilesOf(checked),
        },
        null,
      );
    }
    // The check spent this call's time: the files go up in the next one.
    if (deps.shouldStop()) return { done: false, checked };
  }
  try {
    const put = await putCheckedFiles(deps, checked, {
      directory: context.directory,
      remover: context.remover,
      path: progress.path ?? 'auto',
      ...(context.chunkBytes ? { chunkBytes: context.chunkBytes } : {}),
    });
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
      const text = await readExportLog(deps.s3, { bucket: deps.bucket, log: checked.exportLog });
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
