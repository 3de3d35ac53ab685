import type { Tier } from './retention-policy.js';

/**
 * The periods an instant falls in, in a time zone: its day, ISO week (starting Monday), month and
 * year, each as a key that is equal for two instants exactly when they share that period.
 */
export type PeriodKeys = Readonly<Record<Tier, string>>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    // Throws a RangeError naming the zone when it is not an IANA time zone.
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The calendar date of `at` in `timeZone`. */
export function localDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  if (Number.isNaN(at.getTime())) throw new RangeError('the run time is not a valid date');
  const parts = formatter(timeZone).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day') };
}

/** The keys of the day, ISO week, month and year `at` falls in, in `timeZone`. */
export function periodKeys(at: Date, timeZone: string): PeriodKeys {
  const { year, month, day } = localDate(at, timeZone);
  const pad = (value: number, length = 2) => String(value).padStart(length, '0');
  return {
    daily: `${pad(year, 4)}-${pad(month)}-${pad(day)}`,
    weekly: isoWeek(year, month, day),
    monthly: `${pad(year, 4)}-${pad(month)}`,
    yearly: pad(year, 4),
  };
}

/** ISO 8601 week of a calendar date, e.g. `2026-W50` (the week's year may differ from the date's). */
export function isoWeek(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  // The Thursday of the same week decides the week's year.
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return `${String(weekYear).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}
