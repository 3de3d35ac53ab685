import { describe, expect, it } from 'vitest';
import {
  skippedStartNights,
  windowCron,
  windowKey,
  windowOn,
  windowOpenedAt,
} from '../../../../functions/core/fleet/index.js';

const BERLIN = { start: '01:00', hours: 4, timeZone: 'Europe/Berlin' };

describe('windowKey and windowCron', () => {
  it('groups identical windows and fires at the local start', () => {
    expect(windowKey(BERLIN)).toBe('01:00 4h Europe/Berlin');
    expect(windowKey({ ...BERLIN, hours: 5 })).not.toBe(windowKey(BERLIN));
    expect(windowCron(BERLIN)).toBe('0 1 * * ? *');
    expect(windowCron({ ...BERLIN, start: '23:45' })).toBe('45 23 * * ? *');
  });
});

describe('skippedStartNights', () => {
  it('finds the spring-forward night on which EventBridge Scheduler would skip a 02:30 start', () => {
    expect(skippedStartNights({ ...BERLIN, start: '02:30' }, 2026)).toEqual(['2026-03-29', '2027-03-28']);
  });

  it('finds none for a start that exists every night, the autumn night included', () => {
    expect(skippedStartNights(BERLIN, 2026)).toEqual([]);
    expect(skippedStartNights({ ...BERLIN, start: '02:30', timeZone: 'UTC' }, 2026)).toEqual([]);
  });

  it('finds a midnight jump (America/Santiago springs from 00:00 to 01:00)', () => {
    expect(skippedStartNights({ start: '00:30', hours: 4, timeZone: 'America/Santiago' }, 2026).length).toBe(
      2,
    );
  });
});

describe('windowOpenedAt', () => {
  it('opens at the delivered start and closes hours later on an ordinary night', () => {
    const window = windowOpenedAt(BERLIN, '2026-12-07T00:00:00Z');
    expect(window.opensAt.toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(window.closesAt.toISOString()).toBe('2026-12-07T04:00:00.000Z');
    expect(window).toEqual(windowOn(BERLIN, '2026-12-07'));
  });

  it('on the spring-forward night, a 01:00 window still lasts 4 elapsed hours (05:00 local wall clock is 06:00)', () => {
    // 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST; 01:00 CET is 00:00 UTC.
    const window = windowOpenedAt(BERLIN, '2026-03-29T00:00:00Z');
    expect(window.closesAt.toISOString()).toBe('2026-03-29T04:00:00.000Z');
    expect(window).toEqual(windowOn(BERLIN, '2026-03-29'));
  });

  it('on the fall-back night, accepts either instant of a repeated start and closes hours after it', () => {
    // 2026-10-25: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    const window = { ...BERLIN, start: '02:30' };
    const first = windowOpenedAt(window, '2026-10-25T00:30:00Z');
    const second = windowOpenedAt(window, '2026-10-25T01:30:00Z');
    expect(first).toEqual(windowOn(window, '2026-10-25'));
    expect(first.localStart).toBe('repeated');
    expect(second.localStart).toBe('repeated');
    expect(second.closesAt.toISOString()).toBe('2026-10-25T05:30:00.000Z');
  });

  it.each([
    ['2026-12-07T01:00:00Z', 'is 02:00 in Europe/Berlin, not the start of the window (01:00)'],
    ['2026-12-07T00:00:30Z', 'is 01:00 in Europe/Berlin, not the start of the window'],
    ['2026-12-07', 'is not an ISO-8601 time with a zone'],
    ['yesterday', 'scheduledTime "yesterday" is not an ISO-8601 time'],
    ['2026-12-07T00:00:00', 'is not an ISO-8601 time with a zone'],
  ])('refuses %s, naming it', (scheduledTime, message) => {
    expect(() => windowOpenedAt(BERLIN, scheduledTime)).toThrow(message);
  });
});
