import { type NightWindow, type WindowOccurrence, windowOn } from './night-window.js';

/**
 * How a night window is launched: one EventBridge Scheduler cron schedule per distinct window,
 * firing at the window's local start in its zone, whose delivery opens that night's window.
 *
 * EventBridge Scheduler's documented behaviour on daylight-saving nights
 * (https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst): when clocks go forward,
 * an invocation whose local time does not exist is skipped; when clocks go back, a repeated local
 * time invokes once. So a start that a jump skips would lose that night's backups: the deployment
 * refuses such a start (`skippedStartNights`), and the launcher takes the window as opening at the
 * time the Scheduler actually delivered (`windowOpenedAt`), either of the two on an autumn night.
 */

/** The key that groups databases into one schedule: identical start, hours and zone. */
export function windowKey(window: NightWindow): string {
  return `${window.start} ${window.hours}h ${window.timeZone}`;
}

/** The six-field EventBridge Scheduler cron of the window's start, read in `window.timeZone`. */
export function windowCron(window: NightWindow): string {
  const [hour, minute] = window.start.split(':').map(Number) as [number, number];
  return `${minute} ${hour} * * ? *`;
}

/**
 * The local dates in `years` calendar years from `fromYear` on which the window's start does not
 * exist (a daylight-saving jump skips it), so EventBridge Scheduler would not fire that night.
 */
export function skippedStartNights(window: NightWindow, fromYear: number, years = 2): string[] {
  const nights: string[] = [];
  const first = Date.UTC(fromYear, 0, 1);
  const last = Date.UTC(fromYear + years, 0, 1);
  for (let day = first; day < last; day += 86_400_000) {
    const night = new Date(day).toISOString().slice(0, 10);
    if (windowOn(window, night).localStart === 'skipped') nights.push(night);
  }
  return nights;
}

/**
 * The window a schedule delivery opened: `scheduledTime` (the Scheduler's
 * `<aws.scheduler.scheduled-time>`) must be the window's local start in its zone; the window closes
 * `hours` elapsed hours later. On an autumn night either of the two instants of a repeated start is
 * accepted, since the Scheduler documents that it fires once but not which one.
 */
export function windowOpenedAt(window: NightWindow, scheduledTime: string): WindowOccurrence {
  const instant = Date.parse(scheduledTime);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(scheduledTime) ||
    Number.isNaN(instant)
  ) {
    throw new Error(
      `scheduledTime "${scheduledTime}" is not an ISO-8601 time with a zone; allowed: e.g. 2026-12-01T01:00:00Z`,
    );
  }
  const local = new Intl.DateTimeFormat('en-CA', {
    timeZone: window.timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => local.find((entry) => entry.type === type)?.value ?? '';
  const localTime = `${part('hour')}:${part('minute')}`;
  if (localTime !== window.start || new Date(instant).getUTCSeconds() !== 0) {
    throw new Error(
      `scheduledTime "${scheduledTime}" is ${localTime} in ${window.timeZone}, not the start of the window ` +
        `(${window.start}); allowed: the time the window's schedule fired`,
    );
  }
  const night = windowOn(window, `${part('year')}-${part('month')}-${part('day')}`);
  return {
    opensAt: new Date(instant),
    closesAt: new Date(instant + window.hours * 3_600_000),
    localStart: night.localStart,
  };
}
