import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StorageRejectedError, toStorageError } from '../base/index.js';
import type { Logger } from '../ords/index.js';
import {
  decideTier,
  deletableFrom,
  expireAfterDays,
  expiringTags,
  heldTags,
  type ObjectTag,
  type RetentionBinding,
  type Tier,
  withRetentionTags,
  writeTimeTags,
} from '../retention/index.js';
import type { LastBackup } from './last-backup.js';
import { extendObjectLock } from './object-lock.js';

/**
 * A run's retention tier, once its backup is stored: decided from the database's last-backup record,
 * recorded in the manifest, and put on the run's objects as tags. A successful run's objects are
 * "held" (no lifecycle rule matches them) while it is the newest verified backup; the run before it
 * is released to its tier's lifecycle rule then.
 */

/** What the manifest records about the backup's retention. */
export interface ManifestRetention {
  readonly tier: Tier;
  /** Days after the first write from which the tier's lifecycle rule deletes the backup's objects. */
  readonly expireAfterDays: number;
  /** The first instant the lifecycle may delete the backup; later while it is the newest verified one. */
  readonly deletableFrom: string;
}

/** What a run does about retention, decided before anything is written. */
export interface RetentionPlan {
  readonly manifest: ManifestRetention;
  /** The tags of the manifest and, for a success, of every stored file. */
  readonly tags: readonly ObjectTag[];
  /** Whether the run counts as a success: its objects are held, and it is recorded. */
  readonly succeeded: boolean;
  /** The previous newest verified backup, to release to its tier's rule; none on a retry or a first run. */
  readonly release?: { readonly manifest: string; readonly tier: Tier; readonly expireAfterDays: number };
}

/** What `planRetention` reads. */
export interface PlanRetentionInput {
  readonly retention: RetentionBinding;
  readonly succeeded: boolean;
  /** The run's scheduled time, or its export's start when started by hand: the periods it counts for. */
  readonly runAt: Date;
  /** The export's start: no object of the run is older. */
  readonly firstWriteAt: Date;
  /** This run's manifest URI (`s3://bucket/key`). */
  readonly manifest: string;
  /** The database's last-backup record, or null. */
  readonly previous: LastBackup | null;
}

/**
 * The retention of a run. A run that does not count as a success stays a daily. A retry whose
 * earlier attempt already recorded this run takes the tier recorded then and releases nothing.
 */
export function planRetention(input: PlanRetentionInput): RetentionPlan {
  const { retention, previous } = input;
  const daily = (): ManifestRetention => {
    const days = expireAfterDays(retention, 'daily');
    return { tier: 'daily', expireAfterDays: days, deletableFrom: deletableFrom(input.firstWriteAt, days) };
  };
  if (!input.succeeded) return { manifest: daily(), tags: writeTimeTags(retention), succeeded: false };
  const recorded = previous?.retention;
  if (previous && previous.manifest === input.manifest) {
    const manifest = recorded
      ? {
          tier: recorded.tier,
          expireAfterDays: recorded.expireAfterDays,
          deletableFrom: deletableFrom(input.firstWriteAt, recorded.expireAfterDays),
        }
      : daily();
    return { manifest, tags: heldTags(manifest.tier), succeeded: true };
  }
  const previousAt = recorded
    ? new Date(recorded.runAt)
    : previous
      ? new Date(previous.finishedAt)
      : undefined;
  const decision = decideTier({
    policy: retention,
    timeZone: retention.timeZone,
    runAt: input.runAt,
    previousAt,
    firstWriteAt: input.firstWriteAt,
  });
  const manifest = {
    tier: decision.tier,
    expireAfterDays: decision.expireAfterDays,
    deletableFrom: decision.deletableFrom,
  };
  return {
    manifest,
    tags: heldTags(decision.tier),
    succeeded: true,
    // A backup recorded before retention tiers has no tier tags, like every backup of that time:
    // it is left to the rules it was written under, not released into a tier.
    ...(previous && recorded
      ? {
          release: {
            manifest: previous.manifest,
            tier: recorded.tier,
            expireAfterDays: recorded.expireAfterDays,
          },
        }
      : {}),
  };
}

/** What `applyRetention` needs. */
export interface ApplyRetentionDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
}

/**
 * Holds a successful run's files (its manifest was written with the held tags), extends the Object
 * Lock of its objects to its tier's date (when they are locked), then releases the
 * previous newest verified backup to its tier's lifecycle rule. Only keys under the database's own
 * folder are tagged: a record or manifest pointing elsewhere is refused.
 */
export async function applyRetention(
  deps: ApplyRetentionDeps,
  input: {
    readonly plan: RetentionPlan;
    readonly folder: string;
    readonly databaseFolder: string;
    readonly keys: readonly string[];
  },
): Promise<void> {
  const { plan } = input;
  if (!plan.succeeded) return;
  for (const key of input.keys) await retag(deps, key, plan.tags);
  // With Object Lock, the run's objects stay locked at least until their tier may delete them.
  const until = new Date(plan.manifest.deletableFrom);
  for (const key of [...input.keys, `${input.folder}manifest.json`]) await extendObjectLock(deps, key, until);
  const release = plan.release;
  if (!release) return;
  const keys = await backupKeys(deps, release.manifest, input.databaseFolder);
  if (keys === null) return;
  const tags = expiringTags(release.tier, release.expireAfterDays);
  for (const key of keys) await retag(deps, key, tags);
  deps.logger.info('Previous backup released to its tier', {
    manifest: release.manifest,
    tier: release.tier,
  });
}

/** Replaces the retention tags of one object, keeping its other tags (the copy's marker). */
async function retag(deps: ApplyRetentionDeps, key: string, tags: readonly ObjectTag[]): Promise<void> {
  const { s3, bucket } = deps;
  try {
    const current = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: key,
        Tagging: { TagSet: withRetentionTags(current.TagSet ?? [], tags) },
      }),
    );
  } catch (error) {
    // An object the lifecycle already deleted cannot be held or released: nothing to do.
    if ((error as { name?: string }).name === 'NoSuchKey') return;
    throw toStorageError(error, bucket, key);
  }
}

/**
 * The keys of a stored backup (its files and its manifest), read from its manifest; null when the
 * manifest is gone (deleted by hand or by the lifecycle) or names another bucket. Keys outside the
 * database's folder are refused.
 */
async function backupKeys(
  deps: ApplyRetentionDeps,
  manifestUri: string,
  databaseFolder: string,
): Promise<string[] | null> {
  const prefix = `s3://${deps.bucket}/`;
  if (!manifestUri.startsWith(prefix)) {
    deps.logger.warn('Previous backup is in another bucket: not released', { manifest: manifestUri });
    return null;
  }
  const key = manifestUri.slice(prefix.length);
  let files: readonly { key?: unknown }[];
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    files =
      (JSON.parse(await object.Body!.transformToString()) as { files?: { key?: unknown }[] }).files ?? [];
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return null;
    if (error instanceof SyntaxError) return null;
    throw toStorageError(error, deps.bucket, key);
  }
  const keys = [key, ...files.map((file) => String(file.key))];
  const outside = keys.filter((each) => !each.startsWith(databaseFolder) || each.includes('..'));
  if (outside.length > 0) {
    throw new StorageRejectedError(
      `Not releasing s3://${deps.bucket}/${key}: it names keys outside ${databaseFolder} (${outside.join(', ')})`,
    );
  }
  return keys;
}
