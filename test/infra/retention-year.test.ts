import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LastBackup, planRetention } from '../../functions/core/manifest/index.js';
import {
  deletableFrom,
  expiringTags,
  type ObjectTag,
  TIERS,
  type Tier,
} from '../../functions/core/retention/index.js';
import { parseConfig } from '../../infra/config/index.js';
import { type Synthesized, synthesize } from './synth.js';

/**
 * A simulated run of nightly backups against the lifecycle rules of the synthesized template: each
 * night's success is held, the one before released to its tier's rule (as `storeBackup` does), and
 * an object is gone as soon as a rule matching all its tags has its day count behind it (rounded to
 * midnight UTC, S3's earliest).
 */

const TIER_COUNTS = { daily: 7, weekly: 5, monthly: 12, yearly: 7 };
const TIME_ZONE = 'Europe/Berlin';
const DAY_MS = 86_400_000;

interface Rule {
  readonly tags: readonly ObjectTag[];
  readonly days: number;
}

interface Backup {
  readonly createdAt: Date;
  readonly claimed: readonly Tier[];
  tags: readonly ObjectTag[];
  tier: Tier;
}

/** Whether any rule expires an object with `tags` created at `createdAt` by `at`. */
function expired(rules: readonly Rule[], tags: readonly ObjectTag[], createdAt: Date, at: Date): boolean {
  return rules.some(
    (rule) =>
      rule.tags.every((filter) => tags.some((tag) => tag.Key === filter.Key && tag.Value === filter.Value)) &&
      new Date(deletableFrom(createdAt, rule.days)).getTime() <= at.getTime(),
  );
}

/** Nightly runs at 02:00 UTC from `from` for `days` days; `fails(day)` marks the nights that fail. */
function simulate(
  rules: readonly Rule[],
  from: string,
  days: number,
  fails: (day: string) => boolean,
  check: (at: Date, kept: readonly Backup[], created: readonly Backup[]) => void,
): Backup[] {
  let kept: Backup[] = [];
  const created: Backup[] = [];
  let previous: LastBackup | null = null;
  let newest: Backup | undefined;
  const start = new Date(`${from}T02:00:00Z`).getTime();
  for (let night = 0; night < days; night++) {
    const runAt = new Date(start + night * DAY_MS);
    const day = runAt.toISOString().slice(0, 10);
    // The lifecycle just before the run, and late in the day after it.
    for (const at of [new Date(runAt.getTime() - 60_000), new Date(runAt.getTime() + 21 * 3600_000)]) {
      kept = kept.filter((backup) => !expired(rules, backup.tags, backup.createdAt, at));
      check(at, kept, created);
    }
    if (fails(day)) continue;
    const manifest = `s3://b/orders/${day}/manifest.json`;
    const plan = planRetention({
      retention: { ...TIER_COUNTS, timeZone: TIME_ZONE },
      succeeded: true,
      runAt,
      firstWriteAt: runAt,
      manifest,
      previous,
    });
    if (newest && plan.release) newest.tags = expiringTags(plan.release.tier, plan.release.expireAfterDays);
    newest = {
      createdAt: runAt,
      claimed: claimedOf(plan.manifest.tier, previous, runAt),
      tags: plan.tags,
      tier: plan.manifest.tier,
    };
    kept.push(newest);
    created.push(newest);
    previous = {
      lastBackupVersion: 1,
      database: 'orders',
      finishedAt: runAt.toISOString(),
      jobName: 'J',
      verdict: 'succeeded',
      manifest,
      retention: {
        tier: plan.manifest.tier,
        expireAfterDays: plan.manifest.expireAfterDays,
        runAt: runAt.toISOString(),
      },
    };
  }
  return kept;
}

