import type { RetentionBinding } from '../retention/index.js';
import { type BackupSummary, backupFolder } from '../state/index.js';
import { applyRetention, planRetention } from './backup-retention.js';
import { countsAsSuccess, readLastBackup, recordLastBackup } from './last-backup.js';
import { type WriteManifestDeps, type WriteManifestInput, writeManifest } from './manifest.js';

/** What `storeBackup` needs besides the manifest's input: the database's success rule and retention. */
export type StoreBackupInput = Omit<WriteManifestInput, 'retention'> & {
  readonly acceptCompletedWithErrors: boolean;
  /** The database's retention tiers. @default - none: no tier tags, no hold */
  readonly retention?: RetentionBinding;
};

/** The summary, and whether the backup counts as a success. */
export interface StoredBackup {
  readonly summary: BackupSummary;
  readonly succeeded: boolean;
}

/**
 * "Write manifest": decides the run's retention tier from the last-backup record, writes the
 * manifest (with the tier), holds a successful run's objects at their tier while it is the newest
 * verified backup, releases the one before it to its tier's lifecycle rule, then records the new
 * last backup. Every step is safe to repeat: a retry finds its own record and keeps its tier.
 */
export async function storeBackup(deps: WriteManifestDeps, input: StoreBackupInput): Promise<StoredBackup> {
  const { retention, acceptCompletedWithErrors, ...manifestInput } = input;
  const succeeded = countsAsSuccess(input.verdict.verdict, acceptCompletedWithErrors);
  const folder = backupFolder(input.prefix, input.database, input.job.startedAt, input.job.jobName);
  // The periods a run counts for: its scheduled time, so that a late run still counts for its night.
  const runAt = new Date(
    input.startedBy === 'schedule' && input.scheduledTime ? input.scheduledTime : input.job.startedAt,
  );
  const plan = retention
    ? planRetention({
        retention,
        succeeded,
        runAt,
        firstWriteAt: new Date(input.job.startedAt),
        manifest: `s3://${deps.bucket}/${folder}manifest.json`,
        previous: succeeded ? await readLastBackup(deps, input) : null,
      })
    : undefined;
  const summary = await writeManifest(deps, { ...manifestInput, ...(plan ? { retention: plan } : {}) });
  if (plan) {
    await applyRetention(deps, {
      plan,
      folder,
      databaseFolder: `${input.prefix}${input.database}/`,
      keys: input.stored.map((file) => file.key),
    });
  }
  if (succeeded) {
    await recordLastBackup(deps, {
      prefix: input.prefix,
      summary,
      ...(plan
        ? {
            retention: {
              tier: plan.manifest.tier,
              expireAfterDays: plan.manifest.expireAfterDays,
              runAt: runAt.toISOString(),
            },
          }
        : {}),
    });
  }
  return { summary, succeeded };
}
