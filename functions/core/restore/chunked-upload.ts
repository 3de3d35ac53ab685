import { BackupError, ErrorName } from '../base/index.js';
import type { Logger, SqlRequestApi } from '../ords/index.js';
import { outCount, parseBlockAnswer } from './upload-answer.js';
import { appendRequest, fileSizeRequest, OFFSET_MISMATCH, PIECE_BYTES } from './upload-sql.js';

/**
 * The upload of one file into a directory object by appends through REST-enabled SQL, resumable:
 * before the first chunk, and after any refused one, the database says how many bytes the file
 * holds, and the upload continues from exactly there. Each append is checked in the database against
 * the offset it was cut for, so neither a retried request nor a second invocation can duplicate or
 * skip a byte.
 */

/** What an upload needs: REST-enabled SQL, the source's bytes by range, a logger. */
export interface ChunkedUploadDeps {
  readonly sql: SqlRequestApi;
  /** Bytes `[start, endExclusive)` of the source (a ranged S3 GetObject of the recorded version). */
  readonly readRange: (start: number, endExclusive: number) => Promise<Buffer>;
  readonly logger: Logger;
  /** Called after each chunk with the bytes the file holds. */
  readonly onProgress?: (bytes: number) => void;
  /** Whether this invocation should stop before the next chunk (its time is nearly up). */
  readonly shouldStop?: () => boolean;
}

/** The file to upload. */
export interface ChunkedUploadInput {
  readonly directory: string;
  readonly fileName: string;
  /** The source's size: the file is complete when it holds this many bytes. */
  readonly bytes: number;
  /** Raw bytes per request, rounded down to whole base64 pieces (at least one piece). */
  readonly chunkBytes: number;
}

/** Where an upload stands: `done` once the file holds `bytes` bytes. */
export interface ChunkedUploadResult {
  readonly done: boolean;
  readonly bytes: number;
  readonly chunks: number;
}

/** Refusals of the same offset in a row before the upload gives up (another writer is at work). */
const MAX_MISMATCHES = 3;

/** The file's size in the database, -1 when it does not exist. */
export async function serverFileSize(sql: SqlRequestApi, directory: string, name: string): Promise<number> {
  const what = `the size of ${directory}/${name}`;
  const answer = parseBlockAnswer(await sql.runSqlRequest(fileSizeRequest(directory, name)), what);
  if (!answer.ok) {
    throw new BackupError(
      ErrorName.RestoreFailed,
      `The database could not read ${what} (UTL_FILE.FGETATTR): ${answer.errorDetails}. The REST user needs ` +
        `READ and WRITE on directory ${directory}.`,
    );
  }
  return outCount(answer, 'bytes_out', what);
}

/** Uploads (the rest of) one file; see the file's comment. */
export async function uploadChunked(
  deps: ChunkedUploadDeps,
  input: ChunkedUploadInput,
): Promise<ChunkedUploadResult> {
  const { directory, fileName, bytes } = input;
  const chunkBytes = Math.max(PIECE_BYTES, Math.floor(input.chunkBytes / PIECE_BYTES) * PIECE_BYTES);
  let held = Math.max(0, await serverFileSize(deps.sql, directory, fileName));
  let chunks = 0;
  let mismatches = 0;
  while (held < bytes) {
    if (deps.shouldStop?.()) return { done: false, bytes: held, chunks };
    const end = Math.min(bytes, held + chunkBytes);
    const chunk = await deps.readRange(held, end);
    if (chunk.length !== end - held) {
      throw new BackupError(
        ErrorName.TransferIncomplete,
        `S3 returned ${chunk.length} bytes for bytes ${held}-${end - 1} of ${fileName}, not ${end - held}`,
      );
    }
    const what = `the append of bytes ${held}-${end - 1} to ${directory}/${fileName}`;
    const answer = parseBlockAnswer(
      await deps.sql.runSqlRequest(appendRequest(directory, fileName, held, chunk)),
      what,
    );
    if (!answer.ok && answer.errorCode === OFFSET_MISMATCH) {
      // An earlier request landed after all (its answer was lost), or wrote part of its chunk.
      mismatches += 1;
      const now = Math.max(0, await serverFileSize(deps.sql, directory, fileName));
      deps.logger.warn('The file on the server is not where the upload left it: continuing from its size', {
        fileName,
        expected: held,
        held: now,
      });
      if (mismatches >= MAX_MISMATCHES && now === held) {
        throw new BackupError(
          ErrorName.RestoreFailed,
          `${what} was refused ${mismatches} times at the same size (${answer.errorDetails}): is another restore writing the same file?`,
        );
      }
      held = now;
      continue;
    }
    if (!answer.ok) {
      throw new BackupError(
        ErrorName.RestoreFailed,
        `The database refused ${what}: ${answer.errorDetails}` +
          (answer.errorCode === 29285 ? ' (a write error: is the directory full?)' : ''),
      );
    }
    mismatches = 0;
    held = outCount(answer, 'bytes_out', what);
    if (held !== end) {
      throw new BackupError(
        ErrorName.RestoreFailed,
        `After ${what} the database says the file holds ${held} bytes, not ${end}`,
      );
    }
    chunks += 1;
    deps.onProgress?.(held);
  }
  if (held > bytes) {
    throw new BackupError(
      ErrorName.RestoreFailed,
      `${directory}/${fileName} holds ${held} bytes, more than the ${bytes} of its source: it is not this restore's file alone`,
    );
  }
  return { done: true, bytes: held, chunks };
}
