import { AspectPriority, Aspects } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/**
 * The deployment's key prefixes: where in the bucket its functions may write. Every write grant of
 * every function is scoped to `<prefix><pattern>` for each of these prefixes, never `bucket/*`, so
 * two deployments sharing a bucket under `a/` and `b/` cannot write each other's keys.
 *
 * The grant must not grow with the fleet (IAM's inline policy quota, 1,000 databases): it names the
 * databases' distinct prefixes, not their ids (a database's keys are `<prefix><id>/…` and
 * `<prefix>_locks/<id>.json`), and above `MAX_KEY_PREFIXES` distinct prefixes it collapses them to
 * the longest folder they all share.
 */

/** Distinct prefixes granted one by one; above this many, their common folder is granted instead. */
export const MAX_KEY_PREFIXES = 5;

/** The prefixes to scope writes to, and whether they were collapsed into a common folder. */
export interface DeploymentKeyPrefixes {
  /** Key prefixes, each empty or ending with `/`, none a prefix of another; empty without databases. */
  readonly prefixes: readonly string[];
  /** True when more than `MAX_KEY_PREFIXES` distinct prefixes were collapsed into their common folder. */
  readonly collapsed: boolean;
}

/** The smallest set of prefixes that covers `databasePrefixes` (the prefixes of the deployment's databases). */
export function deploymentKeyPrefixes(databasePrefixes: readonly string[]): DeploymentKeyPrefixes {
  const distinct = [...new Set(databasePrefixes)].sort();
  // Sorted, a prefix comes before every key it covers.
  const covering = distinct.filter(
    (prefix, index) => !distinct.slice(0, index).some((shorter) => prefix.startsWith(shorter)),
  );
  if (covering.length <= MAX_KEY_PREFIXES) return { prefixes: covering, collapsed: false };
  return { prefixes: [commonFolder(covering)], collapsed: true };
}

/** The longest folder (empty, or ending with `/`) that every one of `prefixes` starts with. */
function commonFolder(prefixes: readonly string[]): string {
  const [first = '', ...rest] = prefixes;
  let length = first.length;
  for (const prefix of rest) {
    let same = 0;
    while (same < Math.min(length, prefix.length) && first[same] === prefix[same]) same += 1;
    length = same;
  }
  const shared = first.slice(0, length);
  return shared.slice(0, shared.lastIndexOf('/') + 1);
}

/**
 * The object ARNs of `pattern` (an IAM key pattern such as `*_locks/*.json`) under each of
 * `prefixes`: the one way a grant names the deployment's keys.
 */
export function scopedObjectArns(bucket: IBucket, prefixes: readonly string[], pattern: string): string[] {
  return prefixes.map((prefix) => bucket.arnForObjects(`${prefix}${pattern}`));
}

/**
 * `s3:ListBucket` on `bucket` for listings under the deployment's key `prefixes` only
 * (`StringLike` on `s3:prefix`, `<prefix>*` each), so a role cannot list the keys of another
 * deployment sharing the bucket. S3 also decides whether a GetObject or HeadObject of a missing key
 * answers 404 NoSuchKey (the caller may list) or 403 AccessDenied by this permission, evaluated with
 * the object's key as `s3:prefix`: a missing key under the prefixes still answers NoSuchKey.
 * With the empty prefix the whole bucket is the deployment's: no condition, as no listing is narrower
 * (and S3 sends no `s3:prefix` for a listing without one). Undefined without prefixes (no databases).
 */
export function listBucketStatement(
  bucket: IBucket,
  prefixes: readonly string[],
): PolicyStatement | undefined {
  if (prefixes.length === 0) return undefined;
  const statement = new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] });
  if (!prefixes.includes('')) {
    statement.addCondition('StringLike', { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) });
  }
  return statement;
}

/** What knows the key prefixes of the deployment's databases (its binding pins), complete at synth. */
export interface KeyPrefixSource {
  /** The key prefix of each database added so far, repeats included. */
  readonly prefixes: readonly string[];
}

/**
 * Calls `grant` once, when synthesis starts and every database has been added (from any stack),
 * with the deployment's key prefixes (`deploymentKeyPrefixes` of `source`'s).
 */
export function whenKeyPrefixesKnown(
  scope: IConstruct,
  source: KeyPrefixSource,
  grant: (prefixes: readonly string[]) => void,
): void {
  let granted = false;
  Aspects.of(scope).add(
    {
      visit: (node) => {
        if (node !== scope || granted) return;
        granted = true;
        grant(deploymentKeyPrefixes(source.prefixes).prefixes);
      },
    },
    { priority: AspectPriority.MUTATING },
  );
}
