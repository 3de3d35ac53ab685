import type { SinkStats } from './discard-sinks.js';

/** Messages between `copy-bench.ts` and its child processes (over Node's IPC channel). */

/** What a server process runs. */
export type ServerRole = 'ords' | 's3-discard' | 's3rver';

/** A dump file the simulator serves. */
export interface BenchFile {
  readonly name: string;
  readonly bytes: number;
}

/** Where the benchmark's dump files are and how to log in. */
export interface OrdsTarget {
  readonly url: string;
  readonly owner: string;
  readonly jobName: string;
  readonly username: string;
  readonly password: string;
}

/** Sent by a server process once it listens. */
export interface ServerReady {
  readonly type: 'ready';
  /** The ORDS URL of the simulator, or the sink's `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly bucket?: string;
  readonly ords?: Omit<OrdsTarget, 'url'> & { readonly files: readonly BenchFile[] };
}

/** Sent by a server process once it stopped. */
export interface ServerStopped {
  readonly type: 'stopped';
  readonly cpuSeconds: number;
  readonly stats?: SinkStats;
}

/** The measured scenarios, in the order they run (the ratios compare with the first three). */
export const SCENARIOS = ['raw', 'raw-crc', 'lib-storage', 'sink', 's3rver'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** What a scenario process is asked to copy. */
export interface ScenarioInput {
  readonly type: 'run';
  readonly scenario: ScenarioName;
  readonly ords: OrdsTarget;
  readonly file: BenchFile;
  /** A small file copied the same way first, unmeasured: modules loaded, code warm, as in a warm Lambda. */
  readonly warmup: BenchFile;
  readonly target: { readonly endpoint: string; readonly bucket: string };
  /** Time budget of one `copyFile` invocation. */
  readonly invocationSeconds: number;
  readonly partsInFlight: number;
  readonly minPartSizeBytes: number;
  /** The database setting `recordSha256` for `copyFile`. */
  readonly recordSha256: boolean;
}

/** What a scenario process measured, about itself only. */
export interface ScenarioResult {
  readonly type: 'result';
  readonly scenario: ScenarioName;
  readonly bytes: number;
  readonly wallSeconds: number;
  /** User + system CPU of the whole process (every thread) during the copy. */
  readonly cpuSeconds: number;
  /** User + system CPU of the main thread alone during the copy (Linux only, else null). */
  readonly mainThreadCpuSeconds: number | null;
  /**
   * The garbage collector's pauses of the main thread during the copy (`PerformanceObserver`
   * `'gc'` entries): their total in seconds and their number by kind (minor: scavenges).
   */
  readonly gc: { readonly seconds: number; readonly minor: number; readonly major: number };
  /** Peak resident set size of the process over its life (`process.resourceUsage().maxRSS`). */
  readonly maxRssBytes: number;
  /** Resident set size once its modules were loaded, before the copy. */
  readonly rssBeforeBytes: number;
  readonly invocations: number;
  /** The SHA-256 `copyFile` returned; null for the raw pipe and copies over several invocations. */
  readonly sha256: string | null;
  readonly warnings: readonly string[];
}

/** Sent by a scenario process that failed. */
export interface ScenarioFailed {
  readonly type: 'error';
  readonly message: string;
}
