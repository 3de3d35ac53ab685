/**
 * Restores from S3 through ORDS alone: checking a backup in S3, putting its dump files on the
 * database server (DBMS_CLOUD.GET_OBJECT on a presigned URL, or resumable appends through
 * REST-enabled SQL), the import into a new schema, its verdict, and removing what it put there.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export { type ChunkedUploadResult, serverFileSize, uploadChunked } from './chunked-upload.js';
export { type FilePresigner, filePresigner } from './presign.js';
export { type PutFilesResult, putFiles, type UploadChoice, type UploadPath } from './put-files.js';
export {
  type RestoreDeps,
  type RestoreInput,
  type RestoreLock,
  type RestoreReport,
  restoreBackup,
  restoreIdOf,
} from './restore.js';
export { PACKAGES_QUERY, probeRestorePaths, type RestorePaths, utlFileProbe } from './restore-probe.js';
export { restoreRecordKey } from './restore-record.js';
export {
  checkRestore,
  finishRestore,
  putRestoreFiles,
  type RestoreRunContext,
  type RestoreRunDeps,
  type RestoreRunReport,
  startRestore,
} from './restore-run.js';
export {
  type CheckedRestore,
  parseRestoreRequest,
  type RestoreChecking,
  RestoreCheckingSchema,
  type RestoreProgress,
  RestoreProgressSchema,
  type RestoreRequest,
} from './restore-run-input.js';
export {
  checkRestoreSource,
  parseManifestUri,
  type RestoreSource,
  readRestoreSource,
  type SourceFile,
} from './restore-source.js';
export { finishS3Drill, putS3DrillFiles, startS3Drill } from './s3-drill.js';
export {
  type S3DrillContext,
  type S3DrillDeps,
  type S3DrillProgress,
  S3DrillProgressSchema,
  s3DrillManifestUri,
} from './s3-drill-copy.js';
export {
  DEFAULT_CHECK_MIN_BYTES,
  type SourceCheck,
  SourceCheckSchema,
} from './source-check.js';
export { DEFAULT_CHUNK_BYTES, PIECE_BYTES } from './upload-sql.js';
