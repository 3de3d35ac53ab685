/**
 * Checks of the schedule settings: EventBridge Scheduler cron expressions and IANA time zones. Pure
 * functions returning a sentence (what is wrong) or null, so the configuration can name the value.
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
