import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import type { EventLog, LocalRunResult } from '../../local/local-run.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../simulator/index.js';
import { type Harness, startHarness } from './harness.js';

/**
 * The done-when of the fleet's slots: 12 databases on 2 ORDS origins, a cap of 2 per origin, one
 * night window of an hour, on a simulated clock (120 simulated seconds per real second, shared by the
 * slot steps and both simulators), through the synthesized state machine with the real handlers.
 */
const SPEED = 120;
const WINDOW_SECONDS = 3600;
/** Each export runs 32 simulated minutes (two states of 16): two rounds fit the hour, a third does not. */
const MS_PER_STATE = 16 * 60_000;
const DATABASES_PER_ORIGIN = 6;
const CAP = 2;
/** A run polls its job and tries for a slot once a simulated minute (its binding's pollSeconds: 60). */
const WAITS = { 'Waiting for an ORDS slot': (60 * 1000) / SPEED, 'Wait before polling': (60 * 1000) / SPEED };

interface Run {
  readonly database: string;
  readonly origin: string;
  readonly rank: number;
  result?: LocalRunResult;
}

describe('a fleet night with ORDS slots, on the simulated clock', () => {
  let h: Harness;
  let second: OrdsSimulator;
  const start = Date.now();
  /** Real time the simulated clock started: when the first execution did (the app is synthesized first). */
  let running: number | undefined;
  const simNow = () => new Date(start + (running === undefined ? 0 : (Date.now() - running) * SPEED));
  const users = (prefix: string) =>
    Object.fromEntries(
      Array.from({ length: DATABASES_PER_ORIGIN }, (_, i) => [`${prefix}${i}`.toUpperCase(), 'pw']),
    );
  const simulatorOptions = { now: simNow, msPerState: MS_PER_STATE, maxConcurrentJobs: CAP, dumpFiles: 2 };
  beforeAll(async () => {
    h = await startHarness({ ...simulatorOptions, users: users('east') });
    second = await startOrdsSimulator({ ...simulatorOptions, users: users('west') });
  });
  afterAll(async () => {
    await second.stop();
    await h.stop();
  });

  it('never has more than 2 runs in flight per origin; every run completes or misses its window', async () => {
    const scheduledTime = new Date(start).toISOString();
    const closesAt = new Date(start + WINDOW_SECONDS * 1000).toISOString();
    const runs: Run[] = [];
    const done: Promise<void>[] = [];
    // The window's launcher starts the runs in its stable order: one origin's rank 0, the other's, …
    for (let rank = 0; rank < DATABASES_PER_ORIGIN; rank++) {
      for (const [prefix, url] of [
        ['east', h.simulator.url],
        ['west', second.url],
      ] as const) {
        const run: Run = { database: `${prefix}${rank}`, origin: new URL(url).origin, rank };
        runs.push(run);
        let asked!: () => void;
        const firstTry = new Promise<void>((resolve) => {
          asked = resolve;
        });
        done.push(
          h
            .run({
              database: run.database,
              ordsUrl: url,
              secret: JSON.stringify({ username: run.database.toUpperCase(), password: 'pw' }),
              scheduledTime,
              window: { closesAt, rank },
              slots: { originCap: CAP },
              pollSeconds: 60,
              clock: simNow,
              onStarted: () => {
                running ??= Date.now();
              },
              waitOverridesMs: WAITS,
              onEvent: (event: EventLog) => {
                if (event.type === 'StateExited' && event.state.name === 'Take an ORDS slot') asked();
              },
            })
            .then((result) => {
              run.result = result;
              asked();
            }),
        );
        await firstTry;
      }
    }
    await Promise.all(done);
    const summary = runs.map((run) => `${run.database}:${run.result!.status}`).join(' ');

    // Every run either completed or failed as "Missed the backup window": none overran its ORDS
    // (the simulators refuse a third export at once with ORA-39391, which would fail a run otherwise)
    for (const run of runs) {
      const { status, error, cause } = run.result!;
      if (status === 'FAILED') {
        expect(error, `${run.database}: ${cause} (${summary})`).toBe(ErrorName.MissedBackupWindow);
        expect(lastEntered(run.result!)).toBe('Missed the backup window');
      } else {
        expect(status, run.database).toBe('SUCCEEDED');
      }
    }
    for (const origin of new Set(runs.map((run) => run.origin))) {
      const ofOrigin = runs.filter((run) => run.origin === origin);
      // At most 2 runs between "Start export" and "Release run lock" at any moment
      expect(mostInFlight(ofOrigin.map((run) => run.result!)), origin).toBeLessThanOrEqual(CAP);
      // The hour holds two rounds of 32 minutes: runs started in rank order, the last ones missed it
      const completed = ofOrigin.filter((run) => run.result!.status === 'SUCCEEDED').map((run) => run.rank);
      const missed = ofOrigin.filter((run) => run.result!.status === 'FAILED').map((run) => run.rank);
      expect(completed.length, summary).toBeGreaterThanOrEqual(CAP);
      expect(missed.length, summary).toBeGreaterThan(0);
      expect(Math.max(...completed), origin).toBeLessThan(Math.min(...missed));
    }
  });
});

function lastEntered(result: LocalRunResult): string | undefined {
  return result.events.filter((event) => event.type === 'StateEntered').at(-1)?.state.name;
}

/** The most runs at once between entering "Start export" and entering "Release run lock". */
function mostInFlight(results: readonly LocalRunResult[]): number {
  const edges: Array<[number, number]> = [];
  for (const result of results) {
    const at = (name: string) =>
      result.events.find((event) => event.type === 'StateEntered' && event.state.name === name)?.timestamp;
    const from = at('Start export');
    const to = at('Release run lock');
    if (from === undefined) continue;
    edges.push([from, 1], [to ?? Number.POSITIVE_INFINITY, -1]);
  }
  // Ends before starts at the same moment: a slot released is free for the next run.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, change] of edges) {
    now += change;
    most = Math.max(most, now);
  }
  return most;
}
