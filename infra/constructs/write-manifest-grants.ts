/** "Write manifest"'s grants on the backup bucket: manifests, last-backup records, retention. */
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LAST_BACKUP_FILE } from '../../functions/core/state/index.js';
import type { ScopedGrants } from './scoped-grants.js';

/**
 * "Write manifest": checks each stored file (HeadObject), writes `manifest.json` last and then
 * `last-backup.json` (read first), and holds the run's files at their retention tier (tags, and
 * with Object Lock their retention), under the deployment's prefixes only.
 */
export function grantWriteManifest(writeManifest: IFunction, scoped: ScopedGrants): void {
  const { onKeys, acknowledge, listBucket } = scoped;
  // The manifest is written last, as `<folder>manifest.json`; before that HeadObject checks each
  // stored file's size, which needs s3:GetObject.
  onKeys(writeManifest, '*/manifest.json', 's3:PutObject', 'kms:GenerateDataKey*');
  // After a verified manifest, `<prefix><database>/last-backup.json`: what the backup-age check reads.
  onKeys(writeManifest, `*/${LAST_BACKUP_FILE}`, 's3:PutObject', 'kms:GenerateDataKey*');
  onKeys(writeManifest, '*', 's3:GetObject', 'kms:Decrypt');
  // The manifest step reads last-backup.json before it writes it (If-Match, retention tiers); for a
  // database's first backup S3 answers NoSuchKey only to a role with s3:ListBucket, else AccessDenied,
  // which would fail the first night.
  listBucket(writeManifest);
  // Retention tiers: the manifest is written with its tier's tags, then the run's files are held at
  // their tier and the previous backup released to its lifecycle rule (tags replaced, marker kept).
  onKeys(writeManifest, '*', 's3:GetObjectTagging', 's3:PutObjectTagging');
  // With Object Lock, a successful run's objects are locked until their tier may delete them: read
  // the lock (HeadObject shows it with s3:GetObjectRetention), then extend it, never shorten it.
  onKeys(writeManifest, '*', 's3:GetObjectRetention', 's3:PutObjectRetention');
  scoped.acknowledgeKeyUse(writeManifest);
  acknowledge(
    writeManifest,
    '*',
    'Before writing the manifest, HeadObject checks each stored file, whose keys depend on database and job.',
  );
  acknowledge(
    writeManifest,
    '*/manifest.json',
    'Manifests are written as <prefix><database>/<date>/<job>/manifest.json: only such keys are writable.',
  );
  acknowledge(
    writeManifest,
    `*/${LAST_BACKUP_FILE}`,
    'The last-backup record is written as <prefix><database>/last-backup.json: only such keys are writable.',
  );
}
