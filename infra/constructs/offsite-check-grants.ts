import { type Duration, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BucketGrants, type IBucket } from 'aws-cdk-lib/aws-s3';
import { scopedObjectArns } from './deployment-keys.js';
import { acknowledgeWildcardResource } from './nag-findings.js';

/** What "Check off-site copy" needs to know about the off-site copy. */
export interface OffsiteCheckSettings {
  /** The off-site bucket (another account's). */
  readonly bucket: IBucket;
  /** Its Region. */
  readonly region: string;
  /** The check function's role name: `<namePrefix>-offsite-check`, which the off-site bucket's policy names. */
  readonly roleName: string;
  /**
   * How long a run's objects may stay unreplicated before the run ends "off-site copy failed".
   * @default Duration.hours(1)
   */
  readonly maxLag?: Duration;
}

/**
 * "Check off-site copy": reads every object's replication status (HeadObject) and the manifests,
 * writes `offsite.json` (only those keys, with their tags), all under the deployment's key
 * `prefixes`, and reads the replicas' sizes and checksums in the off-site bucket (which must allow
 * its role: `OffsiteBackupBucket` `checkerRoleArn`).
 */
export function grantOffsiteCheck(
  bucket: IBucket,
  offsite: IBucket,
  fn: IFunction,
  prefixes: readonly string[],
): void {
  const grants = BucketGrants.fromBucket(bucket);
  for (const prefix of prefixes) {
    grants.actionsOnObjectKeys(fn, `${prefix}*`, 's3:GetObject', 'kms:Decrypt');
    grants.actionsOnObjectKeys(
      fn,
      `${prefix}*/offsite.json`,
      's3:PutObject',
      's3:PutObjectTagging',
      'kms:GenerateDataKey*',
    );
  }
  BucketGrants.fromBucket(offsite).actionsOnObjectKeys(fn, '*', 's3:GetObject');
  if (bucket.encryptionKey) {
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: "GenerateDataKey* on the bucket's own key only: what S3 needs to encrypt offsite.json.",
    });
  }
  for (const arn of scopedObjectArns(bucket, prefixes, '*/offsite.json')) {
    acknowledgeWildcardResource(
      fn.role!,
      arn,
      'Writes the offsite.json of whichever backup folder it proves: only those keys.',
    );
  }
  for (const objects of [...scopedObjectArns(bucket, prefixes, '*'), offsite.arnForObjects('*')]) {
    acknowledgeWildcardResource(
      fn.role!,
      objects,
      'Reads the replication status of each object of whichever run it checks.',
    );
  }
}
