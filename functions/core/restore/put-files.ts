import { BackupError, ErrorName } from '../base/index.js';
import type { Logger, SqlRequestApi } from '../ords/index.js';
import { serverFileSize, uploadChunked } from './chunked-upload.js';
import type { SourceFile } from './restore-source.js';
import { type BlockAnswer, isMissingPackage, parseBlockAnswer } from './upload-answer.js';
import { fileHashRequest, getObjectRequest } from './upload-sql.js';

/**
 * Puts a backup's dump files into a directory object through ORDS, fastest path first, and checks
 * each in the database before any import may read it:
 * - `get-object`: `DBMS_CLOUD.GET_OBJECT` on a short-lived presigned URL (no stored credential).
 *   Tried on the first file; when DBMS_CLOUD is missing or refuses the URL, the chunked path is used.
 * - `chunked`: resumable appends through REST-enabled SQL (`chunked-upload.ts`).
 * The check: the size the database reads (`UTL_FILE.FGETATTR`), and the SHA-256 the database computes
 * (`DBMS_CRYPTO.HASH`) against the SHA-256 of the bytes read from S3. Without EXECUTE on DBMS_CRYPTO
 * the check is the size and the appends' in-database offset checks (`digest: 'size'`).
 */

/** How files reach the server. */
export type UploadPath = 'get-object' | 'chunked';
/** Which path a restore uses: the fastest that works (`auto`), or one of them. */
export type UploadChoice = UploadPath | 'auto';

/** What putting files needs. */
export interface PutFilesDeps {
  readonly sql: SqlRequestApi;
  readonly logger: Logger;
  /** A presigned GetObject URL of the file's recorded version, valid for a few minutes. */
  readonly presign: (file: SourceFile) => Promise<string>;
  /** Bytes `[start, endExclusive)` of the file's recorded version. */
  readonly readRange: (file: SourceFile, start: number, endExclusive: number) => Promise<Buffer>;
  /** Removes a file of the directory (absent is fine): what a refused GET_OBJECT may have left. */
  readonly removeFile: (directory: string, name: string) => Promise<void>;
  readonly onProgress?: (line: string) => void;
  readonly shouldStop?: () => boolean;
}

/** One file to put: its source in S3 and its name on the server. */
export interface FileToPut {
  readonly source: SourceFile;
  readonly serverName: string;
}

/** What to put where. */
export interface PutFilesInput {
  readonly directory: string;
  readonly files: readonly FileToPut[];
  readonly path: UploadChoice;
  readonly chunkBytes: number;
  /**
   * A small object fetched with GET_OBJECT first (then removed), so that a presigned URL DBMS_CLOUD
   * refuses costs one small request, not a large file. @default - the first file is the probe
   */
  readonly probe?: FileToPut;
}

/** What was put, and how it was checked. */
export interface PutFilesResult {
  /** False when the invocation stopped before every file was complete (`shouldStop`). */
  readonly done: boolean;
  readonly path: UploadPath;
  /** `sha256`: the database's SHA-256 of each file matched; `size`: DBMS_CRYPTO is not granted. */
  readonly digest: 'sha256' | 'size';
  /** Why `get-object` was not used, when `auto` fell back. */
  readonly fallbackReason?: string;
}

const failed = (message: string) => new BackupError(ErrorName.RestoreFailed, message);

