/**
 * Leaving the database server clean after a backup: removing the run's files and its job's
 * control table through REST-enabled SQL, and the side file that records it.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export { cleanUpServer } from './server-cleanup.js';
export { SERVER_CLEANUP_FILE } from './server-cleanup-report.js';
export type { FileRemover } from './server-cleanup-sql.js';
export {
  checkDirectoryName,
  dropControlTableStatement,
  isFileAlreadyGone,
  QUOTABLE_IDENTIFIER,
  removeFileStatement,
} from './server-cleanup-sql.js';
export type { EarlierRun, SupersededCleanupDeps, SupersededCleanupInput } from './superseded-cleanup.js';
export { cleanUpSuperseded } from './superseded-cleanup.js';
