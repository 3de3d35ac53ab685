import type { Manifest } from '../functions/core/manifest/index.js';
import type { RetentionBinding } from '../functions/core/retention/index.js';
import type { DatabaseBindingInput } from '../functions/core/run/index.js';
import type { ExecutionInput } from '../functions/core/state/index.js';
import type { OrdsSimulator, SimulatorOptions } from '../simulator/index.js';
import type { LocalAwsServer } from './aws-server.js';
import type { EventLog } from './progress-lines.js';

/** Options of one local run. Everything is optional: the defaults back up the embedded simulator. */
export interface LocalRunOptions {
  /** A real ORDS URL; omitted: the embedded simulator. */
  readonly ordsUrl?: string;
  /** The secret's JSON text (`{"username","password"}` or `{"clientId","clientSecret"}`). */
  readonly secret?: string;
  /** Any S3-compatible endpoint whose bucket exists; omitted: embedded s3rver. */
  readonly s3Endpoint?: string;
  /** @default 'ords-datapump-backup-local' */
  readonly bucket?: string;
  /** @default '' */
  readonly prefix?: string;
  /** @default 'local' */
  readonly database?: string;
  /** Export spec in the configuration's format. @default { jobMode: 'SCHEMA' } (the user's own schema) */
  readonly exportSpec?: unknown;
  /** @default 2 with the simulator, 30 otherwise */
  readonly pollSeconds?: number;
  /** The copy step's time budget per invocation. @default the function's timeout */
  readonly maxInvocationSeconds?: number;
  readonly acceptCompletedWithErrors?: boolean;
  readonly onRunningExport?: 'fail' | 'adopt';
  /** The database's `consistency`: `auto`, `point-in-time` or `per-table` (ORDS export POST). @default 'auto' */
  readonly consistency?: 'per-table' | 'point-in-time' | 'auto';
  /** The database's `consistentExport` (point-in-time Data Pump options), as the configuration takes it. @default - none */
  readonly consistentExport?: DatabaseBindingInput['consistentExport'];
  /** Leave this run's files and control table on the database server (`serverCleanup: off`). @default false */
  readonly keepServerFiles?: boolean;
  /** The database is an Autonomous Database: files are removed with `DBMS_CLOUD.DELETE_FILE`. @default false */
  readonly autonomousDatabase?: boolean;
  /** Record a SHA-256 of each file copied within one invocation (the database's `recordSha256`). @default false */
  readonly recordSha256?: boolean;
  /**
   * Run a restore drill in this run, into this new schema (dropped afterwards). @default - no drill
   */
  readonly restoreDrill?: string;
  /**
   * Runs the restore state machine instead of the backup's, with this input (and `database`):
   * restores a backup from S3 into a new schema. @default - a backup
   */
  readonly restore?: {
    readonly manifest: string;
    readonly targetSchema: string;
    readonly schemas?: string | readonly string[];
    readonly pollSeconds?: number;
  };
  /** Which copy the drill restores (`restoreDrill.source`). @default 'server' */
  readonly restoreDrillSource?: 'server' | 's3';
  /** Retention tiers of the database (as its binding carries them). @default - none */
  readonly retention?: RetentionBinding;
  /**
   * The execution input's `scheduledTime`, as a schedule's launcher sends it (the run counts as
   * started by its schedule only under the launcher's name, `<database>_<time>`).
   * @default the run's start time
   */
  readonly scheduledTime?: string;
  /**
   * Plays a Step Functions redrive (which the local engine lacks): the execution runs again under
   * the same name (pass `executionName`), from `state` with the input that state had when it failed
   * (`StateEntered` of the failed run's events). Top-level states only. @default - a new run from the start
   */
  readonly redrive?: { readonly state: string; readonly input: unknown };
  /** The execution input's `window`, as the window launcher sends it. @default - none: no closing time */
  readonly window?: { readonly closesAt: string; readonly rank: number };
  /** The database's ORDS slot caps (its origin is its URL's). @default - 4 slots, no deployment cap */
  readonly slots?: { readonly originCap: number; readonly deploymentCap?: number };
  /** Milliseconds each named Wait state waits instead of its time (tests on a simulated clock). @default - real waits */
  readonly waitOverridesMs?: Readonly<Record<string, number>>;
  /** The functions' clock for the slot steps (a simulated clock shared by runs in this process). @default the system clock */
  readonly clock?: () => Date;
  /**
   * Stops the execution when it enters `state`, as Step Functions does when it is stopped or times
   * out: no further state runs, and DescribeExecution answers `status` from then on.
   */
  readonly stopAt?: { readonly state: string; readonly status: 'ABORTED' | 'TIMED_OUT' };
  /** Receives every state event as it happens (tests that start runs in order). */
  readonly onEvent?: (event: EventLog) => void;
  /** Called with the execution's ARN once it has started. */
  readonly onStarted?: (executionArn: string) => void;
  /** The execution's name. @default `<database>_local-<start time>-<random>` */
  readonly executionName?: string;
  /**
   * The local AWS endpoint (secrets, bindings, executions) to use; runs that share one can run at
   * the same time in one process. @default a new one for this run
   */
  readonly aws?: LocalAwsServer;
  /**
   * An ORDS outage once the export has started: `seconds` in all, the first half answered 503, the
   * second half with refused connections (a proxy between the functions and ORDS plays it).
   */
  readonly ordsOutage?: { readonly seconds: number };
  /**
   * Fields of the binding parameter changed out of band after the deployment pinned them: the
   * functions hold the pin of the binding built from the flags, the parameter these values.
   * @default - the parameter is the binding as deployed
   */
  readonly bindingEdits?: Partial<Pick<DatabaseBindingInput, 'ordsUrl' | 'secretId' | 'prefix'>>;
  /** Switches of the embedded simulator. */
  readonly simulator?: Partial<SimulatorOptions>;
  /** Where embedded s3rver keeps its data. @default `.local/s3` */
  readonly s3Directory?: string;
  /** Milliseconds between retries instead of the state machine's back-off (tests). */
  readonly retryIntervalMs?: number;
  /** Handler log level (Powertools). @default 'WARN' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Receives one line per step of the run. */
  readonly onProgress?: (line: string) => void;
  /**
   * Task states whose handler throws this error instead of running, every attempt (tests play a bug
   * or a crashed function with it). @default none
   */
  readonly taskFaults?: Readonly<Record<string, Error>>;
  /**
   * Task states whose handler runs to its end, then fails with `Sandbox.Timedout` as an invocation
   * cut off after its work (its result lost), the first this many attempts. @default none
   */
  readonly taskInterruptions?: Readonly<Record<string, number>>;
  /**
   * Task states before whose first attempt this runs (tests change S3 or the server between two
   * steps with it). @default none
   */
  readonly beforeTask?: Readonly<Record<string, () => Promise<void>>>;
  /** Called once the embedded servers run, before the execution starts (tests inject faults here). */
  readonly onReady?: (servers: {
    simulator?: OrdsSimulator;
    s3: { endpoint: string; bucket: string };
  }) => void;
}

/** How a local run ended. */
export interface LocalRunResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  readonly input: ExecutionInput;
  /** The execution's output (the summary) on success. */
  readonly output?: unknown;
  /** The manifest read back from S3 on success. */
  readonly manifest?: Manifest;
  /** Error name and readable cause on failure. */
  readonly error?: string;
  readonly cause?: string;
  readonly bucket: string;
  readonly durationSeconds: number;
  /** Every state event, for tests and `--verbose`. */
  readonly events: readonly EventLog[];
  /** ORDS requests the outage proxy answered 503 (with `ordsOutage`). */
  readonly outageFaults?: number;
}