/** Puts and checks every file; see the file's comment. Throws `RestoreFailedError` naming the file. */
export async function putFiles(deps: PutFilesDeps, input: PutFilesInput): Promise<PutFilesResult> {
  const say = deps.onProgress ?? (() => {});
  let path: UploadPath = input.path === 'chunked' ? 'chunked' : 'get-object';
  let fallbackReason: string | undefined;
  let digest: 'sha256' | 'size' = 'sha256';
  if (path === 'get-object' && input.probe) {
    const problem = await probeGetObject(deps, input.directory, input.probe);
    if (problem !== null) {
      if (input.path === 'get-object') throw failed(`DBMS_CLOUD.GET_OBJECT is not usable: ${problem}`);
      fallbackReason = problem;
      path = 'chunked';
      deps.logger.warn('DBMS_CLOUD.GET_OBJECT is not usable: uploading in chunks instead', {
        reason: problem,
      });
      say(`DBMS_CLOUD.GET_OBJECT is not usable (${problem}): uploading in chunks through REST-enabled SQL`);
    } else {
      say('DBMS_CLOUD.GET_OBJECT accepted a presigned URL (probe: the manifest)');
    }
  }
  for (const file of input.files) {
    const where = `${input.directory}/${file.serverName}`;
    if (path === 'get-object' && (await serverFileSize(deps.sql, input.directory, file.serverName)) > 0) {
      // An earlier attempt's appends: resumed where they stopped, not fetched again.
      path = 'chunked';
      fallbackReason = `an earlier attempt's upload of ${file.serverName} is resumed`;
    }
    if (path === 'get-object') {
      const refusal = await getObject(deps, input.directory, file);
      if (refusal !== null) {
        if (input.path === 'get-object')
          throw failed(`DBMS_CLOUD.GET_OBJECT could not fetch ${where}: ${refusal}`);
        fallbackReason = refusal;
        path = 'chunked';
        // Whatever the refused fetch wrote is not known to be the file's start: the appends begin afresh.
        await deps.removeFile(input.directory, file.serverName);
        deps.logger.warn('DBMS_CLOUD.GET_OBJECT is not usable: uploading in chunks instead', {
          reason: refusal,
        });
        say(`DBMS_CLOUD.GET_OBJECT is not usable (${refusal}): uploading in chunks through REST-enabled SQL`);
      } else {
        say(`Fetched ${where} with DBMS_CLOUD.GET_OBJECT (${file.source.bytes} bytes)`);
      }
    }
    if (path === 'chunked') {
      const total = file.source.bytes;
      const result = await uploadChunked(
        {
          sql: deps.sql,
          logger: deps.logger,
          readRange: (start, end) => deps.readRange(file.source, start, end),
          onProgress: (bytes) =>
            say(`Uploaded ${bytes} of ${total} bytes of ${where} (${percent(bytes, total)})`),
          ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}),
        },
        { directory: input.directory, fileName: file.serverName, bytes: total, chunkBytes: input.chunkBytes },
      );
      if (!result.done) return { done: false, path, digest, ...(fallbackReason ? { fallbackReason } : {}) };
    }
    const size = await serverFileSize(deps.sql, input.directory, file.serverName);
    if (size !== file.source.bytes) {
      throw failed(`${where} holds ${size} bytes on the server, the backup's file ${file.source.bytes}`);
    }
    const hash = await serverSha256(deps.sql, input.directory, file.serverName);
    if (hash === null) {
      digest = 'size';
    } else if (hash !== file.source.sha256) {
      throw failed(
        `${where} has SHA-256 ${hash} in the database, but the bytes read from S3 have ${file.source.sha256}: ` +
          'the file was damaged on the way',
      );
    }
  }
  return { done: true, path, digest, ...(fallbackReason ? { fallbackReason } : {}) };
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '100%' : `${Math.floor((part / whole) * 100)}%`;
}

/** GET_OBJECT of the probe, its size checked, then removed: null when the path works, else why not. */
async function probeGetObject(
  deps: PutFilesDeps,
  directory: string,
  probe: FileToPut,
): Promise<string | null> {
  let problem = await getObject(deps, directory, probe);
  if (problem === null) {
    const size = await serverFileSize(deps.sql, directory, probe.serverName);
    if (size !== probe.source.bytes) problem = `the probe fetched ${size} bytes, not ${probe.source.bytes}`;
  }
  await deps.removeFile(directory, probe.serverName);
  return problem;
}

/** Runs GET_OBJECT; null when it fetched the file, else why the path is not usable. */
async function getObject(deps: PutFilesDeps, directory: string, file: FileToPut): Promise<string | null> {
  const url = await deps.presign(file.source);
  const what = `DBMS_CLOUD.GET_OBJECT of ${file.source.name}`;
  const answer = parseBlockAnswer(
    await deps.sql.runSqlRequest(getObjectRequest(directory, file.serverName, url)),
    what,
  );
  if (answer.ok) return null;
  if (isMissingPackage(answer, 'DBMS_CLOUD')) return 'DBMS_CLOUD is not installed or not granted';
  if (answer.errorCode === 29285) {
    throw failed(
      `The database could not write ${directory}/${file.serverName} (${withoutQueries(answer.errorDetails)}): is the directory full?`,
    );
  }
  return describe(answer);
}

function describe(answer: BlockAnswer): string {
  return answer.ok ? 'ok' : withoutQueries(answer.errorDetails.split('\n')[0] ?? `ORA-${answer.errorCode}`);
}

/**
 * The text with every URL's query string cut: DBMS_CLOUD's errors may quote the object URI, and a
 * presigned URL's query is a credential (valid for minutes, but never to be shown or logged).
 */
export function withoutQueries(text: string): string {
  return text.replace(/(https?:\/\/[^\s?'"]+)\?[^\s'"]*/gi, '$1?…');
}

/** The database's hex SHA-256 of a file; null when DBMS_CRYPTO is not granted. */
async function serverSha256(sql: SqlRequestApi, directory: string, name: string): Promise<string | null> {
  const what = `the SHA-256 of ${directory}/${name}`;
  const answer = parseBlockAnswer(await sql.runSqlRequest(fileHashRequest(directory, name)), what);
  if (isMissingPackage(answer, 'DBMS_CRYPTO')) return null;
  if (!answer.ok) throw failed(`The database could not compute ${what}: ${answer.errorDetails}`);
  const value = answer.out.get('sha256_out');
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/i.test(value)) {
    throw failed(`The database answered ${what} with ${JSON.stringify(value)}, not a SHA-256`);
  }
  return value.toLowerCase();
}
