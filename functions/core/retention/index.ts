/**
 * Retention tiers: which tier a successful run takes (the first success of a week, month or year),
 * how long each tier is kept, and the object tags the bucket's lifecycle rules match.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export { type DecideTierInput, decideTier, deletableFrom, type TierDecision } from './decide-tier.js';
export { isoWeek, localDate, type PeriodKeys, periodKeys } from './periods.js';
export {
  expireAfterDays,
  lifecycleTiers,
  MAX_TIER_COUNT,
  PERIOD_MAX_DAYS,
  type RetentionBinding,
  RetentionBindingSchema,
  type RetentionPolicy,
  RetentionPolicySchema,
  TIERS,
  type Tier,
} from './retention-policy.js';
export {
  EXPIRE_TAG,
  expiringTags,
  heldTags,
  type ObjectTag,
  TIER_TAG,
  taggingHeader,
  tierOfTags,
  withRetentionTags,
  writeTimeTags,
} from './tier-tags.js';
