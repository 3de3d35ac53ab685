/**
 * EventBridge Scheduler cron expressions and IANA time zones: checks (pure functions returning a
 * sentence, what is wrong, or null, so the configuration can name the value) and evaluation (the
 * longest gap between two starts, the latest start at or before a time in the schedule's zone).
 * The configuration (infra) and the functions share this one implementation.
 *
 * Cron rules from https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based:
 * six fields `minutes hours day-of-month month day-of-week year`; `?` in exactly one of
 * day-of-month and day-of-week; `L` and `W` in day-of-month, `L` and `#` in day-of-week.
 */

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted instead of numbers (JAN = 1, SUN = 1). */
  readonly names?: readonly string[];
  /** Whole-field forms besides lists, ranges and steps: `?`, `L`, `15W`, `6#3`, … */
  readonly special?: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(\?|L|LW|([1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: WEEKDAYS,
    special: /^(\?|L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/i,
  },
  { name: 'year', min: 1970, max: 2199 },
];

/** The expected form, for messages. */
export const CRON_FORMAT =
  'an EventBridge Scheduler cron of 6 fields (minutes hours day-of-month month day-of-week year) ' +
  'with ? in day-of-month or day-of-week, e.g. "0 2 * * ? *"';

/** Why `expression` is not a valid EventBridge Scheduler cron expression, or null when it is. */
export function cronProblem(expression: string): string | null {
  const parts = expression.trim().split(/\s+/);
  if (/^cron\(/i.test(expression.trim())) return 'it is wrapped in cron( … ): give the 6 fields only';
  if (parts.length !== FIELDS.length) return `it has ${parts.length} field(s), not 6`;
  for (const [index, field] of FIELDS.entries()) {
    const problem = fieldProblem(parts[index]!, field);
    if (problem) return `its ${field.name} field "${parts[index]}" ${problem}`;
  }
  const dayOfMonth = parts[2]!;
  const dayOfWeek = parts[4]!;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'exactly one of day-of-month and day-of-week must be ?';
  }
  return null;
}

function fieldProblem(value: string, field: CronField): string | null {
  if (field.special?.test(value)) return null;
  if (value === '?') return 'cannot be ? (only day-of-month or day-of-week can)';
  for (const item of value.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) return 'is not a list of values, ranges (a-b) and steps (*/n, a/n)';
    const [, range, step] = match;
    if (step !== undefined && Number(step) < 1) return 'has a step of 0';
    if (range === '*') continue;
    for (const bound of range!.split('-')) {
      const number = toNumber(bound, field);
      if (number === null || number < field.min || number > field.max) {
        const names = field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : '';
        return `has ${bound}, outside ${field.min}-${field.max}${names}`;
      }
    }
  }
  return null;
}

function toNumber(token: string, field: CronField): number | null {
  if (/^\d+$/.test(token)) return Number(token);
  const index = field.names?.indexOf(token.toUpperCase()) ?? -1;
  return index >= 0 ? index + 1 : null;
}

/** The expected form, for messages. */
export const TIME_ZONE_FORMAT = 'an IANA time zone name such as UTC, Europe/Berlin or America/New_York';

/**
 * Why `name` is not an IANA time zone EventBridge Scheduler accepts, or null when it is. Node's ICU
 * data knows the IANA names (aliases such as `US/Pacific` included); offsets such as `+01:00` and
 * names in the wrong case are refused (EventBridge Scheduler only takes exact names).
 */
export function timeZoneProblem(name: string): string | null {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return 'it is not a known time zone';
  }
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return 'it is not a time zone name';
  if (resolved.toLowerCase() === name.toLowerCase() && resolved !== name)
    return `it is spelled "${resolved}"`;
  if (name !== name.toUpperCase() && name === name.toLowerCase())
    return 'it is not spelled as in the IANA database';
  return null;
}

/** Days looked at to find the longest gap between two scheduled starts: two years, leap day included. */
const GAP_WINDOW_DAYS = 731;

/** A valid cron expression read once: the days it starts on, and its start times in minutes of the day. */
interface CronStarts {
  /** Whether it starts on a calendar date (its UTC fields). */
  readonly dayMatches: (date: Date) => boolean;
  /** Its start times on such a day, in minutes after midnight, ascending. */
  readonly times: number[];
}

function startsOf(expression: string): CronStarts {
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = expression.trim().split(/\s+/) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const minuteSet = valuesOf(minutes, FIELDS[0]!);
  const hourSet = valuesOf(hours, FIELDS[1]!);
  const monthSet = valuesOf(month, FIELDS[3]!);
  const yearSet = valuesOf(year, FIELDS[5]!);
  const times = [...hourSet].flatMap((hour) => [...minuteSet].map((minute) => hour * 60 + minute));
  times.sort((a, b) => a - b);
  return {
    dayMatches: (date) =>
      yearSet.has(date.getUTCFullYear()) &&
      monthSet.has(date.getUTCMonth() + 1) &&
      (dayOfMonth === '?' ? dayOfWeekMatches(dayOfWeek, date) : dayOfMonthMatches(dayOfMonth, date)),
    times,
  };
}

