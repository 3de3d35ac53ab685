/** How every grant on the backup bucket is scoped to the deployment's key prefixes, and acknowledged. */
import { Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BucketGrants, type IBucket } from 'aws-cdk-lib/aws-s3';
import { listBucketStatement, scopedObjectArns } from './deployment-keys.js';
import { acknowledgeWildcardResource } from './nag-findings.js';

/**
 * The helpers every grant of the backup bucket goes through, each scoped to the deployment's key
 * prefixes (`deploymentKeyPrefixes`): a new kind of key (say `<prefix>_slots/…`) granted with
 * `onKeys` is thus scoped too.
 */
export interface ScopedGrants {
  /** Grants `actions` on `pattern` under each of the deployment's prefixes (and nothing without one). */
  readonly onKeys: (fn: IFunction, pattern: string, ...actions: string[]) => void;
  /** Acknowledges cdk-nag's wildcard finding of `pattern` under each prefix on `fn`'s role, with `reason`. */
  readonly acknowledge: (fn: IFunction, pattern: string, reason: string) => void;
  /** s3:ListBucket under the prefixes, so S3 answers NoSuchKey there, not AccessDenied. */
  readonly listBucket: (fn: IFunction) => void;
  /** The object ARNs of `pattern` under each of the prefixes (none without one). */
  readonly objectArns: (pattern: string) => string[];
  /** With the bucket's own KMS key, acknowledges `kms:GenerateDataKey*` on `fn`'s role. */
  readonly acknowledgeKeyUse: (fn: IFunction) => void;
}

/** The `ScopedGrants` of `bucket` under the deployment's key `prefixes`. */
export function scopedGrants(bucket: IBucket, prefixes: readonly string[]): ScopedGrants {
  const grants = BucketGrants.fromBucket(bucket);
  const objectArns = (pattern: string) => scopedObjectArns(bucket, prefixes, pattern);
  return {
    onKeys: (fn, pattern, ...actions) => {
      for (const prefix of prefixes) grants.actionsOnObjectKeys(fn, `${prefix}${pattern}`, ...actions);
    },
    acknowledge: (fn, pattern, reason) => {
      for (const arn of objectArns(pattern)) acknowledgeWildcardResource(fn.role!, arn, reason);
    },
    listBucket: (fn) => {
      const statement = listBucketStatement(bucket, prefixes);
      if (statement) fn.addToRolePolicy(statement);
    },
    objectArns,
    acknowledgeKeyUse: (fn) => {
      if (!bucket.encryptionKey) return;
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "GenerateDataKey* on the bucket's own key only: what S3 needs to encrypt each stored object.",
      });
    },
  };
}
