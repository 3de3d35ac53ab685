import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { ExportSpecSchema } from '../functions/core/export/index.js';
import type { Manifest } from '../functions/core/manifest/index.js';
import type { RetentionBinding } from '../functions/core/retention/index.js';
import { bindingParameterName, type DatabaseBindingInput, pinOf } from '../functions/core/run/index.js';
import {
  type ExecutionInput,
  ExecutionInputSchema,
  parsePayload,
  readableCause,
} from '../functions/core/state/index.js';
import { type OrdsSimulator, type SimulatorOptions, startOrdsSimulator } from '../simulator/index.js';
import { type LocalAwsServer, startLocalAwsServer } from './aws-server.js';
import { type LocalDefinition, synthesizeDefinition, type TemplateFunction } from './definition.js';
import { localRestoreDrill } from './local-drill.js';
import { bindHandlers } from './local-handlers.js';
import { assertSupportedNode } from './node-version.js';
import { startOutageProxy } from './outage-proxy.js';
import { describeEvent, type EventLog } from './progress-lines.js';
import { type LocalS3, startLocalS3 } from './s3/local-s3.js';

// aws-local-stepfunctions fails every Task state on Node.js 20: say so before it does.
assertSupportedNode(process.versions.node);

export type { EventLog };

/** The project root (this file lives in `local/`). */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

/** Credentials of the embedded ORDS simulator's default user, in the secret's JSON shape. */
export const SIMULATOR_SECRET = JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' });

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
  /** The database's `consistency`: `per-table` (ORDS export POST) or `point-in-time`. @default 'per-table' */
  readonly consistency?: 'per-table' | 'point-in-time';
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
  /** Called once the embedded servers run, before the execution starts (tests inject faults here). */
  readonly onReady?: (servers: {
    simulator?: OrdsSimulator;
    s3: { endpoint: string; bucket: string };
  }) => void;
}

/** How a local run ended. */
export interface LocalRunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
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

/**
 * Runs one backup locally: the synthesized state machine executed by aws-local-stepfunctions, each
 * Task bound to the real handler, the AWS SDK pointed at local (or given) endpoints.
 */
