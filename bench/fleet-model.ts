import { type StartCandidate, startOrder } from '../functions/core/fleet/index.js';

/**
 * A fleet of databases over ORDS origins, and one night of it simulated on a simulated clock, with
 * the scheduling policy the product uses: every database waits from the window's opening; runs start
 * in the stable order of `startOrder` (slowest first, from the last nights' durations), each as soon
 * as its origin (and the deployment) has a free slot. A run holds one slot while its export runs,
 * then one per file it downloads at once: the export's slot carries its first file, and each slot
 * that frees goes first to a downloading run with files left (in start order), then to the next
 * waiting run. No run ever waits for a slot while holding one, so nothing deadlocks. A run that has
 * no slot when the window closes is "Missed the backup window"; a run that started finishes.
 */

/** One database of the simulated fleet. */
export interface SimDatabase {
  readonly id: string;
  readonly origin: string;
  /** Bytes its dump holds. */
  readonly bytes: number;
  /** Dump files, the most it downloads at once. */
  readonly files: number;
  /** Seconds its Data Pump export runs. */
  readonly exportSeconds: number;
  /** Bytes per second of one download stream from its ORDS. */
  readonly streamBytesPerSecond: number;
  /** What its last manifests say (durations with night-to-night noise). */
  readonly history: StartCandidate['history'];
}

