import type { NightResult, NightSettings, SimDatabase } from './fleet-model.js';

/** One origin's night, or the whole deployment's (`origin: "all"`). */
export interface NightSummary {
  readonly origin: string;
  readonly runs: number;
  readonly completed: number;
  readonly missed: number;
  /** Seconds from the window's opening until its last run finished. */
  readonly makespanSeconds: number;
  /** The best packing can do no better: max(work ÷ cap, longest single run). */
  readonly lowerBoundSeconds: number;
  /** makespan ÷ lower bound; meaningful when no run missed the window. */
  readonly ratio: number;
  readonly peakSlots: number;
  readonly cap: number;
  /** Latest start, seconds after the window opened. */
  readonly lastStartSeconds: number;
}

/** Slot-seconds a database needs: one slot for the export, one per stream for its bytes. */
function workOf(database: SimDatabase): number {
  return database.exportSeconds + database.bytes / database.streamBytesPerSecond;
}

/** Its shortest possible run: the export, then its files downloaded at once (as the cap allows). */
function shortestRunOf(database: SimDatabase, cap: number): number {
  const streams = Math.min(database.files, cap);
  return database.exportSeconds + database.bytes / (streams * database.streamBytesPerSecond);
}

/** Per origin (sorted) then overall: makespan, lower bound, ratio, peak slots, missed runs. */
export function summarizeNight(
  fleet: readonly SimDatabase[],
  settings: NightSettings,
  night: NightResult,
): NightSummary[] {
  const origins = [...new Set(fleet.map((database) => database.origin))].sort();
  const perOrigin = origins.map((origin) => {
    const databases = fleet.filter((database) => database.origin === origin);
    const runs = night.runs.filter((run) => run.origin === origin);
    const lowerBound = Math.max(
      databases.reduce((sum, database) => sum + workOf(database), 0) / settings.cap,
      ...databases.map((database) => shortestRunOf(database, settings.cap)),
    );
    return summary(origin, runs, lowerBound, night.peakSlots.get(origin) ?? 0, settings.cap);
  });
  const totalWork = fleet.reduce((sum, database) => sum + workOf(database), 0);
  const overallBound = Math.max(
    ...perOrigin.map((origin) => origin.lowerBoundSeconds),
    settings.deploymentCap ? totalWork / settings.deploymentCap : 0,
  );
  const overall = summary(
    'all',
    night.runs,
    overallBound,
    night.peakDeploymentSlots,
    settings.deploymentCap ?? settings.cap * origins.length,
  );
  return [...perOrigin, overall];
}

function summary(
  origin: string,
  runs: NightResult['runs'],
  lowerBoundSeconds: number,
  peakSlots: number,
  cap: number,
): NightSummary {
  const completed = runs.filter((run) => run.outcome === 'completed');
  const makespanSeconds = Math.max(0, ...completed.map((run) => run.finishedAt ?? 0));
  return {
    origin,
    runs: runs.length,
    completed: completed.length,
    missed: runs.length - completed.length,
    makespanSeconds,
    lowerBoundSeconds,
    ratio: lowerBoundSeconds > 0 ? makespanSeconds / lowerBoundSeconds : 1,
    peakSlots,
    cap,
    lastStartSeconds: Math.max(0, ...completed.map((run) => run.startedAt ?? 0)),
  };
}
