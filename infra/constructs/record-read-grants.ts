import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BucketGrants, type IBucket } from 'aws-cdk-lib/aws-s3';
import { listBucketStatement, scopedObjectArns } from './deployment-keys.js';
import { acknowledgeWildcardResource } from './nag-findings.js';

/**
 * Lets `fn` read each database's records named `files` (`<prefix><database>/<file>` under each of
 * the deployment's key `prefixes`, read-only) and list the bucket under those prefixes, so that S3
 * answers NoSuchKey, not AccessDenied, for a database without such a record yet.
 */
export function grantRecordReads(
  bucket: IBucket,
  fn: IFunction,
  prefixes: readonly string[],
  files: readonly string[],
): void {
  const grants = BucketGrants.fromBucket(bucket);
  for (const file of files) {
    for (const prefix of prefixes)
      grants.actionsOnObjectKeys(fn, `${prefix}*/${file}`, 's3:GetObject', 'kms:Decrypt');
    for (const arn of scopedObjectArns(bucket, prefixes, `*/${file}`)) {
      acknowledgeWildcardResource(
        fn.role!,
        arn,
        `The records are <prefix><database>/${file}: only such keys are readable.`,
      );
    }
  }
  const listBucket = listBucketStatement(bucket, prefixes);
  if (listBucket) fn.addToRolePolicy(listBucket);
}
