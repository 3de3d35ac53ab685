import { Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BucketGrants, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SERVER_CLEANUP_FILE } from '../../functions/core/cleanup/index.js';
import {
  LAST_RESTORE_DRILL_FILE,
  RESTORE_DRILL_FILE,
  RESTORE_DRILL_INTENT_FILE,
} from '../../functions/core/drill/index.js';
import {
  CONSISTENCY_PROBE_FILE,
  RUN_LOCK_KEY_PATTERN,
  SLOT_KEY_PATTERN,
} from '../../functions/core/run/index.js';
import { LAST_BACKUP_FILE } from '../../functions/core/state/index.js';
import { listBucketStatement, scopedObjectArns } from './deployment-keys.js';
import { acknowledgeWildcardResource } from './nag-findings.js';
import { grantRestore } from './restore-grants.js';

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
  /** "Clean up server": reads manifests, writes (and on a retry reads) `server-cleanup.json`. */
  readonly cleanUpServer: IFunction;
  /** "Record restore drill": `restore-drill.json` and `last-restore-drill.json`. */
  readonly recordRestoreDrill: IFunction;
  /**
   * "Start restore drill" and "Drop drill schema": read the run lock before they act, write and read
   * the drill's intent record.
   */
  readonly restoreDrill: IFunction;
  /** The restore state machine's steps (see `grantRestore`). @default - no restore function */
  readonly restore?: IFunction;
}

/**
 * Grants each of `users` its own part of `bucket` under the deployment's key `prefixes` only
 * (`deploymentKeyPrefixes`), denies the copy the others' keys, and acknowledges the wildcards. A new
 * kind of key (say `<prefix>_slots/…`) gets its grant here, through `onKeys`, and is thus scoped too.
 */
