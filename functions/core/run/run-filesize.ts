import { type ConsistentExportOptions, DEFAULT_FILESIZE_BYTES, filesizeForRun } from '../export/index.js';
import type { Logger } from '../ords/index.js';
import type { DatabaseBinding } from './binding.js';

/**
 * The dump file size (`FILESIZE`) of a point-in-time run. `%U` numbers at most 99 files (ORA-39095
 * beyond), so unless the database configures `consistentExport.filesizeBytes`, the size grows with the
 * bytes the last backup stored (`last-backup.json`'s `totalBytes`, see `filesizeForRun`). A missing or
 * unreadable record gives the default: it never fails the run.
 */

/** Reads the bytes the database's last backup stored; null when there is no record or no size in it. */
export type LastDumpBytes = (binding: DatabaseBinding) => Promise<number | null>;

/** Where the chosen size came from, as the log shows it. */
type FilesizeSource = 'configured' | 'last-backup' | 'default';

/** The binding's Data Pump options with the run's `filesizeBytes` set (and logged). */
export async function optionsForRun(
  deps: { readonly lastDumpBytes?: LastDumpBytes; readonly logger: Logger },
  binding: DatabaseBinding,
): Promise<ConsistentExportOptions> {
  const configured = binding.consistentExport?.filesizeBytes;
  let filesizeBytes: number;
  let source: FilesizeSource;
  let lastTotalBytes: number | null = null;
  if (configured !== undefined) {
    filesizeBytes = configured;
    source = 'configured';
  } else {
    lastTotalBytes = await readLastBytes(deps, binding);
    filesizeBytes = filesizeForRun(lastTotalBytes);
    source = filesizeBytes === DEFAULT_FILESIZE_BYTES ? 'default' : 'last-backup';
  }
  deps.logger.info('Dump file size (FILESIZE) chosen', { filesizeBytes, source, lastTotalBytes });
  return { ...binding.consistentExport, filesizeBytes };
}

/** The last backup's bytes, or null: no reader, no record, or one that cannot be read (logged). */
async function readLastBytes(
  deps: { readonly lastDumpBytes?: LastDumpBytes; readonly logger: Logger },
  binding: DatabaseBinding,
): Promise<number | null> {
  if (!deps.lastDumpBytes) return null;
  try {
    return await deps.lastDumpBytes(binding);
  } catch (error) {
    deps.logger.warn('The last-backup record could not be read: the default dump file size is used', {
      database: binding.database,
      error: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}
