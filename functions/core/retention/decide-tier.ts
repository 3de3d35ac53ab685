import { periodKeys } from './periods.js';
import { expireAfterDays, type RetentionPolicy, TIERS, type Tier } from './retention-policy.js';

/** What decides a successful run's tier. */
export interface DecideTierInput {
  readonly policy: RetentionPolicy;
  /** IANA time zone of the database's schedule. */
  readonly timeZone: string;
  /** The instant the run counts for: its scheduled time, or its start when started by hand. */
  readonly runAt: Date;
  /** The instant the previous successful run counted for; undefined when there was none. */
  readonly previousAt: Date | undefined;
  /** When the run's first object was written (its export's start): lifecycle ages count from there. */
  readonly firstWriteAt: Date;
}

/** A successful run's tier and when the lifecycle may first delete it. */
export interface TierDecision {
  readonly tier: Tier;
  /** Every tier whose period this run is the first success of (always `daily`). */
  readonly claimed: readonly Tier[];
  /** The lifecycle rule's days for the tier. */
  readonly expireAfterDays: number;
  /**
   * The first instant S3's lifecycle may delete the backup's oldest object: its first write plus the
   * tier's days, rounded up to midnight UTC as S3 does. Later while it is the newest verified backup.
   */
  readonly deletableFrom: string;
}

const DAY_MS = 86_400_000;

/**
 * The tier of a successful run: the longest tier (turned on in the policy) whose period has had no
 * success before this one. Periods are counted in the schedule's time zone, so a failed first run of a
 * month leaves the monthly to the next success of that month. A previous success at or after this
 * run (a clock step back, or runs finishing out of order) claims nothing for this one: daily.
 */
export function decideTier(input: DecideTierInput): TierDecision {
  const now = periodKeys(input.runAt, input.timeZone);
  const before =
    input.previousAt && input.previousAt.getTime() < input.runAt.getTime()
      ? periodKeys(input.previousAt, input.timeZone)
      : undefined;
  const laterOrSame = input.previousAt !== undefined && before === undefined;
  const claimed = TIERS.filter(
    (tier) =>
      tier === 'daily' ||
      (!laterOrSame && input.policy[tier] > 0 && (before === undefined || before[tier] !== now[tier])),
  );
  const tier = claimed[claimed.length - 1] ?? 'daily';
  const days = expireAfterDays(input.policy, tier);
  return { tier, claimed, expireAfterDays: days, deletableFrom: deletableFrom(input.firstWriteAt, days) };
}

/** S3's lifecycle expiry of an object created at `createdAt` under a rule of `days` days. */
export function deletableFrom(createdAt: Date, days: number): string {
  // "rounding the resulting time to the next day midnight UTC" (S3 User Guide, lifecycle expiration).
  const due = createdAt.getTime() + days * DAY_MS;
  return new Date((Math.floor(due / DAY_MS) + 1) * DAY_MS).toISOString();
}
