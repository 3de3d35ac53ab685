import type { NightWindow } from './night-window.js';
import { windowKey } from './window-schedule.js';

/**
 * Whether a night window can hold its fleet at the ORDS slot caps, judged from the databases' last
 * run times with the fleet simulation's lower bound: per ORDS origin, the larger of its work
 * divided by its cap and its longest single run; for the deployment cap, all work divided by it.
 * No packing finishes sooner, so a bound past the window's close means runs will miss the window.
 */

/** A database of the window with its last run's duration. */
export interface WindowDatabase {
  readonly id: string;
  /** Its ORDS origin (`ordsOrigin`). */
  readonly origin: string;
  /** Seconds its last run took; absent when unknown (never backed up, or an older record). */
  readonly durationSeconds?: number;
}

/** The slot caps the window's runs share. */
export interface SlotCaps {
  /** Slots per origin not named in `byOrigin`. */
  readonly perOrigin: number;
  readonly byOrigin?: Readonly<Record<string, number>>;
  /** Slots of the whole deployment, if capped. */
  readonly deployment?: number;
}

/** One sentence per origin (and for the deployment cap) whose lower bound outlasts the window; empty when it fits. */
export function windowCapacityWarnings(
  window: NightWindow,
  databases: readonly WindowDatabase[],
  caps: SlotCaps,
): string[] {
  const windowSeconds = window.hours * 3600;
  const known = databases.filter(
    (database) =>
      database.durationSeconds !== undefined &&
      Number.isFinite(database.durationSeconds) &&
      database.durationSeconds >= 0,
  );
  const unknown = databases.length - known.length;
  const note = unknown > 0 ? ` (${unknown} database(s) without a last run time not counted)` : '';
  const warnings: string[] = [];
  const origins = [...new Set(databases.map((database) => database.origin))].sort();
  for (const origin of origins) {
    const runs = known.filter((database) => database.origin === origin);
    if (runs.length === 0) continue;
    const cap = caps.byOrigin?.[origin] ?? caps.perOrigin;
    const work = runs.reduce((sum, run) => sum + run.durationSeconds!, 0);
    const longest = runs.reduce((max, run) => (run.durationSeconds! > max.durationSeconds! ? run : max));
    const bound = Math.max(work / cap, longest.durationSeconds!);
    if (bound <= windowSeconds) continue;
    const reason =
      work / cap >= longest.durationSeconds!
        ? `its ${runs.length} database(s) need ${hours(work)} of runs, ${hours(work / cap)} at ${cap} slot(s)`
        : `its longest run, "${longest.id}", takes ${hours(longest.durationSeconds!)}`;
    warnings.push(
      `window ${windowKey(window)} cannot hold ORDS ${origin}: ${reason}, longer than the window's ` +
        `${window.hours} h${note}; raise its cap (ordsCaps), lengthen the window or move databases to another window`,
    );
  }
  if (caps.deployment !== undefined) {
    const work = known.reduce((sum, run) => sum + run.durationSeconds!, 0);
    if (work / caps.deployment > windowSeconds) {
      warnings.push(
        `window ${windowKey(window)} cannot hold the deployment: its ${known.length} database(s) need ` +
          `${hours(work)} of runs, ${hours(work / caps.deployment)} at the deployment cap of ${caps.deployment} slot(s), ` +
          `longer than the window's ${window.hours} h${note}; raise deploymentCap or lengthen the window`,
      );
    }
  }
  return warnings;
}

function hours(seconds: number): string {
  return `${(seconds / 3600).toFixed(1)} h`;
}
