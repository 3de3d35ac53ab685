import { describe, expect, it } from 'vitest';
import { longestScheduleGapHours } from '../../infra/schedule-checks.js';

describe('longestScheduleGapHours', () => {
  it.each([
    ['0 2 * * ? *', 24],
    ['0 0,12 * * ? *', 12],
    ['0 */6 * * ? *', 6],
    ['0 2 ? * MON-FRI *', 72],
    ['0/15 8-18 ? * MON-FRI *', 61.25],
    ['30 1 ? * SUN *', 168],
    ['0 3 L * ? *', 744],
    ['0 2 1,15 * ? *', 408],
    ['0 2 ? * 6#3 *', 840],
    ['0 2 ? * 6L *', 840],
  ])('finds the longest gap of "%s": %d hours', (cron, hours) => {
    expect(longestScheduleGapHours(cron, 2027)).toBe(hours);
  });

  it('picks the nearest weekday for W: 15W in a month whose 15th is a Saturday is Friday the 14th', () => {
    // 2027: May 15th is a Saturday, so the May run is on the 14th; June 15th is a Tuesday.
    expect(longestScheduleGapHours('0 2 15W 5-6 ? 2027', 2027)).toBe(32 * 24);
  });

  it('gives no gap for a schedule that starts fewer than twice in the two years looked at', () => {
    expect(longestScheduleGapHours('0 2 * * ? 2020', 2027)).toBeUndefined();
  });
});
