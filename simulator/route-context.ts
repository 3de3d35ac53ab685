import type { CountedSwitches } from './counted-switches.js';
import type { JobStore } from './job-store.js';
import type { SimulatorOptions } from './simulator-options.js';

/** What the route handlers of one simulator share. */
export interface RouteContext {
  /** The switches now (`configure` replaces them). */
  readonly options: () => SimulatorOptions;
  readonly store: JobStore;
  readonly counters: CountedSwitches;
  /** Runs `action` after `ms` milliseconds unless the simulator stops first. */
  readonly later: (ms: number, action: () => void) => void;
}