export async function runLocalBackup(options: LocalRunOptions = {}): Promise<LocalRunResult> {
  const started = Date.now();
  const say = options.onProgress ?? (() => {});
  const stops: Array<() => Promise<void>> = [];
  const outdir = mkdtempSync(join(tmpdir(), 'ords-backup-synth-'));
  try {
    const simulator = options.ordsUrl ? undefined : await startOrdsSimulator(options.simulator);
    if (simulator) stops.push(() => simulator.stop());
    const directUrl = options.ordsUrl ?? simulator!.url;
    const proxy = options.ordsOutage ? await startOutageProxy(new URL(directUrl).origin) : undefined;
    if (proxy) stops.push(() => proxy.stop());
    const ordsUrl = proxy ? `${proxy.origin}${new URL(directUrl).pathname}` : directUrl;

    let s3: LocalS3 | undefined;
    const bucket = options.bucket ?? 'ords-datapump-backup-local';
    if (!options.s3Endpoint) {
      const directory = options.s3Directory ?? join(PROJECT_ROOT, '.local', 's3');
      mkdirSync(directory, { recursive: true });
      s3 = await startLocalS3({ directory, bucket });
      stops.push(() => s3!.stop());
    }
    const s3Endpoint = options.s3Endpoint ?? s3!.endpoint;

    const aws = options.aws ?? (await startLocalAwsServer());
    if (!options.aws) stops.push(() => aws.stop());
    const database = options.database ?? 'local';
    const secretId = `local/ords/${database}`;
    aws.putSecret(secretId, options.secret ?? SIMULATOR_SECRET, database);

    say(
      `ORDS ${simulator ? `simulator at ${ordsUrl}` : ordsUrl} · S3 ${s3 ? `s3rver at ${s3Endpoint}` : s3Endpoint} · bucket ${bucket}`,
    );
    const { definition, tasks } = await synthesized(outdir);
    say('Synthesized the app; running its state machine locally');

    // The flags build this database's binding, as a deployment writes it into SSM.
    const binding: DatabaseBindingInput = {
      database,
      ordsUrl,
      secretId,
      export: (options.exportSpec ?? { jobMode: 'SCHEMA' }) as DatabaseBindingInput['export'],
      ...(options.autonomousDatabase ? { autonomousDatabase: true } : {}),
      ...(options.restoreDrill
        ? {
            restoreDrill: localRestoreDrill(
              options.restoreDrill,
              ExportSpecSchema.parse(options.exportSpec ?? { jobMode: 'SCHEMA' }),
              {
                simulator: Boolean(simulator),
                username: usernameOf(options.secret ?? SIMULATOR_SECRET),
              },
            ),
          }
        : {}),
      prefix: options.prefix ?? '',
      pollSeconds: options.pollSeconds ?? (simulator ? 2 : 30),
      timeoutSeconds: 12 * 3600,
      acceptCompletedWithErrors: options.acceptCompletedWithErrors ?? false,
      onRunningExport: options.onRunningExport ?? 'fail',
      // As deployed: cleanup on unless asked to keep the files.
      serverCleanup: options.keepServerFiles ? 'off' : 'files-and-control-table',
      ...(options.retention ? { retention: options.retention } : {}),
      recordSha256: options.recordSha256 ?? false,
      consistency: options.consistency ?? 'per-table',
    };
    const input = parsePayload(
      ExecutionInputSchema,
      {
        database,
        scheduledTime: options.scheduledTime ?? new Date(started).toISOString(),
        ...(options.restoreDrill ? { restoreDrill: true } : {}),
      },
      'The local run',
    );

    const changed = configureEnvironment({
      functions: [...tasks.values()],
      bucket,
      s3Endpoint,
      awsEndpoint: aws.endpoint,
      embeddedS3: Boolean(s3),
      maxInvocationSeconds: options.maxInvocationSeconds,
      logLevel: options.logLevel ?? 'WARN',
    });
    // The deployment ships the binding's pin with the functions (a layer); locally it is added here.
    const { addBindingPins } = await import('../functions/shared/binding-pins.js');
    addBindingPins({ [database]: pinOf(binding) });
    aws.putParameter(
      bindingParameterName(requiredVariable('DATABASE_PARAMETER_PATH'), database),
      JSON.stringify({ ...binding, ...options.bindingEdits }),
    );
    const handlers = await bindHandlers(tasks, options.maxInvocationSeconds, changed);
    for (const [state, fault] of Object.entries(options.taskFaults ?? {})) {
      if (!handlers[state]) throw new Error(`taskFaults: the state machine has no Task state "${state}"`);
      handlers[state] = async () => {
        throw fault;
      };
    }
    options.onReady?.({ simulator, s3: { endpoint: s3Endpoint, bucket } });

    let machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    if (options.redrive) {
      // The whole definition is validated above; from another StartAt the states before it are unreachable.
      const from = { ...definition, StartAt: options.redrive.state };
      machine = new StateMachine(from as never, { validationOptions: { noValidate: true } });
    }
    const executionName = options.executionName ?? localExecutionName(database, started);
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:local:${executionName}`;
    aws.putExecution(executionArn, 'RUNNING');
    const retryStates = [...tasks.keys(), 'Copy files'];
    const execution = machine.run((options.redrive ? options.redrive.input : input) as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        ...(options.retryIntervalMs !== undefined
          ? {
              retryIntervalOverrides: Object.fromEntries(
                retryStates.map((name) => [name, options.retryIntervalMs!]),
              ),
            }
          : {}),
      },
      context: {
        Execution: {
          Id: executionArn,
          Name: executionName,
          StartTime: new Date(started).toISOString(),
          Input: input,
          RoleArn: 'arn:aws:iam::000000000000:role/local',
        },
        StateMachine: { Id: 'arn:aws:states:us-east-1:000000000000:stateMachine:local', Name: 'local' },
      } as never,
    });

    const events: EventLog[] = [];
    let outage: Promise<void> | undefined;
    const progress = (async () => {
      for await (const event of execution.eventLogs) {
        events.push(event);
        if (proxy && !outage && event.type === 'StateExited' && event.state.name === 'Start export') {
          const halfMs = (options.ordsOutage!.seconds * 1000) / 2;
          say(`  ORDS outage for ${options.ordsOutage!.seconds} s: 503s, then refused connections`);
          outage = proxy.outage(halfMs, halfMs).then(() => say('  ORDS outage over'));
        }
        const line = describeEvent(event);
        if (line) say(line);
      }
    })();

    let result: LocalRunResult;
    try {
      const output = await execution.result;
      aws.putExecution(executionArn, 'SUCCEEDED');
      await progress;
      await outage;
      const manifest = await readManifest(output, s3Endpoint, Boolean(s3));
      result = {
        status: 'SUCCEEDED',
        input,
        output,
        manifest,
        bucket,
        durationSeconds: seconds(started),
        events,
        ...(proxy ? { outageFaults: proxy.faults.unavailable } : {}),
      };
    } catch (error) {
      aws.putExecution(executionArn, 'FAILED');
      await progress.catch(() => {});
      await outage;
      const { name, cause } = explainFailure(error);
      result = {
        status: 'FAILED',
        input,
        error: name,
        cause,
        bucket,
        durationSeconds: seconds(started),
        events,
        ...(proxy ? { outageFaults: proxy.faults.unavailable } : {}),
      };
    }
    return result;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(outdir, { recursive: true, force: true });
  }
}

let synthesizedOnce: Promise<LocalDefinition> | undefined;

/** The app is synthesized once per process: every run executes the same definition. */
function synthesized(outdir: string): Promise<LocalDefinition> {
  synthesizedOnce ??= synthesizeDefinition(PROJECT_ROOT, outdir);
  return synthesizedOnce;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

interface EnvironmentSettings {
  readonly functions: readonly TemplateFunction[];
  readonly bucket: string;
  readonly s3Endpoint: string;
  readonly awsEndpoint: string;
  readonly embeddedS3: boolean;
  readonly maxInvocationSeconds: number | undefined;
  readonly logLevel: string;
}

/** The secret reader role's ARN as the local runs see it (the local STS accepts any role). */
const LOCAL_SECRET_READER_ROLE_ARN =
  'arn:aws:iam::000000000000:role/ords-datapump-backup-local-secret-reader';

/** The endpoints the last run's clients were built for. */
let lastEndpoints = '';

/**
 * The functions' environment as the template sets it (the bucket resolved to the local one), and the
 * SDK's endpoint settings pointing at the local servers. True when the endpoints changed since the
 * last run, so clients built for the old ones must go (runs sharing endpoints share clients, and may
 * run at the same time).
 */
function configureEnvironment(settings: EnvironmentSettings): boolean {
  for (const fn of settings.functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      if (typeof value === 'string' || typeof value === 'number') process.env[name] = String(value);
    }
  }
  process.env.BUCKET_NAME = settings.bucket;
  process.env.AWS_ENDPOINT_URL_S3 = settings.s3Endpoint;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = settings.awsEndpoint;
  process.env.AWS_ENDPOINT_URL_SSM = settings.awsEndpoint;
  process.env.AWS_ENDPOINT_URL_SFN = settings.awsEndpoint;
  process.env.AWS_ENDPOINT_URL_STS = settings.awsEndpoint;
  // The template names the secret reader role by reference (a token); locally it is this ARN.
  process.env.SECRET_READER_ROLE_ARN = LOCAL_SECRET_READER_ROLE_ARN;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.POWERTOOLS_LOG_LEVEL = settings.logLevel;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  if (settings.embeddedS3) {
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    delete process.env.AWS_SESSION_TOKEN;
  } else {
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  if (settings.maxInvocationSeconds !== undefined) {
    // Keep a fifth of a short local budget as the copy step's safety margin (60 s in AWS).
    process.env.COPY_SAFETY_MARGIN_SECONDS = String(Math.max(0.5, settings.maxInvocationSeconds / 5));
  }
  const endpoints = `${settings.s3Endpoint} ${settings.awsEndpoint} ${process.env.AWS_ACCESS_KEY_ID}`;
  const changed = endpoints !== lastEndpoints;
  lastEndpoints = endpoints;
  return changed;
}

function requiredVariable(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`The synthesized functions set no ${name}: the local runner is out of date`);
  return value;
}

/** `orders_local-20261201T101500Z-1a2b`: the database and the start time, like a scheduled run's. */
function localExecutionName(database: string, started: number): string {
  const stamp = new Date(started)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${database}_local-${stamp}-${randomUUID().slice(0, 4)}`;
}

async function readManifest(
  output: unknown,
  endpoint: string,
  embedded: boolean,
): Promise<Manifest | undefined> {
  const uri = (output as { manifest?: string } | null)?.manifest;
  const match = uri ? /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) : null;
  if (!match) return undefined;
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(embedded ? { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } : {}),
  });
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    return JSON.parse(await object.Body!.transformToString()) as Manifest;
  } finally {
    client.destroy();
  }
}

/** The Basic user of a secret's JSON text, or undefined (OAuth2, or not JSON: the run reports that). */
function usernameOf(secret: string): string | undefined {
  try {
    const { username } = JSON.parse(secret) as { username?: unknown };
    return typeof username === 'string' ? username : undefined;
  } catch {
    return undefined;
  }
}

/** The failing error's name and a readable cause (the errorMessage of a Lambda-style JSON cause). */
export function explainFailure(error: unknown): { name: string; cause: string } {
  const root =
    error instanceof ExecutionError ? (error.cause as Error | undefined) : (error as Error | undefined);
  const name = root?.name ?? 'Error';
  const raw = root?.message ?? String(error);
  return { name, cause: readableCause(raw) };
}