/** The tiers whose period a backup was the first success of (computed apart from `decideTier`). */
function claimedOf(tier: Tier, previous: LastBackup | null, runAt: Date): Tier[] {
  const keys = (at: Date) => {
    const local = new Intl.DateTimeFormat('en-CA', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(at);
    const [y, m, d] = local.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, m - 1, d));
    const monday = new Date(date.getTime() - ((date.getUTCDay() || 7) - 1) * DAY_MS);
    return {
      daily: local,
      weekly: monday.toISOString().slice(0, 10),
      monthly: local.slice(0, 7),
      yearly: local.slice(0, 4),
    };
  };
  if (!previous?.retention) return [...TIERS];
  const before = keys(new Date(previous.retention.runAt));
  const now = keys(runAt);
  const opened = TIERS.filter((each) => before[each] !== now[each]);
  // The tier decided is the longest period the run opened (every tier is on here).
  expect(tier).toBe(opened[opened.length - 1] ?? 'daily');
  return opened.length === 0 ? ['daily'] : opened;
}

let synthesized: Synthesized;
let rules: Rule[];
beforeAll(() => {
  synthesized = synthesize(
    parseConfig(
      {
        defaults: { retention: TIER_COUNTS, schedule: { timeZone: TIME_ZONE } },
        databases: [
          {
            id: 'orders',
            ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
            secret: 'prod/ords/orders',
          },
        ],
      },
      'config/test.json',
    ),
  );
  const bucket = Object.values(synthesized.template.findResources('AWS::S3::Bucket'))[0]!;
  rules = (bucket.Properties.LifecycleConfiguration.Rules as Record<string, unknown>[])
    .filter((rule) => rule.ExpirationInDays !== undefined)
    .map((rule) => ({
      tags: (rule.TagFilters as ObjectTag[] | undefined) ?? [],
      days: rule.ExpirationInDays as number,
    }));
});
afterAll(() => synthesized.cleanup());

const count = (kept: readonly Backup[], test: (backup: Backup) => boolean) => kept.filter(test).length;

describe('a simulated year of nightly runs under the synthesized lifecycle rules', () => {
  it('keeps the newest backups of the configured count of periods of each tier, and at most one more', () => {
    let checks = 0;

    simulate(
      rules,
      '2026-01-01',
      2 * 366,
      () => false,
      (at, kept, created) => {
        for (const tier of TIERS) {
          // The backups of the newest `count` periods of the tier that had a success: all still there.
          const newest = created.filter((backup) => backup.claimed.includes(tier)).slice(-TIER_COUNTS[tier]);
          const missing = newest
            .filter((backup) => !kept.includes(backup))
            .map((b) => b.createdAt.toISOString());
          expect(missing, `${tier} missing at ${at.toISOString()}`).toEqual([]);
          expect(
            count(kept, (backup) => backup.tier === tier),
            `${tier} at ${at.toISOString()}`,
          ).toBeLessThanOrEqual(TIER_COUNTS[tier] + 1);
        }
        checks++;
      },
    );

    expect(checks).toBe(4 * 366);
  });

  it('keeps every yearly while fewer than the configured count exist', () => {
    const kept = simulate(
      rules,
      '2026-01-01',
      3 * 365 + 1,
      () => false,
      () => undefined,
    );
    expect(
      kept.filter((backup) => backup.tier === 'yearly').map((backup) => backup.createdAt.toISOString()),
    ).toEqual(['2026-01-01T02:00:00.000Z', '2027-01-01T02:00:00.000Z', '2028-01-01T02:00:00.000Z']);
  });

  it('gives the monthly to the next success when the first run of a month fails', () => {
    const kept = simulate(
      rules,
      '2026-01-01',
      120,
      (day) => day === '2026-03-01',
      () => undefined,
    );
    const monthlies = kept
      .filter((backup) => backup.tier === 'monthly')
      .map((backup) => backup.createdAt.toISOString());
    expect(monthlies).toContain('2026-03-02T02:00:00.000Z');
    expect(monthlies).not.toContain('2026-03-01T02:00:00.000Z');
  });

  it('never deletes the newest verified backup, however long the runs fail', () => {
    // The last success is Tuesday 10 March, a daily kept 7 days; then 200 failed nights.
    const kept = simulate(
      rules,
      '2026-03-01',
      210,
      (day) => day > '2026-03-10',
      () => undefined,
    );
    expect(kept.map((backup) => backup.createdAt.toISOString())).toContain('2026-03-10T02:00:00.000Z');
    // Its dailies before it are gone.
    expect(kept.map((backup) => backup.createdAt.toISOString())).not.toContain('2026-03-08T02:00:00.000Z');
  });
});