/**
 * The longest time, in hours, between two consecutive starts of a valid EventBridge Scheduler cron
 * expression over the two years from January 1st of `fromYear`, in the schedule's wall-clock time
 * (a daylight-saving shift can add an hour). Undefined when it starts fewer than twice in that
 * window (a schedule limited to past or far-future years).
 */
export function longestScheduleGapHours(expression: string, fromYear: number): number | undefined {
  const { dayMatches, times } = startsOf(expression);

  let previous: number | undefined;
  let longest: number | undefined;
  const start = Date.UTC(fromYear, 0, 1);
  for (let day = 0; day < GAP_WINDOW_DAYS; day++) {
    const date = new Date(start + day * 86_400_000);
    if (!dayMatches(date)) continue;
    for (const time of times) {
      const minute = day * 1440 + time;
      if (previous !== undefined) longest = Math.max(longest ?? 0, minute - previous);
      previous = minute;
    }
  }
  return longest === undefined ? undefined : longest / 60;
}

/** The numbers a list / range / step field allows (`*`, `5`, `1-5`, `*\/15`, `10/5`, names). */
function valuesOf(value: string, field: CronField): Set<number> {
  const values = new Set<number>();
  for (const item of value.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = field.min;
    let to = field.max;
    if (range !== '*') {
      const [low, high] = range.split('-') as [string, string | undefined];
      from = toNumber(low, field) ?? field.min;
      // `a/n` runs from a to the end of the field; `a` alone is just a.
      to =
        high !== undefined ? (toNumber(high, field) ?? field.max) : stepText !== undefined ? field.max : from;
    }
    for (let number = from; number <= to; number += step) values.add(number);
  }
  return values;
}

function daysInMonth(date: Date): number {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
}

/** The weekday (Monday to Friday) nearest to `day` within its month, as EventBridge's `W` picks it. */
function nearestWeekday(date: Date, day: number): number {
  const last = daysInMonth(date);
  const target = Math.min(day, last);
  const weekday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function dayOfMonthMatches(value: string, date: Date): boolean {
  const day = date.getUTCDate();
  const last = daysInMonth(date);
  if (value === 'L') return day === last;
  if (value === 'LW') return day === nearestWeekday(date, last);
  const weekday = /^(\d+)W$/.exec(value);
  if (weekday) return day === nearestWeekday(date, Number(weekday[1]));
  return valuesOf(value, FIELDS[2]!).has(day);
}

function dayOfWeekMatches(value: string, date: Date): boolean {
  const field = FIELDS[4]!;
  // EventBridge numbers the days 1 (SUN) to 7 (SAT).
  const weekday = date.getUTCDay() + 1;
  const day = date.getUTCDate();
  if (value.toUpperCase() === 'L') return weekday === 7;
  const lastOf = /^(\w+)L$/i.exec(value);
  if (lastOf) return weekday === toNumber(lastOf[1]!, field) && day + 7 > daysInMonth(date);
  const nth = /^(\w+)#([1-5])$/.exec(value);
  if (nth) return weekday === toNumber(nth[1]!, field) && Math.ceil(day / 7) === Number(nth[2]);
  return valuesOf(value, field).has(weekday);
}

/** The date and wall-clock time of an instant in a time zone. */
function wallClock(instant: number, timeZone: string): { y: number; m: number; d: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: part('year'), m: part('month'), d: part('day'), minutes: part('hour') * 60 + part('minute') };
}

/** Milliseconds the zone's wall clock is ahead of UTC at `instant` (whole minutes). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  const asUtc = Date.UTC(wall.y, wall.m - 1, wall.d, 0, wall.minutes);
  return asUtc - Math.floor(instant / 60_000) * 60_000;
}

/** The instant a wall-clock time of a zone stands for (two passes settle a DST shift). */
function instantOf(y: number, m: number, d: number, minutes: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d, 0, minutes);
  const first = guess - zoneOffsetMs(guess, timeZone);
  return guess - zoneOffsetMs(first, timeZone);
}

/** Days looked back for the latest start: a bit more than a year covers every yearly schedule. */
const LOOK_BACK_DAYS = 400;

/**
 * The latest start of a valid EventBridge Scheduler cron expression at or before `at`, read in
 * `timeZone` (daylight saving time followed), or null when it has none in the 400 days before.
 */
export function latestStartAtOrBefore(expression: string, timeZone: string, at: Date): Date | null {
  const starts = startsOf(expression);
  const { dayMatches } = starts;
  const times = starts.times.reverse();
  const limit = at.getTime();
  const today = wallClock(limit, timeZone);
  for (let back = 0; back <= LOOK_BACK_DAYS; back++) {
    // A calendar date (its UTC fields), as the day-matching functions read it.
    const date = new Date(Date.UTC(today.y, today.m - 1, today.d - back));
    if (!dayMatches(date)) continue;
    for (const time of times) {
      const instant = instantOf(
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        time,
        timeZone,
      );
      if (instant <= limit) return new Date(instant);
    }
  }
  return null;
}
