import { Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BucketGrants, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SERVER_CLEANUP_FILE } from '../../functions/core/cleanup/index.js';
import { LAST_RESTORE_DRILL_FILE, RESTORE_DRILL_FILE } from '../../functions/core/drill/index.js';
import { RUN_LOCK_KEY_PATTERN, SLOT_KEY_PATTERN } from '../../functions/core/run/index.js';
import { LAST_BACKUP_FILE } from '../../functions/core/state/index.js';
import { acknowledgeWildcardResource } from './nag-findings.js';

/**
 * Lets each of `readers` read the SSM bindings under `bindingParameterPath` (`<path>/<database>`),
 * and the doctor list them, to name the deployed databases when asked for one that is not among them.
 */
export function grantBindingReads(
  bindingParameterPath: string,
  readers: readonly IFunction[],
  doctor: IFunction,
): void {
  const stack = Stack.of(doctor);
  const bindings = stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: `${bindingParameterPath.replace(/^\//, '')}/*`,
  });
  for (const fn of readers) {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [bindings] }));
    acknowledgeWildcardResource(
      fn.role!,
      bindings,
      'Reads the binding of whichever database its run backs up.',
    );
  }

  const bindingPath = stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: bindingParameterPath.replace(/^\//, ''),
  });
  doctor.addToRolePolicy(
    new PolicyStatement({ actions: ['ssm:GetParametersByPath'], resources: [bindingPath] }),
  );
}

/**
 * The two ways the copy may use s3:PutObject: a write with If-None-Match (PutObject,
 * CompleteMultipartUpload), or a multipart step that is not an object creation (CreateMultipartUpload,
 * UploadPart). A PutObject without the header, or with If-Match, is allowed by neither.
 */
export const WRITE_ONCE_CONDITIONS = [
  { Null: { 's3:if-none-match': 'false' } },
  { Bool: { 's3:ObjectCreationOperation': 'false' } },
] as const;

/** The functions that touch the backup bucket; each gets only the keys its step reads or writes. */
export interface BucketUsers {
  /** "Start export": the run locks, and the drill record it reads to decide whether a drill is due. */
  readonly startExport: IFunction;
  /** "Copy file": any backup file, never manifests, records or run locks. */
  readonly copyFile: IFunction;
  /** "Write manifest": `manifest.json` and `last-backup.json`, and object sizes. */
  readonly writeManifest: IFunction;
  /** "Clean up server": reads manifests, writes `server-cleanup.json`. */
  readonly cleanUpServer: IFunction;
  /** "Record restore drill": `restore-drill.json` and `last-restore-drill.json`. */
  readonly recordRestoreDrill: IFunction;
  /** "Start restore drill" and "Drop drill schema": read the run lock before they act. */
  readonly restoreDrill: IFunction;
}

