import { TIME_ZONE_FORMAT, timeZoneProblem } from '../base/index.js';

/**
 * A night window: the runs of a fleet start inside it, in a stable order, as ORDS slots allow.
 * `start` is a wall-clock time in `timeZone`; `hours` is elapsed time, so a window is as long on a
 * daylight-saving night as on any other.
 */
export interface NightWindow {
  /** Local start time, `HH:MM` on a 24-hour clock, e.g. `"01:00"`. */
  readonly start: string;
  /** Elapsed hours from the start until the window closes: whole hours from 1 to 24. */
  readonly hours: number;
  /** IANA time zone `start` is read in, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
}

/** The limits of `NightWindow.hours`. */
export const WINDOW_HOURS = { min: 1, max: 24 } as const;

const START_FORMAT = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * What is wrong with a night window, one sentence per field naming the value and what is allowed;
 * empty when it is valid. Takes any input, so a value read from JSON or props can be checked as is.
 */
export function nightWindowProblems(window: {
  readonly start: unknown;
  readonly hours: unknown;
  readonly timeZone: unknown;
}): string[] {
  const problems: string[] = [];
  const { start, hours, timeZone } = window;
  if (typeof start !== 'string' || !START_FORMAT.test(start)) {
    problems.push(
      `start ${JSON.stringify(start)} is not a time of day; allowed: "HH:MM" from "00:00" to "23:59"`,
    );
  }
  if (
    typeof hours !== 'number' ||
    !Number.isInteger(hours) ||
    hours < WINDOW_HOURS.min ||
    hours > WINDOW_HOURS.max
  ) {
    problems.push(
      `hours ${JSON.stringify(hours)} is not allowed; allowed: whole hours from ${WINDOW_HOURS.min} to ${WINDOW_HOURS.max}`,
    );
  }
  const zoneProblem = typeof timeZone === 'string' ? timeZoneProblem(timeZone) : 'it is not a time zone name';
  if (zoneProblem) {
    problems.push(`timeZone ${JSON.stringify(timeZone)}: ${zoneProblem}; allowed: ${TIME_ZONE_FORMAT}`);
  }
  return problems;
}

/**
 * How the local start time exists on a night: `exists` once, `skipped` by a daylight-saving jump
 * (the window opens at the same elapsed time after the last valid minute, e.g. 02:30 → 03:30 on the
 * spring night in Europe/Berlin), or `repeated` when clocks go back (the window opens at the first
 * of the two, so it never opens twice). EventBridge Scheduler skips a night whose start does not
 * exist and fires a repeated start once: a deployment refuses a start that a jump skips
 * (`skippedStartNights`), and the launcher opens the window at the time the Scheduler delivered
 * (`windowOpenedAt`).
 */
export type LocalStart = 'exists' | 'skipped' | 'repeated';

/** One night's window as instants. */
export interface WindowOccurrence {
  readonly opensAt: Date;
  readonly closesAt: Date;
  readonly localStart: LocalStart;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The window that opens on the local calendar date `night` (`YYYY-MM-DD`) in the window's zone.
 * The window must be valid (`nightWindowProblems` empty).
 */
export function windowOn(window: NightWindow, night: string): WindowOccurrence {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(night);
  if (!date) throw new Error(`night "${night}" is not a date; allowed: YYYY-MM-DD`);
  const [hour, minute] = window.start.split(':').map(Number) as [number, number];
  // The wall-clock time written as if it were UTC; the zone's offset turns it into an instant.
  const local = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), hour, minute);
  const before = offsetMs(window.timeZone, local - DAY_MS);
  const after = offsetMs(window.timeZone, local + DAY_MS);
  const matches = [...new Set([before, after])]
    .map((offset) => local - offset)
    .filter((instant) => instant + offsetMs(window.timeZone, instant) === local)
    .sort((a, b) => a - b);
  // In a skipped hour no instant matches: the offset before the jump lands after it.
  const opens = matches[0] ?? local - before;
  const localStart: LocalStart =
    matches.length === 0 ? 'skipped' : matches.length > 1 ? 'repeated' : 'exists';
  return {
    opensAt: new Date(opens),
    closesAt: new Date(opens + window.hours * 60 * MINUTE_MS),
    localStart,
  };
}

/**
 * The window in force or next to open at `now`: the one that contains `now`, else the next one.
 * A window of 24 hours on a 23-hour night overlaps the next one; the earlier one is in force then.
 */
export function currentOrNextWindow(window: NightWindow, now: Date): WindowOccurrence {
  const today = localDate(window.timeZone, now.getTime());
  for (const days of [-1, 0, 1, 2]) {
    const occurrence = windowOn(window, shiftDate(today, days));
    if (now.getTime() < occurrence.closesAt.getTime()) return occurrence;
  }
  throw new Error(
    `no window of ${window.hours} hour(s) at ${window.start} ${window.timeZone} after ${now.toISOString()}`,
  );
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive), whole minutes. */
function offsetMs(timeZone: string, instant: number): number {
  const parts = partsOf(timeZone, instant);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  return asUtc - Math.floor(instant / MINUTE_MS) * MINUTE_MS;
}

function localDate(timeZone: string, instant: number): string {
  const { year, month, day } = partsOf(timeZone, instant);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

const formats = new Map<string, Intl.DateTimeFormat>();

function partsOf(timeZone: string, instant: number) {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(timeZone, format);
  }
  const value = (type: string) =>
    Number(format.formatToParts(new Date(instant)).find((part) => part.type === type)?.value);
  return {
    year: value('year'),
    month: value('month'),
    day: value('day'),
    hour: value('hour'),
    minute: value('minute'),
  };
}
