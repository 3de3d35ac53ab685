/** "Copy file"'s grants on the backup bucket: write-once backup files, and nothing else. */
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { SERVER_CLEANUP_FILE } from '../../functions/core/cleanup/index.js';
import { RESTORE_DRILL_FILE, RESTORE_DRILL_INTENT_FILE } from '../../functions/core/drill/index.js';
import { CONSISTENCY_PROBE_FILE, RUN_LOCK_KEY_PATTERN } from '../../functions/core/run/index.js';
import { LAST_BACKUP_FILE } from '../../functions/core/state/index.js';
import type { ScopedGrants } from './scoped-grants.js';

/**
 * The two ways the copy may use s3:PutObject: a write with If-None-Match (PutObject,
 * CompleteMultipartUpload), or a multipart step that is not an object creation (CreateMultipartUpload,
 * UploadPart). A PutObject without the header, or with If-Match, is allowed by neither.
 */
export const WRITE_ONCE_CONDITIONS = [
  { Null: { 's3:if-none-match': 'false' } },
  { Bool: { 's3:ObjectCreationOperation': 'false' } },
] as const;

/**
 * "Copy file": creates any backup file under the deployment's prefixes, write-once, and resumes,
 * aborts or recognises its own uploads; it may never write manifests, records or run locks (denied
 * on the whole `bucket`). Its ORDS slots (re-taken by a redriven copy) are `slot-check-grants.ts`'s.
 */
export function grantCopyFile(bucket: IBucket, copyFile: IFunction, scoped: ScopedGrants): void {
  const { onKeys, acknowledge, objectArns } = scoped;
  // Write-once dumps and logs: PutObject and CompleteMultipartUpload only with If-None-Match, so the
  // copy creates objects and never replaces one; CreateMultipartUpload and UploadPart take no
  // conditional header and are exempted by s3:ObjectCreationOperation, as AWS documents
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html).
  const keys = objectArns('*');
  if (keys.length > 0) {
    for (const condition of WRITE_ONCE_CONDITIONS) {
      copyFile.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: keys, conditions: condition }),
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
  scoped.acknowledgeKeyUse(copyFile);
  acknowledge(
    copyFile,
    '*',
    "Copies go to keys that depend on each database's id and job name, under the deployment's key prefixes.",
  );
}