/** The shape of a fleet to generate. */
export interface FleetShape {
  readonly databases: number;
  readonly origins: number;
  readonly seed: number;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** A small seeded generator (mulberry32): the same seed gives the same fleet on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A fleet with the sizes and speeds of a real one: dump sizes log-normal around 8 GiB (a few
 * hundred MiB to a few TiB, clamped to 0.2 GiB–1.5 TiB), Data Pump writing 40–160 MiB/s, one ORDS
 * download stream 20–60 MiB/s (ORDS through a WAN or a gateway), files of at most 16 GiB and up to 4
 * per export (its threads). Databases spread over the origins unevenly (a few large ORDS hosts).
 */
export function generateFleet(shape: FleetShape): SimDatabase[] {
  const random = seededRandom(shape.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const originSpeed = Array.from({ length: shape.origins }, () => (20 + 40 * random()) * MIB);
  return Array.from({ length: shape.databases }, (_, index) => {
    // Squaring skews the spread: low-numbered origins front more databases.
    const origin = Math.floor(random() ** 1.5 * shape.origins);
    const bytes = Math.min(1536 * GIB, Math.max(0.2 * GIB, 8 * GIB * Math.exp(1.3 * normal())));
    const threads = 1 + Math.floor(random() * 4);
    const files = Math.min(threads, Math.max(1, Math.ceil(bytes / (16 * GIB))));
    const exportSeconds = 60 + bytes / ((40 + 120 * random()) * MIB);
    const streamBytesPerSecond = originSpeed[origin]!;
    const ideal = exportSeconds + bytes / (files * streamBytesPerSecond);
    const nights = Array.from({ length: 3 }, () => Math.round(ideal * (0.85 + 0.3 * random())));
    return {
      id: `db-${String(index + 1).padStart(4, '0')}`,
      origin: `https://ords-${String(origin + 1).padStart(2, '0')}.example.com`,
      bytes,
      files,
      exportSeconds,
      streamBytesPerSecond,
      history: { durationSeconds: nights, totalBytes: nights.map(() => bytes) },
    };
  });
}

/** The caps and window of one simulated night. */
export interface NightSettings {
  /** Slots per origin. */
  readonly cap: number;
  /** Slots across the deployment. @default - no deployment cap */
  readonly deploymentCap?: number;
  /** Seconds the window stays open. */
  readonly windowSeconds: number;
}

/** One run's night. */
export interface SimRun {
  readonly id: string;
  readonly origin: string;
  /** Seconds after the window opened; undefined when it missed the window. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Streams it downloaded with. */
  readonly streams?: number;
  readonly outcome: 'completed' | 'Missed the backup window';
}

/** What one night shows. */
export interface NightResult {
  readonly runs: readonly SimRun[];
  /** Most slots in use at once, per origin. */
  readonly peakSlots: ReadonlyMap<string, number>;
  readonly peakDeploymentSlots: number;
}

/** Simulates one night of `fleet` under `settings`. */
export function simulateNight(fleet: readonly SimDatabase[], settings: NightSettings): NightResult {
  const byId = new Map(fleet.map((database) => [database.id, database]));
  const waiting = startOrder(fleet.map(({ id, history }) => ({ id, history })));
  const slots = new SlotCounter(settings);
  /** Runs that started, in start order. */
  const started = new Map<string, RunState>();
  const events: { at: number; id: string; phase: 'export' | 'file' }[] = [];

  const startFile = (database: SimDatabase, run: RunState, now: number) => {
    run.filesLeft -= 1;
    run.inFlight += 1;
    run.streams = Math.max(run.streams, run.inFlight);
    const seconds = database.bytes / database.files / database.streamBytesPerSecond;
    events.push({ at: now + seconds, id: database.id, phase: 'file' });
  };

  let now = 0;
  for (;;) {
    events.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    while (events[0] && events[0].at <= now) {
      const event = events.shift()!;
      const database = byId.get(event.id)!;
      const run = started.get(event.id)!;
      // The slot of the export, or of the file that ended, goes on to the run's next file.
      if (event.phase === 'file') run.inFlight -= 1;
      if (run.filesLeft > 0) startFile(database, run, now);
      else slots.release(database.origin);
      if (run.filesLeft === 0 && run.inFlight === 0) run.finishedAt = now;
    }
    // Runs in flight take free slots for more files first (they are further along), in start order.
    for (const [id, run] of started) {
      const database = byId.get(id)!;
      while (run.filesLeft > 0 && run.inFlight > 0 && slots.free(database.origin) > 0) {
        slots.take(database.origin);
        startFile(database, run, now);
      }
    }
    if (now < settings.windowSeconds) {
      for (let index = 0; index < waiting.length; index++) {
        const database = byId.get(waiting[index]!)!;
        if (slots.free(database.origin) < 1) continue;
        slots.take(database.origin);
        started.set(database.id, { startedAt: now, filesLeft: database.files, inFlight: 0, streams: 0 });
        events.push({ at: now + database.exportSeconds, id: database.id, phase: 'export' });
        waiting.splice(index--, 1);
      }
    }
    const next = Math.min(...events.map((event) => event.at));
    if (!Number.isFinite(next)) break;
    // Nothing frees a slot before the close: the waiting ones miss the window there.
    now = waiting.length > 0 && now < settings.windowSeconds ? Math.min(next, settings.windowSeconds) : next;
  }
  return {
    runs: fleet.map((database): SimRun => {
      const run = started.get(database.id);
      return run
        ? {
            id: database.id,
            origin: database.origin,
            startedAt: run.startedAt,
            ...(run.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
            streams: run.streams,
            outcome: 'completed',
          }
        : { id: database.id, origin: database.origin, outcome: 'Missed the backup window' };
    }),
    peakSlots: slots.peak,
    peakDeploymentSlots: slots.peakDeployment,
  };
}

interface RunState {
  readonly startedAt: number;
  finishedAt?: number;
  filesLeft: number;
  inFlight: number;
  streams: number;
}

/** Slots in use per origin and across the deployment; taking one past a cap throws. */
class SlotCounter {
  readonly peak = new Map<string, number>();
  peakDeployment = 0;
  private readonly inUse = new Map<string, number>();
  private deploymentInUse = 0;

  constructor(private readonly settings: NightSettings) {}

  free(origin: string): number {
    const deployment = (this.settings.deploymentCap ?? Number.POSITIVE_INFINITY) - this.deploymentInUse;
    return Math.min(this.settings.cap - (this.inUse.get(origin) ?? 0), deployment);
  }

  take(origin: string): void {
    if (this.free(origin) < 1) throw new Error(`the policy took a slot of ${origin} past a cap`);
    const held = (this.inUse.get(origin) ?? 0) + 1;
    this.inUse.set(origin, held);
    this.deploymentInUse += 1;
    this.peak.set(origin, Math.max(this.peak.get(origin) ?? 0, held));
    this.peakDeployment = Math.max(this.peakDeployment, this.deploymentInUse);
  }

  release(origin: string): void {
    this.inUse.set(origin, (this.inUse.get(origin) ?? 0) - 1);
    this.deploymentInUse -= 1;
  }
}
