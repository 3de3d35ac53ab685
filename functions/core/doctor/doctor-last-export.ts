import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { toStorageError } from '../base/index.js';
import { readLastBackup } from '../manifest/index.js';
import type { DatabaseBinding } from '../run/index.js';
import { elapsedSecondsOf } from './doctor-undo.js';

/**
 * The elapsed time of a database's last verified export, for the undo check: its `last-backup.json`
 * names the manifest, whose `summary` is the log's final `Job … elapsed D HH:MM:SS` line. Null when
 * no backup is recorded, or its manifest is in another bucket or carries no elapsed time.
 */
export async function lastExportSeconds(
  deps: { readonly s3: S3Client; readonly bucket: string },
  binding: Pick<DatabaseBinding, 'prefix' | 'database'>,
): Promise<number | null> {
  const last = await readLastBackup(deps, { prefix: binding.prefix, database: binding.database });
  const match = last ? /^s3:\/\/([^/]+)\/(.+)$/.exec(last.manifest) : null;
  if (!match || match[1] !== deps.bucket) return null;
  const key = match[2]!;
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    const manifest = JSON.parse(await object.Body!.transformToString()) as { summary?: unknown };
    return typeof manifest.summary === 'string' ? elapsedSecondsOf(manifest.summary) : null;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return null;
    if (error instanceof SyntaxError) return null;
    throw toStorageError(error, deps.bucket, key);
  }
}
