import { describe, expect, it } from 'vitest';
import {
  decideTier,
  deletableFrom,
  expireAfterDays,
  isoWeek,
  lifecycleTiers,
  periodKeys,
  RetentionPolicySchema,
} from '../../../../functions/core/retention/index.js';

const policy = { daily: 7, weekly: 5, monthly: 12, yearly: 7 };
const at = (iso: string) => new Date(iso);

function tierOf(runAt: string, previousAt: string | undefined, timeZone = 'UTC', p = policy) {
  return decideTier({
    policy: p,
    timeZone,
    runAt: at(runAt),
    previousAt: previousAt === undefined ? undefined : at(previousAt),
    firstWriteAt: at(runAt),
  });
}

describe('periodKeys', () => {
  it('counts the day in the schedule time zone, not in UTC', () => {
    // 23:30 UTC on 31 December is already 1 January in Berlin.
    expect(periodKeys(at('2026-12-31T23:30:00Z'), 'Europe/Berlin')).toEqual({
      daily: '2027-01-01',
      weekly: '2026-W53',
      monthly: '2027-01',
      yearly: '2027',
    });
    expect(periodKeys(at('2026-12-31T23:30:00Z'), 'UTC').yearly).toBe('2026');
  });

  it('names ISO weeks, whose year may differ from the date', () => {
    expect(isoWeek(2026, 12, 28)).toBe('2026-W53');
    expect(isoWeek(2027, 1, 3)).toBe('2026-W53');
    expect(isoWeek(2027, 1, 4)).toBe('2027-W01');
    expect(isoWeek(2024, 12, 30)).toBe('2025-W01');
  });

  it('fails on a time zone that is not an IANA zone, naming it', () => {
    expect(() => periodKeys(at('2026-12-01T02:00:00Z'), 'Mars/Olympus')).toThrow(/Mars\/Olympus/);
  });
});

describe('decideTier', () => {
  it('makes the first backup ever the yearly', () => {
    const decision = tierOf('2026-12-07T02:00:00Z', undefined);
    expect(decision.tier).toBe('yearly');
    expect(decision.claimed).toEqual(['daily', 'weekly', 'monthly', 'yearly']);
    expect(decision.expireAfterDays).toBe(7 * 366);
  });

  it('makes a second success of the same day and week a daily', () => {
    expect(tierOf('2026-12-08T02:00:00Z', '2026-12-07T02:00:00Z').tier).toBe('daily');
  });

  it('makes the first success of a week the weekly', () => {
    // 2026-12-14 is a Monday; the previous success was on Sunday.
    expect(tierOf('2026-12-14T02:00:00Z', '2026-12-13T02:00:00Z').tier).toBe('weekly');
  });

  it('makes the first success of a month the monthly, and of a year the yearly', () => {
    expect(tierOf('2026-12-01T02:00:00Z', '2026-11-30T02:00:00Z').tier).toBe('monthly');
    expect(tierOf('2027-01-01T02:00:00Z', '2026-12-31T02:00:00Z').tier).toBe('yearly');
  });

  it('gives the monthly to the next success when the first run of a month failed', () => {
    // The run of 1 December failed: the last success is from 30 November.
    expect(tierOf('2026-12-02T02:00:00Z', '2026-11-30T02:00:00Z').tier).toBe('monthly');
    // And the one after that is a daily again.
    expect(tierOf('2026-12-03T02:00:00Z', '2026-12-02T02:00:00Z').tier).toBe('daily');
  });

  it('counts months in the schedule time zone', () => {
    // 23:30 UTC on Wednesday 31 March is 1 April in Berlin: the April monthly.
    expect(tierOf('2027-03-31T23:30:00Z', '2027-03-30T23:30:00Z', 'Europe/Berlin').tier).toBe('monthly');
    expect(tierOf('2027-03-31T23:30:00Z', '2027-03-30T23:30:00Z', 'UTC').tier).toBe('daily');
  });

  it('skips a tier that is turned off', () => {
    const decision = tierOf('2026-12-01T02:00:00Z', '2026-11-30T02:00:00Z', 'UTC', { ...policy, monthly: 0 });
    // 1 December 2026 is a Tuesday: neither a new week nor (with monthlies off) a monthly.
    expect(decision.tier).toBe('daily');
  });

  it('claims nothing beyond daily when the previous success is not earlier (clock step back)', () => {
    expect(tierOf('2026-12-01T02:00:00Z', '2026-12-01T02:00:00Z').tier).toBe('daily');
    expect(tierOf('2026-12-01T02:00:00Z', '2027-01-01T02:00:00Z').tier).toBe('daily');
  });

  it('dates the first possible deletion from the first write, rounded up to midnight UTC', () => {
    expect(deletableFrom(at('2026-12-07T02:00:00Z'), 7)).toBe('2026-12-15T00:00:00.000Z');
    // Exactly midnight still rounds to the next midnight.
    expect(deletableFrom(at('2026-12-07T00:00:00Z'), 1)).toBe('2026-12-09T00:00:00.000Z');
    expect(tierOf('2026-12-08T02:00:00Z', '2026-12-07T02:00:00Z').deletableFrom).toBe(
      '2026-12-16T00:00:00.000Z',
    );
  });
});

describe('retention policy', () => {
  it('keeps each tier its count of longest periods', () => {
    expect(expireAfterDays(policy, 'daily')).toBe(7);
    expect(expireAfterDays(policy, 'weekly')).toBe(35);
    expect(expireAfterDays(policy, 'monthly')).toBe(372);
    expect(expireAfterDays(policy, 'yearly')).toBe(2562);
  });

  it('needs one lifecycle rule per distinct tier and days, tiers turned off needing none', () => {
    expect(lifecycleTiers([policy, { ...policy, yearly: 0 }, policy])).toEqual([
      { tier: 'daily', days: 7 },
      { tier: 'weekly', days: 35 },
      { tier: 'monthly', days: 372 },
      { tier: 'yearly', days: 2562 },
    ]);
  });

  it('fails on a daily count of 0, a negative or a fractional count', () => {
    expect(RetentionPolicySchema.safeParse({ ...policy, daily: 0 }).success).toBe(false);
    expect(RetentionPolicySchema.safeParse({ ...policy, weekly: -1 }).success).toBe(false);
    expect(RetentionPolicySchema.safeParse({ ...policy, monthly: 1.5 }).success).toBe(false);
  });
});
