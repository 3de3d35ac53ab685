import type { FileRemover } from '../cleanup/index.js';
import { type PutFilesResult, putFiles, type UploadChoice } from './put-files.js';
import { removeRestoreLeftovers } from './restore-cleanup.js';
import { readRange, type SourceFile } from './restore-source.js';
import type { S3DrillDeps } from './s3-drill-copy.js';
import { DEFAULT_CHUNK_BYTES } from './upload-sql.js';

/** The checked backup whose files go to the server: the restore's and the drill from S3's alike. */
export interface CheckedFiles {
  readonly restoreId: string;
  readonly manifestKey: string;
  readonly manifestBytes: number;
  readonly files: readonly SourceFile[];
}

/** Where the files go, and how. */
export interface PutCheckedInput {
  readonly directory: string;
  readonly remover: FileRemover;
  readonly path: UploadChoice;
  /** @default DEFAULT_CHUNK_BYTES */
  readonly chunkBytes?: number;
}

/**
 * One invocation's share of putting a checked backup's files on the server, named
 * `<restore id>-<file>` (the manifest, as `<restore id>-PROBE.JSON`, probes the get-object path). It
 * moves at least one chunk, whatever the budget says, so a loop of invocations always moves forward;
 * then it stops when `deps.shouldStop()` says so.
 */
export async function putCheckedFiles(
  deps: Pick<S3DrillDeps, 'sql' | 'logger' | 'presign' | 's3' | 'bucket' | 'shouldStop'>,
  checked: CheckedFiles,
  input: PutCheckedInput,
): Promise<PutFilesResult> {
  let moved = false;
  return putFiles(
    {
      sql: deps.sql,
      logger: deps.logger,
      presign: (file) => deps.presign(deps.bucket, file),
      readRange: (file, start, end) => readRange(deps.s3, deps.bucket, file, start, end),
      removeFile: async (directory, name) => {
        await removeRestoreLeftovers(deps.sql, { directory, remover: input.remover, files: [name] });
      },
      onProgress: (line) => {
        if (line.startsWith('Uploaded ')) moved = true;
        deps.logger.info(line);
      },
      shouldStop: () => moved && deps.shouldStop(),
    },
    {
      directory: input.directory,
      files: checked.files.map((file) => ({ source: file, serverName: `${checked.restoreId}-${file.name}` })),
      probe: {
        source: { name: 'manifest.json', key: checked.manifestKey, bytes: checked.manifestBytes, sha256: '' },
        serverName: `${checked.restoreId}-PROBE.JSON`,
      },
      path: input.path,
      chunkBytes: input.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    },
  );
}
