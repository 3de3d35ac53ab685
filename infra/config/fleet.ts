import { z } from 'zod';
import { WINDOW_HOURS } from '../../functions/core/fleet/index.js';
import { DEFAULT_ORDS_CAP, MAX_DEPLOYMENT_CAP, MAX_ORDS_CAP, originKeyProblem } from '../fleet-settings.js';
import { TIME_ZONE_FORMAT, timeZoneProblem } from '../schedule-checks.js';

/**
 * The fleet settings of the configuration file: a database's night `window` (instead of a cron),
 * and the ORDS slot caps of the deployment (`ordsCaps`, `deploymentCap`).
 */

const allowed = (text: string) => ({ error: `allowed: ${text}` });

function wholeNumber(min: number, max: number, unit: string) {
  const error = allowed(`whole ${unit} from ${min} to ${max}`);
  return z.number(error).int(error).min(min, error).max(max, error);
}

/** `window` of a database or of `defaults`. */
export const WindowSchema = z.strictObject({
  start: z
    .string(allowed('"HH:MM" from "00:00" to "23:59"'))
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, allowed('"HH:MM" from "00:00" to "23:59"'))
    .describe('Local time the window opens, "HH:MM", e.g. "01:00"'),
  hours: wholeNumber(WINDOW_HOURS.min, WINDOW_HOURS.max, 'hours').describe(
    'Elapsed hours until the window closes; a run without an ORDS slot by then fails as "Missed the backup window"',
  ),
  timeZone: z
    .string()
    .superRefine((value, ctx) => {
      const problem = timeZoneProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; allowed: ${TIME_ZONE_FORMAT}` });
    })
    .optional()
    .describe('IANA time zone start is read in, e.g. Europe/Berlin. Default "UTC"'),
});

/** `ordsCaps`: ORDS slots per origin, where the default does not fit. */
export const OrdsCapsSchema = z
  .record(
    z.string(),
    wholeNumber(1, MAX_ORDS_CAP, 'slots'),
    allowed('an object of "https://host[:port]": slots'),
  )
  .superRefine((caps, ctx) => {
    for (const key of Object.keys(caps)) {
      const problem = originKeyProblem(key);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [key] });
    }
  })
  .describe(
    `ORDS slots per origin (scheme, host, port), e.g. {"https://db.example.com:8443": 2}. Default ${DEFAULT_ORDS_CAP} per origin`,
  );

/** `deploymentCap`: ORDS slots across all origins. */
export const DeploymentCapSchema = wholeNumber(1, MAX_DEPLOYMENT_CAP, 'slots').describe(
  'ORDS slots the whole deployment may hold at once. Default: no cap besides the per-origin ones',
);

/** A window as written in the file. */
export type WindowSettings = z.output<typeof WindowSchema>;

/** A window with its defaults applied. */
export interface WindowConfig {
  /** Local start, `HH:MM`. */
  readonly start: string;
  /** Elapsed hours, 1–24. */
  readonly hours: number;
  /** IANA time zone of `start`. @default 'UTC' */
  readonly timeZone: string;
}

interface ScheduleSettings {
  readonly window?: WindowSettings;
  readonly schedule?: { readonly cron?: string };
}

/** Where `window` and `schedule.cron` are both given in one place: they are alternatives. */
export function windowAndCronProblem(label: string, settings: ScheduleSettings): string[] {
  if (!settings.window || settings.schedule?.cron === undefined) return [];
  return [
    `${label}: window ${JSON.stringify(settings.window)} with schedule.cron ${JSON.stringify(settings.schedule.cron)}; ` +
      'allowed: one of them (window starts the runs in a night window, cron at fixed times)',
  ];
}

/**
 * The window a database starts in: its own; else, unless it gives its own cron, that of `defaults`.
 * Undefined: the database starts on its cron (or the default one).
 */
export function resolveWindow(
  defaults: ScheduleSettings,
  database: ScheduleSettings,
): WindowConfig | undefined {
  const window = database.window ?? (database.schedule?.cron === undefined ? defaults.window : undefined);
  return window
    ? { start: window.start, hours: window.hours, timeZone: window.timeZone ?? 'UTC' }
    : undefined;
}