export function grantBucketAccess(
  bucket: IBucket,
  users: BucketUsers,
  prefixes: readonly string[],
  options: {
    /** A database drills from S3 (`restoreDrill.source: "s3"`): the drill reads backups. @default false */
    readonly drillFromS3?: boolean;
  } = {},
): void {
  const { startExport, copyFile, writeManifest, cleanUpServer, recordRestoreDrill } = users;
  const grants = BucketGrants.fromBucket(bucket);
  const keys = (pattern: string) => scopedObjectArns(bucket, prefixes, pattern);
  /** Grants `actions` on `pattern` under each of the deployment's prefixes (and nothing without one). */
  const onKeys = (fn: IFunction, pattern: string, ...actions: string[]) => {
    for (const prefix of prefixes) grants.actionsOnObjectKeys(fn, `${prefix}${pattern}`, ...actions);
  };
  /** s3:ListBucket under the prefixes, so S3 answers NoSuchKey there, not AccessDenied. */
  const listBucket = (fn: IFunction) => {
    const statement = listBucketStatement(bucket, prefixes);
    if (statement) fn.addToRolePolicy(statement);
  };
  const acknowledge = (fn: IFunction, pattern: string, reason: string) => {
    for (const arn of keys(pattern)) acknowledgeWildcardResource(fn.role!, arn, reason);
  };
  // Write-once dumps and logs: PutObject and CompleteMultipartUpload only with If-None-Match, so the
  // copy creates objects and never replaces one; CreateMultipartUpload and UploadPart take no
  // conditional header and are exempted by s3:ObjectCreationOperation, as AWS documents
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html).
  if (prefixes.length > 0) {
    for (const condition of WRITE_ONCE_CONDITIONS) {
      copyFile.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: keys('*'), conditions: condition }),
      );
    }
  }
  // Resuming (ListParts), aborting, and the "already stored" check: HeadObject (s3:GetObject), the
  // marker tags, and GetObject of a small file a killed invocation may have stored.
  onKeys(
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
        bucket.arnForObjects(`*${RESTORE_DRILL_INTENT_FILE}`),
        // The off-site proof: only "Check off-site copy" writes it.
        bucket.arnForObjects('*offsite.json'),
        // The consistency probe result: only "Start export" writes it.
        bucket.arnForObjects(`*${CONSISTENCY_PROBE_FILE}`),
        // Restore records: only the restores write them.
        bucket.arnForObjects('*/restores/*'),
      ],
    }),
  );
  // The manifest is written last, as `<folder>manifest.json`; before that HeadObject checks each
  // stored file's size, which needs s3:GetObject.
  onKeys(writeManifest, '*/manifest.json', 's3:PutObject', 'kms:GenerateDataKey*');
  // The run lock: created or taken over by "Start export", read back with HeadObject.
  onKeys(
    startExport,
    RUN_LOCK_KEY_PATTERN,
    's3:PutObject',
    's3:GetObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
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

  // Every step that changes the database server reads the run lock right before it acts (HeadObject).
  for (const fn of [users.cleanUpServer, users.restoreDrill]) {
    onKeys(fn, RUN_LOCK_KEY_PATTERN, 's3:GetObject', 'kms:Decrypt');
    acknowledge(
      fn,
      RUN_LOCK_KEY_PATTERN,
      'Reads the run lock, <prefix>_locks/<database>.json, before it changes the database server: only those keys.',
    );
  }
  // "Release run lock" (the cleanup function) deletes the run lock its execution holds when the run ends.
  onKeys(users.cleanUpServer, RUN_LOCK_KEY_PATTERN, 's3:DeleteObject');
  // "Clean up server" checks that the manifest exists (HeadObject) and records the cleanup beside it.
  onKeys(cleanUpServer, '*/manifest.json', 's3:GetObject', 'kms:Decrypt');
  // Write-once (If-None-Match); on 412 a retry reads the record to recognise its earlier try's.
  onKeys(
    cleanUpServer,
    `*/${SERVER_CLEANUP_FILE}`,
    's3:PutObject',
    's3:GetObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  acknowledge(
    cleanUpServer,
    '*/manifest.json',
    'Nothing is removed from the server before <prefix><database>/<date>/<job>/manifest.json exists: reads only such keys.',
  );
  acknowledge(
    cleanUpServer,
    `*/${SERVER_CLEANUP_FILE}`,
    `The cleanup record is written as <prefix><database>/<date>/<job>/${SERVER_CLEANUP_FILE}: only such keys are writable.`,
  );

  // "Start export" reads the database's consistency probe result (point-in-time and auto databases)
  // and records a new one: created with If-None-Match, replaced with If-Match. s3:ListBucket makes S3
  // answer NoSuchKey, not AccessDenied, before the first probe.
  onKeys(
    startExport,
    `*/${CONSISTENCY_PROBE_FILE}`,
    's3:GetObject',
    's3:PutObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  acknowledge(
    startExport,
    `*/${CONSISTENCY_PROBE_FILE}`,
    `The consistency probe result is <prefix><database>/${CONSISTENCY_PROBE_FILE}: only such keys.`,
  );
  // "Start export" reads the drill record to decide whether a drill is due; s3:ListBucket makes S3
  // answer NoSuchKey, not AccessDenied, for a database that never drilled.
  onKeys(startExport, `*/${LAST_RESTORE_DRILL_FILE}`, 's3:GetObject', 'kms:Decrypt');
  // It reads the last-backup record: a point-in-time run's dump file size grows with its totalBytes.
  onKeys(startExport, `*/${LAST_BACKUP_FILE}`, 's3:GetObject', 'kms:Decrypt');
  acknowledge(
    startExport,
    `*/${LAST_BACKUP_FILE}`,
    `The last-backup record is <prefix><database>/${LAST_BACKUP_FILE}: reads only such keys.`,
  );
  listBucket(startExport);
  // "Record restore drill" writes restore-drill.json beside the manifest (read back on a retry's 412)
  // and overwrites the database's last-restore-drill.json (read first for the last success).
  listBucket(recordRestoreDrill);
  for (const file of [RESTORE_DRILL_FILE, LAST_RESTORE_DRILL_FILE]) {
    onKeys(
      recordRestoreDrill,
      `*/${file}`,
      's3:PutObject',
      's3:GetObject',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    const readers = file === LAST_RESTORE_DRILL_FILE ? [startExport] : [];
    for (const fn of [recordRestoreDrill, ...readers]) {
      acknowledge(
        fn,
        `*/${file}`,
        `Drill records are <prefix><database>/[<date>/<job>/]${file}: only such keys.`,
      );
    }
  }

  // "Start restore drill" creates the intent record beside the manifest (If-None-Match), records the
  // import's job in it (If-Match), and both drill steps read it back; s3:ListBucket makes S3 answer
  // NoSuchKey, not AccessDenied, before the first attempt wrote it.
  onKeys(
    users.restoreDrill,
    `*/${RESTORE_DRILL_INTENT_FILE}`,
    's3:PutObject',
    's3:GetObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  listBucket(users.restoreDrill);
  acknowledge(
    users.restoreDrill,
    `*/${RESTORE_DRILL_INTENT_FILE}`,
    `The drill's intent record is <prefix><database>/<date>/<job>/${RESTORE_DRILL_INTENT_FILE}: only such keys.`,
  );
  // A drill from S3 (restoreDrill.source "s3") reads this night's backup by version (manifest, dump
  // files, export log) and presigns GetObject of its dump files for DBMS_CLOUD.GET_OBJECT; it keeps
  // the record of what it put on the server under <folder>restores/ until it removed it. Only in a
  // deployment where a database drills from S3.
  if (options.drillFromS3) grantDrillFromS3(users.restoreDrill, onKeys, acknowledge);
  if (users.restore) grantRestore(users.restore, { onKeys, acknowledge, listBucket });

  // ORDS slots, `<prefix>_slots/<origin>/<n>.json` and its queue: "Start export" (which also takes,
  // tops up and drops them) creates, takes over, reads and deletes them (and lists the bucket, above);
  // "Release run lock" reads and deletes those its execution holds.
  onKeys(
    startExport,
    SLOT_KEY_PATTERN,
    's3:PutObject',
    's3:GetObject',
    's3:DeleteObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  onKeys(cleanUpServer, SLOT_KEY_PATTERN, 's3:GetObject', 's3:DeleteObject', 'kms:Decrypt');
  for (const fn of [startExport, cleanUpServer]) {
    acknowledge(
      fn,
      SLOT_KEY_PATTERN,
      'ORDS slots and their queue, <prefix>_slots/<origin>/<n>.json: only those keys.',
    );
  }

  if (bucket.encryptionKey) {
    for (const fn of [
      copyFile,
      writeManifest,
      startExport,
      cleanUpServer,
      recordRestoreDrill,
      users.restoreDrill,
      ...(users.restore ? [users.restore] : []),
    ]) {
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "GenerateDataKey* on the bucket's own key only: what S3 needs to encrypt each stored object.",
      });
    }
  }
  acknowledge(
    startExport,
    RUN_LOCK_KEY_PATTERN,
    'One run lock object per database, <prefix>_locks/<database>.json: only those keys.',
  );
  acknowledge(
    copyFile,
    '*',
    "Copies go to keys that depend on each database's id and job name, under the deployment's key prefixes.",
  );
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

/**
 * The doctor's undo check reads the last export's elapsed time: `last-backup.json`, then the manifest
 * it names; its probe check reads `consistency-probe.json`; read-only, under the deployment's key
 * `prefixes`. s3:ListBucket makes S3 answer NoSuchKey (no backup yet), not AccessDenied.
 */
export function grantDoctorReads(bucket: IBucket, doctor: IFunction, prefixes: readonly string[]): void {
  const grants = BucketGrants.fromBucket(bucket);
  for (const file of [LAST_BACKUP_FILE, 'manifest.json', CONSISTENCY_PROBE_FILE]) {
    for (const prefix of prefixes)
      grants.actionsOnObjectKeys(doctor, `${prefix}*/${file}`, 's3:GetObject', 'kms:Decrypt');
    for (const arn of scopedObjectArns(bucket, prefixes, `*/${file}`)) {
      acknowledgeWildcardResource(
        doctor.role!,
        arn,
        `The doctor's undo and probe checks read <prefix><database>/.../${file}: only such keys, read-only.`,
      );
    }
  }
  const listBucket = listBucketStatement(bucket, prefixes);
  if (listBucket) doctor.addToRolePolicy(listBucket);
}

/** The drill from S3's reads of the backups and its restore records (see `grantBucketAccess`). */
function grantDrillFromS3(
  fn: IFunction,
  onKeys: (fn: IFunction, pattern: string, ...actions: string[]) => void,
  acknowledge: (fn: IFunction, pattern: string, reason: string) => void,
): void {
  onKeys(fn, '*', 's3:GetObject', 's3:GetObjectVersion', 'kms:Decrypt');
  onKeys(fn, '*/restores/*', 's3:PutObject', 's3:DeleteObject', 'kms:Decrypt', 'kms:GenerateDataKey*');
  acknowledge(
    fn,
    '*',
    "A drill from S3 reads the backup it restores (manifest, dump files, export log) under the deployment's prefixes only.",
  );
  acknowledge(
    fn,
    '*/restores/*',
    'Restore records are <prefix><database>/<date>/<job>/restores/<id>.json: only such keys are writable.',
  );
}
