import { Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BucketGrants, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SLOT_KEY_PATTERN } from '../../functions/core/run/index.js';
import { scopedObjectArns } from './deployment-keys.js';
import { acknowledgeWildcardResource } from './nag-findings.js';

/**
 * The slot check of the steps that call ORDS (`assertRunSlots`, for a redriven execution): each reads
 * the slots its state names (HeadObject), takes one that nobody holds again or a free one (PutObject
 * with `If-None-Match` only, after a list of its origin's slots) and deletes one it took when it must fail
 * after all. Only `<prefix>_slots/*`; the listing only under `<prefix>_slots/`, which is also what
 * makes S3 answer a slot nobody holds with 404, not 403. No DescribeExecution: these steps never take
 * over the slot of an execution that ended (the slot steps do).
 */
export function grantSlotChecks(
  bucket: IBucket,
  steps: readonly IFunction[],
  prefixes: readonly string[],
): void {
  if (prefixes.length === 0) return;
  const grants = BucketGrants.fromBucket(bucket);
  const list = new PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}${SLOT_KEY_PATTERN}`) } },
  });
  // A slot is only ever created by these steps, never replaced: PutObject with If-None-Match only.
  const create = new PolicyStatement({
    actions: ['s3:PutObject'],
    resources: scopedObjectArns(bucket, prefixes, SLOT_KEY_PATTERN),
    conditions: { Null: { 's3:if-none-match': 'false' } },
  });
  for (const fn of steps) {
    for (const prefix of prefixes) {
      grants.actionsOnObjectKeys(
        fn,
        `${prefix}${SLOT_KEY_PATTERN}`,
        's3:GetObject',
        's3:DeleteObject',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
      );
    }
    fn.addToRolePolicy(create);
    fn.addToRolePolicy(list);
    for (const arn of scopedObjectArns(bucket, prefixes, SLOT_KEY_PATTERN)) {
      acknowledgeWildcardResource(
        fn.role!,
        arn,
        'ORDS slots, <prefix>_slots/<origin>/<n>.json: held again before a redriven step calls ORDS; only those keys.',
      );
    }
    if (bucket.encryptionKey) {
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "GenerateDataKey* on the bucket's own key only: what S3 needs to encrypt a slot object.",
      });
    }
  }
}
