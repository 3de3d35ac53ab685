import { describe, expect, it } from 'vitest';
import { latestStartAtOrBefore } from '../../../../functions/core/base/cron.js';
import type { RestoreDrillBinding } from '../../../../functions/core/drill/restore-drill-payloads.js';
import { isDrillDue, type LastRestoreDrill } from '../../../../functions/core/drill/restore-drill-record.js';

const drill = (cron: string, timeZone = 'UTC'): RestoreDrillBinding => ({
  schedule: { cron, timeZone },
  targetSchema: 'HR_DRILL',
  schema: 'HR',
});

const attempted = (attemptedFor: string): LastRestoreDrill => ({
  lastRestoreDrillVersion: 1,
  database: 'orders',
  attemptedFor,
  attemptedAt: attemptedFor,
  succeeded: true,
  lastSuccessAt: attemptedFor,
  report: 's3://bucket/orders/x/restore-drill.json',
});

// 2026-12-06 is a Sunday.
const SUNDAY_2AM = new Date('2026-12-06T02:00:00Z');
const SUNDAYS = '0 2 ? * SUN *';

describe('latestStartAtOrBefore', () => {
  it('finds a weekly start at exactly the given time', () => {
    expect(latestStartAtOrBefore(SUNDAYS, 'UTC', SUNDAY_2AM)?.toISOString()).toBe('2026-12-06T02:00:00.000Z');
  });

  it('finds the previous week when the time is a minute early', () => {
    const at = new Date('2026-12-06T01:59:00Z');
    expect(latestStartAtOrBefore(SUNDAYS, 'UTC', at)?.toISOString()).toBe('2026-11-29T02:00:00.000Z');
  });

  it('reads the cron in its time zone: 02:00 Berlin in winter is 01:00 UTC', () => {
    const at = new Date('2026-12-06T01:30:00Z');
    expect(latestStartAtOrBefore(SUNDAYS, 'Europe/Berlin', at)?.toISOString()).toBe(
      '2026-12-06T01:00:00.000Z',
    );
  });

  it('follows daylight saving time: 02:00 New York in July is 06:00 UTC', () => {
    const at = new Date('2026-07-05T12:00:00Z');
    expect(latestStartAtOrBefore(SUNDAYS, 'America/New_York', at)?.toISOString()).toBe(
      '2026-07-05T06:00:00.000Z',
    );
  });

  it('takes the day in the zone, not in UTC: Sunday 08:00 Tokyo is Saturday 23:00 UTC', () => {
    const at = new Date('2026-12-05T23:30:00Z');
    expect(latestStartAtOrBefore('0 8 ? * SUN *', 'Asia/Tokyo', at)?.toISOString()).toBe(
      '2026-12-05T23:00:00.000Z',
    );
  });

  it('is null for a schedule that never started in the year before', () => {
    expect(latestStartAtOrBefore('0 2 1 1 ? 2030', 'UTC', SUNDAY_2AM)).toBeNull();
  });
});

describe('isDrillDue', () => {
  it('is due when no drill was ever attempted', () => {
    expect(isDrillDue(drill(SUNDAYS), null, new Date('2026-12-02T02:00:00Z'), false)).toBe(true);
  });

  it('is due on the drill night after last week’s drill', () => {
    expect(isDrillDue(drill(SUNDAYS), attempted('2026-11-29T02:00:00Z'), SUNDAY_2AM, false)).toBe(true);
  });

  it('is not due on the nights between two drills', () => {
    const monday = new Date('2026-12-07T02:00:00Z');
    expect(isDrillDue(drill(SUNDAYS), attempted('2026-12-06T02:00:00Z'), monday, false)).toBe(false);
  });

  it('is not due twice for the same drill night (a second run of that night)', () => {
    expect(isDrillDue(drill(SUNDAYS), attempted('2026-12-06T02:00:00Z'), SUNDAY_2AM, false)).toBe(false);
  });

  it('is due the next backup night when the drill time falls between two backups', () => {
    // Drill Sundays 03:00, backups at 02:00: Sunday's backup is before the drill time, Monday's after.
    const last = attempted('2026-11-30T02:00:00Z');
    expect(isDrillDue(drill('0 3 ? * SUN *'), last, SUNDAY_2AM, false)).toBe(false);
    expect(isDrillDue(drill('0 3 ? * SUN *'), last, new Date('2026-12-07T02:00:00Z'), false)).toBe(true);
  });

  it('is due when forced, whatever the record says', () => {
    const monday = new Date('2026-12-07T02:00:00Z');
    expect(isDrillDue(drill(SUNDAYS), attempted('2026-12-06T02:00:00Z'), monday, true)).toBe(true);
  });

  it('is due in the zone of the drill: 02:00 Berlin has passed at 01:30 UTC on Sunday', () => {
    const last = attempted('2026-11-29T02:00:00Z');
    const at = new Date('2026-12-06T01:30:00Z');
    expect(isDrillDue(drill(SUNDAYS, 'Europe/Berlin'), last, at, false)).toBe(true);
    expect(isDrillDue(drill(SUNDAYS, 'UTC'), last, at, false)).toBe(false);
  });
});