/** Grants each of `users` its own part of `bucket`, denies the copy the others' keys, and acknowledges the wildcards. */
export function grantBucketAccess(bucket: IBucket, users: BucketUsers): void {
  const { startExport, copyFile, writeManifest, cleanUpServer, recordRestoreDrill } = users;
  const grants = BucketGrants.fromBucket(bucket);
  // Write-once dumps and logs: PutObject and CompleteMultipartUpload only with If-None-Match, so the
  // copy creates objects and never replaces one; CreateMultipartUpload and UploadPart take no
  // conditional header and are exempted by s3:ObjectCreationOperation, as AWS documents
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html).
  for (const condition of WRITE_ONCE_CONDITIONS) {
    copyFile.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions: condition,
      }),
    );
  }
  // Resuming (ListParts), aborting, and the "already stored" check: HeadObject (s3:GetObject), the
  // marker tags, and GetObject of a small file a killed invocation may have stored.
  grants.actionsOnObjectKeys(
    copyFile,
    '*',
    's3:AbortMultipartUpload',
    's3:ListMultipartUploadParts',
    's3:GetObject',
    's3:GetObjectTagging',
    's3:PutObjectTagging',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  // Only the manifest step writes manifests and last-backup records: the copy step may write any
  // backup file, never those, nor the run locks.
  copyFile.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.DENY,
      actions: ['s3:PutObject'],
      resources: [
        bucket.arnForObjects('*manifest.json'),
        bucket.arnForObjects(`*${LAST_BACKUP_FILE}`),
        bucket.arnForObjects(RUN_LOCK_KEY_PATTERN),
        bucket.arnForObjects(`*${SERVER_CLEANUP_FILE}`),
        bucket.arnForObjects(`*${RESTORE_DRILL_FILE}`),
        // The off-site proof: only "Check off-site copy" writes it.
        bucket.arnForObjects('*offsite.json'),
        // ORDS slots: only the slot steps take them.
        bucket.arnForObjects(SLOT_KEY_PATTERN),
      ],
    }),
  );
  // The manifest is written last, as `<folder>manifest.json`; before that HeadObject checks each
  // stored file's size, which needs s3:GetObject.
  grants.actionsOnObjectKeys(writeManifest, '*/manifest.json', 's3:PutObject', 'kms:GenerateDataKey*');
  // The run lock: created or taken over by "Start export", read back with HeadObject.
  grants.actionsOnObjectKeys(
    startExport,
    RUN_LOCK_KEY_PATTERN,
    's3:PutObject',
    's3:GetObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  // After a verified manifest, `<prefix><database>/last-backup.json`: what the backup-age check reads.
  grants.actionsOnObjectKeys(writeManifest, `*/${LAST_BACKUP_FILE}`, 's3:PutObject', 'kms:GenerateDataKey*');
  grants.actionsOnObjectKeys(writeManifest, '*', 's3:GetObject', 'kms:Decrypt');
  // The manifest step reads last-backup.json before it writes it (If-Match, retention tiers); for a
  // database's first backup S3 answers NoSuchKey only to a role with s3:ListBucket, else AccessDenied,
  // which would fail the first night.
  grants.actionsOnBucketAndObjectKeys(writeManifest, `*/${LAST_BACKUP_FILE}`, 's3:ListBucket');
  // Retention tiers: the manifest is written with its tier's tags, then the run's files are held at
  // their tier and the previous backup released to its lifecycle rule (tags replaced, marker kept).
  grants.actionsOnObjectKeys(writeManifest, '*', 's3:GetObjectTagging', 's3:PutObjectTagging');
  // With Object Lock, a successful run's objects are locked until their tier may delete them: read
  // the lock (HeadObject shows it with s3:GetObjectRetention), then extend it, never shorten it.
  grants.actionsOnObjectKeys(writeManifest, '*', 's3:GetObjectRetention', 's3:PutObjectRetention');

  // Every step that changes the database server reads the run lock right before it acts (HeadObject).
  for (const fn of [users.cleanUpServer, users.restoreDrill]) {
    grants.actionsOnObjectKeys(fn, RUN_LOCK_KEY_PATTERN, 's3:GetObject', 'kms:Decrypt');
    acknowledgeWildcardResource(
      fn.role!,
      bucket.arnForObjects(RUN_LOCK_KEY_PATTERN),
      'Reads the run lock, <prefix>_locks/<database>.json, before it changes the database server: only those keys.',
    );
  }
  // "Release run lock" (the cleanup function) deletes the run lock its execution holds when the run ends.
  grants.actionsOnObjectKeys(users.cleanUpServer, RUN_LOCK_KEY_PATTERN, 's3:DeleteObject');
  // "Clean up server" checks that the manifest exists (HeadObject) and records the cleanup beside it.
  grants.actionsOnObjectKeys(cleanUpServer, '*/manifest.json', 's3:GetObject', 'kms:Decrypt');
  grants.actionsOnObjectKeys(
    cleanUpServer,
    `*/${SERVER_CLEANUP_FILE}`,
    's3:PutObject',
    'kms:GenerateDataKey*',
  );
  acknowledgeWildcardResource(
    cleanUpServer.role!,
    bucket.arnForObjects('*/manifest.json'),
    'Nothing is removed from the server before <prefix><database>/<date>/<job>/manifest.json exists: reads only such keys.',
  );
  acknowledgeWildcardResource(
    cleanUpServer.role!,
    bucket.arnForObjects(`*/${SERVER_CLEANUP_FILE}`),
    `The cleanup record is written as <prefix><database>/<date>/<job>/${SERVER_CLEANUP_FILE}: only such keys are writable.`,
  );

  // "Start export" reads the drill record to decide whether a drill is due; s3:ListBucket makes S3
  // answer NoSuchKey, not AccessDenied, for a database that never drilled.
  grants.actionsOnBucketAndObjectKeys(
    startExport,
    `*/${LAST_RESTORE_DRILL_FILE}`,
    's3:GetObject',
    's3:ListBucket',
    'kms:Decrypt',
  );
  // "Record restore drill" writes restore-drill.json beside the manifest (read back on a retry's 412)
  // and overwrites the database's last-restore-drill.json (read first for the last success).
  for (const file of [RESTORE_DRILL_FILE, LAST_RESTORE_DRILL_FILE]) {
    grants.actionsOnBucketAndObjectKeys(
      recordRestoreDrill,
      `*/${file}`,
      's3:PutObject',
      's3:GetObject',
      's3:ListBucket',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    const readers = file === LAST_RESTORE_DRILL_FILE ? [startExport] : [];
    for (const fn of [recordRestoreDrill, ...readers]) {
      acknowledgeWildcardResource(
        fn.role!,
        bucket.arnForObjects(`*/${file}`),
        `Drill records are <prefix><database>/[<date>/<job>/]${file}: only such keys.`,
      );
    }
  }

  // ORDS slots at the bucket's root, `_slots/<origin>/<n>.json` and its queue: "Start export" (which
  // also takes, tops up and drops them) creates, takes over, reads, lists and deletes them; "Release
  // run lock" reads and deletes those its execution holds.
  grants.actionsOnObjectKeys(
    startExport,
    SLOT_KEY_PATTERN,
    's3:PutObject',
    's3:GetObject',
    's3:DeleteObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  startExport.addToRolePolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': SLOT_KEY_PATTERN } },
    }),
  );
  grants.actionsOnObjectKeys(
    cleanUpServer,
    SLOT_KEY_PATTERN,
    's3:GetObject',
    's3:DeleteObject',
    'kms:Decrypt',
  );
  for (const fn of [startExport, cleanUpServer]) {
    acknowledgeWildcardResource(
      fn.role!,
      bucket.arnForObjects(SLOT_KEY_PATTERN),
      'ORDS slots and their queue, _slots/<origin>/<n>.json: only keys under _slots/.',
    );
  }

  if (bucket.encryptionKey) {
    for (const fn of [copyFile, writeManifest, startExport, cleanUpServer, recordRestoreDrill]) {
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "GenerateDataKey* on the bucket's own key only: what S3 needs to encrypt each stored object.",
      });
    }
  }
  acknowledgeWildcardResource(
    startExport.role!,
    bucket.arnForObjects(RUN_LOCK_KEY_PATTERN),
    'One run lock object per database, <prefix>_locks/<database>.json: only those keys.',
  );
  const objects = bucket.arnForObjects('*');
  acknowledgeWildcardResource(
    copyFile.role!,
    objects,
    'Copies go to keys that depend on each database prefix and job name, anywhere in the backup bucket.',
  );
  acknowledgeWildcardResource(
    writeManifest.role!,
    objects,
    'Before writing the manifest, HeadObject checks each stored file, whose keys depend on prefix and job.',
  );
  acknowledgeWildcardResource(
    writeManifest.role!,
    bucket.arnForObjects('*/manifest.json'),
    'Manifests are written as <prefix><database>/<date>/<job>/manifest.json: only such keys are writable.',
  );
  acknowledgeWildcardResource(
    writeManifest.role!,
    bucket.arnForObjects(`*/${LAST_BACKUP_FILE}`),
    'The last-backup record is written as <prefix><database>/last-backup.json: only such keys are writable.',
  );
}
