import { expireAfterDays, type RetentionPolicy, TIERS, type Tier } from './retention-policy.js';

/**
 * The object tags the lifecycle rules match. Every object of a run is written with `tier=daily` and
 * `expire-after-days=<daily days>`: a failed run's objects never outlive a daily. Once the run has
 * succeeded its objects get their tier without `expire-after-days` ("held"): no lifecycle rule matches
 * them while they are the newest verified backup. The next success releases them: their tier with its
 * `expire-after-days`, which a rule `{tier, expire-after-days}` of the bucket expires.
 */

/** An S3 tag (the SDK's `Tag`, with both fields set). */
export interface ObjectTag {
  readonly Key: string;
  readonly Value: string;
}

export const TIER_TAG = 'tier';
export const EXPIRE_TAG = 'expire-after-days';

/** The tags of a backup of `tier` that the lifecycle may expire after `days`. */
export function expiringTags(tier: Tier, days: number): ObjectTag[] {
  return [
    { Key: TIER_TAG, Value: tier },
    { Key: EXPIRE_TAG, Value: String(days) },
  ];
}

/** The tags every object is written with: the shortest tier. */
export function writeTimeTags(policy: RetentionPolicy): ObjectTag[] {
  return expiringTags('daily', expireAfterDays(policy, 'daily'));
}

/** The tags of the newest verified backup: its tier, and nothing a lifecycle rule matches. */
export function heldTags(tier: Tier): ObjectTag[] {
  return [{ Key: TIER_TAG, Value: tier }];
}

/** The `Tagging` header of PutObject and CreateMultipartUpload (URL query form). */
export function taggingHeader(tags: readonly ObjectTag[]): string {
  return new URLSearchParams(tags.map((tag): [string, string] => [tag.Key, tag.Value])).toString();
}

/** `existing` with the retention tags replaced by `retention`; other tags (the copy's marker) stay. */
export function withRetentionTags(
  existing: readonly { Key?: string | undefined; Value?: string | undefined }[],
  retention: readonly ObjectTag[],
): ObjectTag[] {
  const kept = existing.filter(
    (tag): tag is ObjectTag =>
      tag.Key !== undefined && tag.Value !== undefined && tag.Key !== TIER_TAG && tag.Key !== EXPIRE_TAG,
  );
  return [...kept, ...retention];
}

/** The tier a tag set names, or undefined. */
export function tierOfTags(
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[],
): Tier | undefined {
  const value = tags.find((tag) => tag.Key === TIER_TAG)?.Value;
  return TIERS.find((tier) => tier === value);
}
