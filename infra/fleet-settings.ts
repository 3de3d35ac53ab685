import { Token } from 'aws-cdk-lib';
import {
  type NightWindow,
  nightWindowProblems,
  originKeyProblem,
  skippedStartNights,
  windowKey,
} from '../functions/core/fleet/index.js';
import type { BackupWindow } from './backup-props.js';

export { originKeyProblem };

/** ORDS slots per origin when `ordsCaps` names none: a small pool serves four streams well. */
export const DEFAULT_ORDS_CAP = 4;
/** Most slots one origin may be given: more connections than an ORDS pool usually has. */
export const MAX_ORDS_CAP = 100;
/** Most slots the whole deployment may be given: 1,000 databases at 10 streams each. */
export const MAX_DEPLOYMENT_CAP = 10_000;

/**
 * A database's window as the functions read it, or an error naming the construct path, the
 * database and the bad value. A window given as tokens is left unchecked.
 */
export function windowOf(where: string, window: BackupWindow): NightWindow {
  const timeZone = window.timeZone ?? 'UTC';
  const hours = window.duration.toMinutes({ integral: false }) / 60;
  if (Token.isUnresolved(window.start) || Token.isUnresolved(timeZone) || Token.isUnresolved(hours)) {
    return { start: window.start, hours, timeZone };
  }
  const problems = nightWindowProblems({ start: window.start, hours, timeZone }).map((problem) =>
    problem.replace(
      /^hours \S+ is not allowed; allowed: whole hours/,
      `duration ${window.duration.toHumanString()} is not allowed; allowed: whole hours`,
    ),
  );
  if (problems.length > 0) throw new Error(`${where}: window: ${problems.join('; ')}`);
  const checked = { start: window.start, hours, timeZone };
  const skipped = skippedNightsOf(checked);
  if (skipped.length > 0) {
    throw new Error(
      `${where}: window: start "${window.start}" does not exist in ${timeZone} on ${skipped.join(' and ')} ` +
        '(clocks go forward), and EventBridge Scheduler skips a schedule whose local time does not exist; ' +
        'allowed: a start outside the hour the clocks skip',
    );
  }
  return checked;
}

const skippedByWindow = new Map<string, readonly string[]>();

/** The nights of this year and the next that skip the window's start, computed once per window. */
function skippedNightsOf(window: NightWindow): readonly string[] {
  const key = windowKey(window);
  let nights = skippedByWindow.get(key);
  if (!nights) {
    nights = skippedStartNights(window, new Date().getUTCFullYear());
    skippedByWindow.set(key, nights);
  }
  return nights;
}

/** Checks the slot caps of a deployment, naming the construct path and the bad value. */
export function checkSlotCaps(
  path: string,
  ordsCaps: Readonly<Record<string, number>> | undefined,
  deploymentCap: number | undefined,
): void {
  for (const [origin, cap] of Object.entries(ordsCaps ?? {})) {
    const problem = originKeyProblem(origin);
    if (problem) throw new Error(`${path}: ordsCaps: ${problem}`);
    if (!Token.isUnresolved(cap) && (!Number.isInteger(cap) || cap < 1 || cap > MAX_ORDS_CAP)) {
      throw new Error(
        `${path}: ordsCaps["${origin}"] is ${cap}; allowed: whole slots from 1 to ${MAX_ORDS_CAP}`,
      );
    }
  }
  if (
    deploymentCap !== undefined &&
    !Token.isUnresolved(deploymentCap) &&
    (!Number.isInteger(deploymentCap) || deploymentCap < 1 || deploymentCap > MAX_DEPLOYMENT_CAP)
  ) {
    throw new Error(
      `${path}: deploymentCap is ${deploymentCap}; allowed: whole slots from 1 to ${MAX_DEPLOYMENT_CAP}`,
    );
  }
}
