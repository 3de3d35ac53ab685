import { describe, expect, it } from 'vitest';
import {
  generateFleet,
  type NightSettings,
  type SimDatabase,
  type SimRun,
  simulateNight,
} from '../../../bench/fleet-model.js';
import { summarizeNight } from '../../../bench/fleet-summary.js';
import { startOrder } from '../../../functions/core/fleet/index.js';

const SMALL = { databases: 12, origins: 2, seed: 25 };
const SMALL_NIGHT: NightSettings = { cap: 2, windowSeconds: 3600 };

/** The most runs in flight at once among `runs`, from their start and finish times alone. */
function mostInFlight(runs: readonly SimRun[]): number {
  const edges = runs
    .filter((run) => run.startedAt !== undefined)
    .flatMap((run) => [
      { at: run.startedAt!, delta: 1 },
      { at: run.finishedAt!, delta: -1 },
    ])
    // A run that finishes frees its slot before one that starts at the same instant takes it.
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let most = 0;
  for (const edge of edges) {
    current += edge.delta;
    most = Math.max(most, current);
  }
  return most;
}

const database = (id: string, origin: string, overrides: Partial<SimDatabase> = {}): SimDatabase => ({
  id,
  origin,
  bytes: 3600 * 1024 ** 2,
  files: 1,
  exportSeconds: 600,
  streamBytesPerSecond: 1024 ** 2,
  history: { durationSeconds: [4200], totalBytes: [3600 * 1024 ** 2] },
  ...overrides,
});

describe('the fleet simulation, small form (12 databases, 2 origins, cap 2, one-hour window)', () => {
  const fleet = generateFleet(SMALL);
  const night = simulateNight(fleet, SMALL_NIGHT);

  it('never has more than 2 runs in flight, nor 2 slots in use, per origin', () => {
    for (const origin of new Set(fleet.map((entry) => entry.origin))) {
      expect(mostInFlight(night.runs.filter((run) => run.origin === origin)), origin).toBeLessThanOrEqual(2);
      expect(night.peakSlots.get(origin), origin).toBeLessThanOrEqual(2);
    }
  });

  it('completes every run that started inside the window, and counts every other as missed', () => {
    for (const run of night.runs) {
      if (run.outcome === 'completed') {
        expect(run.startedAt).toBeGreaterThanOrEqual(0);
        expect(run.startedAt).toBeLessThan(SMALL_NIGHT.windowSeconds);
        expect(run.finishedAt).toBeGreaterThan(run.startedAt!);
      } else {
        expect(run).toEqual({ id: run.id, origin: run.origin, outcome: 'Missed the backup window' });
      }
    }
    expect(night.runs).toHaveLength(12);
  });

  it('has runs of both outcomes, so both are exercised', () => {
    const outcomes = new Set(night.runs.map((run) => run.outcome));
    expect(outcomes).toEqual(new Set(['completed', 'Missed the backup window']));
  });

  it('starts the runs of an origin in the stable start order', () => {
    const order = startOrder(fleet);
    for (const origin of new Set(fleet.map((entry) => entry.origin))) {
      const starts = order
        .map((id) => night.runs.find((run) => run.id === id)!)
        .filter((run) => run.origin === origin)
        .map((run) => run.startedAt ?? Number.POSITIVE_INFINITY);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
  });

  it('gives the same night for the same seed', () => {
    expect(simulateNight(generateFleet(SMALL), SMALL_NIGHT)).toEqual(night);
  });
});

describe('the fleet simulation', () => {
  it('holds a deployment cap across origins', () => {
    const fleet = generateFleet({ databases: 60, origins: 6, seed: 7 });
    const night = simulateNight(fleet, { cap: 4, deploymentCap: 5, windowSeconds: 8 * 3600 });
    expect(mostInFlight(night.runs)).toBeLessThanOrEqual(5);
    expect(night.peakDeploymentSlots).toBeLessThanOrEqual(5);
  });

  it('never packs better than the lower bound when every run completes', () => {
    const fleet = generateFleet({ databases: 200, origins: 5, seed: 3 });
    const settings = { cap: 3, windowSeconds: 24 * 3600 };
    const summaries = summarizeNight(fleet, settings, simulateNight(fleet, settings));
    for (const summary of summaries) {
      expect(summary.missed, summary.origin).toBe(0);
      expect(summary.ratio, summary.origin).toBeGreaterThanOrEqual(1);
    }
  });

  it('finishes a run with more files than its origin has slots (no run waits while holding one)', () => {
    const big = database('big', 'https://a.example.com', { files: 4 });
    const night = simulateNight([big, database('other', 'https://a.example.com')], {
      cap: 1,
      windowSeconds: 3600,
    });
    expect(night.runs.map((run) => run.outcome)).toEqual(['completed', 'Missed the backup window']);
    expect(night.runs[0]).toMatchObject({ streams: 1, finishedAt: 600 + 3600 });
  });

  it('lets a downloading run take a freed slot before a waiting run starts', () => {
    const big = database('big', 'https://a.example.com', { files: 2, exportSeconds: 100 });
    const small = database('small', 'https://a.example.com', {
      exportSeconds: 50,
      bytes: 50 * 1024 ** 2,
      history: { durationSeconds: [100], totalBytes: [1] },
    });
    const late = database('late', 'https://a.example.com', { history: undefined });
    const night = simulateNight([big, small, late], { cap: 2, windowSeconds: 3600 });
    // small finishes at 100, when big's export ends: big downloads both files at once.
    expect(night.runs.find((run) => run.id === 'big')).toMatchObject({ streams: 2, finishedAt: 100 + 1800 });
    expect(night.runs.find((run) => run.id === 'late')).toMatchObject({ startedAt: 1900 });
  });

  it('misses every run that cannot start before a window closes, however short', () => {
    const fleet = ['a', 'b', 'c'].map((id) => database(id, 'https://a.example.com'));
    const night = simulateNight(fleet, { cap: 1, windowSeconds: 1 });
    expect(night.runs.map((run) => run.outcome)).toEqual([
      'completed',
      'Missed the backup window',
      'Missed the backup window',
    ]);
  });
});
