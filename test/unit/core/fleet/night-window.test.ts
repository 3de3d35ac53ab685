import { describe, expect, it } from 'vitest';
import {
  currentOrNextWindow,
  nightWindowProblems,
  windowOn,
} from '../../../../functions/core/fleet/index.js';

const BERLIN = { start: '01:00', hours: 4, timeZone: 'Europe/Berlin' };

describe('nightWindowProblems', () => {
  it('accepts a window of 1 to 24 whole hours at HH:MM in an IANA zone', () => {
    expect(nightWindowProblems(BERLIN)).toEqual([]);
    expect(nightWindowProblems({ start: '23:59', hours: 24, timeZone: 'UTC' })).toEqual([]);
    expect(nightWindowProblems({ start: '00:00', hours: 1, timeZone: 'America/New_York' })).toEqual([]);
  });

  it.each([
    [{ ...BERLIN, hours: 0 }, 'hours 0 is not allowed; allowed: whole hours from 1 to 24'],
    [{ ...BERLIN, hours: 25 }, 'hours 25 is not allowed'],
    [{ ...BERLIN, hours: 1.5 }, 'hours 1.5 is not allowed'],
    [{ ...BERLIN, hours: '4' }, 'hours "4" is not allowed'],
    [{ ...BERLIN, start: '24:00' }, 'start "24:00" is not a time of day'],
    [{ ...BERLIN, start: '1:00' }, 'start "1:00" is not a time of day'],
    [{ ...BERLIN, start: '01:00:00' }, 'start "01:00:00" is not a time of day'],
    [{ ...BERLIN, timeZone: 'Mars/Olympus' }, 'timeZone "Mars/Olympus": it is not a known time zone'],
    [{ ...BERLIN, timeZone: '+01:00' }, 'timeZone "+01:00"'],
  ])('fails on %j, naming the value', (window, message) => {
    const problems = nightWindowProblems(window);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('fails on every bad field at once', () => {
    expect(nightWindowProblems({ start: 'late', hours: -1, timeZone: 3 })).toHaveLength(3);
  });
});

describe('windowOn', () => {
  it('opens at the local start and closes hours later on an ordinary night', () => {
    const window = windowOn(BERLIN, '2026-12-07');
    expect(window.opensAt.toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(window.closesAt.toISOString()).toBe('2026-12-07T04:00:00.000Z');
    expect(window.localStart).toBe('exists');
  });

  it('opens after the jump when the local start does not exist (spring night)', () => {
    // 2026-03-29: Berlin goes from 02:00 CET straight to 03:00 CEST; 02:30 does not exist.
    const window = windowOn({ ...BERLIN, start: '02:30' }, '2026-03-29');
    expect(window.localStart).toBe('skipped');
    expect(window.opensAt.toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(window.closesAt.toISOString()).toBe('2026-03-29T05:30:00.000Z'); // still 4 elapsed hours
  });

  it('opens once, at the first of the two, when the local start repeats (autumn night)', () => {
    // 2026-10-25: Berlin goes from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
    const window = windowOn({ ...BERLIN, start: '02:30' }, '2026-10-25');
    expect(window.localStart).toBe('repeated');
    expect(window.opensAt.toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
  });

  it('handles a zone whose jump is not at 02:00 (New York, spring night)', () => {
    const window = windowOn({ start: '02:15', hours: 2, timeZone: 'America/New_York' }, '2026-03-08');
    expect(window.localStart).toBe('skipped');
    expect(window.opensAt.toISOString()).toBe('2026-03-08T07:15:00.000Z'); // 03:15 EDT
  });

  it('handles a half-hour daylight-saving jump (Lord Howe Island, spring night)', () => {
    // 2026-10-04: Lord Howe goes from 02:00 +10:30 to 02:30 +11:00; 02:15 does not exist.
    const window = windowOn({ start: '02:15', hours: 1, timeZone: 'Australia/Lord_Howe' }, '2026-10-04');
    expect(window.localStart).toBe('skipped');
    expect(window.opensAt.toISOString()).toBe('2026-10-03T15:45:00.000Z'); // 02:45 +11:00
  });

  it('opens on a calendar day the zone skipped entirely, without throwing (Samoa, 2011-12-30)', () => {
    const window = windowOn({ start: '01:00', hours: 4, timeZone: 'Pacific/Apia' }, '2011-12-30');
    expect(window.localStart).toBe('skipped');
    expect(window.closesAt.getTime() - window.opensAt.getTime()).toBe(4 * 3600_000);
  });

  it('fails on a night that is not a date', () => {
    expect(() => windowOn(BERLIN, '07.12.2026')).toThrow('night "07.12.2026" is not a date');
  });
});

describe('currentOrNextWindow', () => {
  it('is the window that contains now', () => {
    const window = currentOrNextWindow(BERLIN, new Date('2026-12-07T03:59:59Z'));
    expect(window.opensAt.toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });

  it('is the next night once the window has closed', () => {
    const window = currentOrNextWindow(BERLIN, new Date('2026-12-07T04:00:00Z'));
    expect(window.opensAt.toISOString()).toBe('2026-12-08T00:00:00.000Z');
  });

  it('is the window that opened the local day before when it crosses midnight', () => {
    const late = { start: '22:00', hours: 6, timeZone: 'UTC' };
    const window = currentOrNextWindow(late, new Date('2026-12-07T02:00:00Z'));
    expect(window.opensAt.toISOString()).toBe('2026-12-06T22:00:00.000Z');
  });
});
