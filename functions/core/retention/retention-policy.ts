import { z } from 'zod';

/**
 * Retention tiers by count, as auditors ask for them (e.g. 7 dailies, 5 weeklies, 12 monthlies and 7
 * yearlies): each tier is a number of periods, turned here into the days after which S3's lifecycle
 * may delete a backup of that tier.
 */

/** The tiers, shortest first. A backup takes the longest tier whose period it was the first success of. */
export const TIERS = ['daily', 'weekly', 'monthly', 'yearly'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * The longest period of each tier in days. A lifecycle rule counts days, not periods: a tier kept
 * `count × longest period` days keeps at least `count` backups of that tier and at most one more
 * (S3 rounds each expiry up to the next midnight UTC, which only ever keeps a backup longer).
 */
export const PERIOD_MAX_DAYS: Readonly<Record<Tier, number>> = {
  daily: 1,
  weekly: 7,
  monthly: 31,
  yearly: 366,
};

/** Largest count of any tier: a lifecycle rule takes whole days up to about 100 years. */
export const MAX_TIER_COUNT: Readonly<Record<Tier, number>> = {
  daily: 3650,
  weekly: 520,
  monthly: 1200,
  yearly: 100,
};

function count(min: number, max: number, what: string) {
  const error = { error: `allowed: a whole number from ${min} to ${max}` };
  return z.number(error).int(error).min(min, error).max(max, error).describe(what);
}

/** How many periods of each tier are kept. `daily` at least 1; 0 turns a longer tier off. */
export const RetentionPolicySchema = z.strictObject({
  daily: count(1, MAX_TIER_COUNT.daily, 'daily backups kept'),
  weekly: count(0, MAX_TIER_COUNT.weekly, 'weekly backups kept; 0: none'),
  monthly: count(0, MAX_TIER_COUNT.monthly, 'monthly backups kept; 0: none'),
  yearly: count(0, MAX_TIER_COUNT.yearly, 'yearly backups kept; 0: none'),
});
export type RetentionPolicy = z.output<typeof RetentionPolicySchema>;

/** A database's retention as its binding carries it: the counts and the time zone periods are counted in. */
export const RetentionBindingSchema = RetentionPolicySchema.extend({
  /** IANA time zone of the database's schedule: weeks, months and years start at its midnight. */
  timeZone: z.string().min(1),
});
export type RetentionBinding = z.output<typeof RetentionBindingSchema>;

/** The days after which the lifecycle may delete a backup of `tier`; 0 when the tier is off. */
export function expireAfterDays(policy: RetentionPolicy, tier: Tier): number {
  return policy[tier] * PERIOD_MAX_DAYS[tier];
}

/**
 * The (tier, days) pairs a set of policies needs lifecycle rules for, without duplicates, ordered by
 * tier then days: one rule each.
 */
export function lifecycleTiers(policies: readonly RetentionPolicy[]): { tier: Tier; days: number }[] {
  const pairs = new Map<string, { tier: Tier; days: number }>();
  for (const policy of policies) {
    for (const tier of TIERS) {
      const days = expireAfterDays(policy, tier);
      if (days > 0) pairs.set(`${tier}/${days}`, { tier, days });
    }
  }
  return [...pairs.values()].sort((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier) || a.days - b.days);
}
