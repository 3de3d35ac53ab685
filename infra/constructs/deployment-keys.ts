import type { IBucket } from 'aws-cdk-lib/aws-s3';

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
