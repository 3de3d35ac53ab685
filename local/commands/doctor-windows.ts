import type { S3Client } from '@aws-sdk/client-s3';
import {
  type NightWindow,
  ordsOrigin,
  type WindowDatabase,
  windowCapacityWarnings,
  windowKey,
} from '../../functions/core/fleet/index.js';
import { readLastBackup } from '../../functions/core/manifest/index.js';
import type { BackupConfig } from '../../infra/config/index.js';
import { DEFAULT_ORDS_CAP } from '../../infra/fleet-settings.js';
import { ExitCode, type Output } from './state-machine.js';

/**
 * `npm run doctor -- --windows`: whether each night window of a configuration can hold its
 * databases at the ORDS slot caps, judged from their last run times (`last-backup.json` in the
 * bucket). Prints one line per window, and a warning per origin that cannot fit.
 */

/** What the command needs: the bucket's S3 client, and where to write. */
export interface WindowsDoctorDeps extends Output {
  readonly s3: S3Client;
}

/** Checks every window of `config` against the records in `bucket`; exit 1 when one cannot hold its fleet. */
export async function runWindowsDoctor(
  deps: WindowsDoctorDeps,
  options: { readonly config: BackupConfig; readonly bucket: string },
): Promise<number> {
  const { config, bucket } = options;
  const windows = new Map<string, { window: NightWindow; databases: WindowDatabase[] }>();
  for (const database of config.databases) {
    if (!database.enabled || !database.window) continue;
    const key = windowKey(database.window);
    const group = windows.get(key) ?? { window: database.window, databases: [] };
    windows.set(key, group);
    const durationSeconds = await lastDuration(deps, bucket, database.prefix, database.id);
    group.databases.push({
      id: database.id,
      origin: ordsOrigin(database.ordsUrl),
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    });
  }
  if (windows.size === 0) {
    deps.out('No database of this configuration starts in a night window.');
    return ExitCode.Ok;
  }
  const caps = {
    perOrigin: DEFAULT_ORDS_CAP,
    byOrigin: config.ordsCaps,
    ...(config.deploymentCap !== undefined ? { deployment: config.deploymentCap } : {}),
  };
  let fits = true;
  for (const [key, { window, databases }] of windows) {
    const warnings = windowCapacityWarnings(window, databases, caps);
    const known = databases.filter((database) => database.durationSeconds !== undefined).length;
    if (warnings.length === 0) {
      deps.out(`✓ window ${key}: holds its ${databases.length} database(s) (${known} with a last run time)`);
      continue;
    }
    fits = false;
    deps.out(`! window ${key}: cannot hold its ${databases.length} database(s)`);
    for (const warning of warnings) deps.out(`    ${warning}`);
  }
  return fits ? ExitCode.Ok : ExitCode.RunFailed;
}

/** The last run's duration, or undefined when there is none or it cannot be read. */
async function lastDuration(
  deps: WindowsDoctorDeps,
  bucket: string,
  prefix: string,
  database: string,
): Promise<number | undefined> {
  try {
    return (await readLastBackup({ s3: deps.s3, bucket }, { prefix, database }))?.durationSeconds;
  } catch (error) {
    deps.err(`  (${database}: last run time unreadable: ${(error as Error).message})`);
    return undefined;
  }
}
