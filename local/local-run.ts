import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { ExportSpecSchema } from '../functions/core/export/index.js';
import type { Manifest } from '../functions/core/manifest/index.js';
import { bindingParameterName, type DatabaseBindingInput, pinOf } from '../functions/core/run/index.js';
import { ExecutionInputSchema, parsePayload, readableCause } from '../functions/core/state/index.js';
import { startOrdsSimulator } from '../simulator/index.js';
import { startLocalAwsServer } from './aws-server.js';
import { type LocalDefinition, type StateMachineKind, synthesizeDefinition } from './definition.js';
import { localRestoreDrill } from './local-drill.js';
import { configureEnvironment } from './local-environment.js';
import { bindHandlers } from './local-handlers.js';
import type { LocalRunOptions, LocalRunResult } from './local-run-options.js';
import { assertSupportedNode } from './node-version.js';
import { startOutageProxy } from './outage-proxy.js';
import { describeEvent, type EventLog } from './progress-lines.js';
import { type LocalS3, startLocalS3 } from './s3/local-s3.js';

// aws-local-stepfunctions fails every Task state on Node.js 20: say so before it does.
assertSupportedNode(process.versions.node);

export type { EventLog, LocalRunOptions, LocalRunResult };

/** The project root (this file lives in `local/`). */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

/** Credentials of the embedded ORDS simulator's default user, in the secret's JSON shape. */
export const SIMULATOR_SECRET = JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' });

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
    const { definition, tasks } = await synthesized(outdir, options.restore ? 'restore' : 'backup');
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
            restoreDrill: {
              ...localRestoreDrill(
                options.restoreDrill,
                ExportSpecSchema.parse(options.exportSpec ?? { jobMode: 'SCHEMA' }),
                {
                  simulator: Boolean(simulator),
                  username: usernameOf(options.secret ?? SIMULATOR_SECRET),
                },
              ),
              ...(options.restoreDrillSource ? { source: options.restoreDrillSource } : {}),
            },
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
      consistency: options.consistency ?? 'auto',
      ...(options.consistentExport ? { consistentExport: options.consistentExport } : {}),
      ...(options.slots ? { slots: { origin: new URL(ordsUrl).origin, ...options.slots } } : {}),
    };
    const input = options.restore
      ? { database, ...options.restore }
      : parsePayload(
          ExecutionInputSchema,
          {
            database,
            scheduledTime: options.scheduledTime ?? new Date(started).toISOString(),
            ...(options.restoreDrill ? { restoreDrill: true } : {}),
            ...(options.window ? { window: options.window } : {}),
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
    if (options.clock) (await import('../functions/shared/clock.js')).setClock(options.clock);
    for (const [state, fault] of Object.entries(options.taskFaults ?? {})) {
      if (!handlers[state]) throw new Error(`taskFaults: the state machine has no Task state "${state}"`);
      handlers[state] = async () => {
        throw fault;
      };
    }
    for (const [state, count] of Object.entries(options.taskInterruptions ?? {})) {
      const run = handlers[state];
      if (!run) throw new Error(`taskInterruptions: the state machine has no Task state "${state}"`);
      let left = count;
      handlers[state] = async (...args: Parameters<typeof run>) => {
        const result = await run(...args);
        if (left <= 0) return result;
        left -= 1;
        throw Object.assign(new Error('Task timed out after its work was done'), {
          name: 'Sandbox.Timedout',
        });
      };
    }
    for (const [state, before] of Object.entries(options.beforeTask ?? {})) {
      const run = handlers[state];
      if (!run) throw new Error(`beforeTask: the state machine has no Task state "${state}"`);
      let pending: (() => Promise<void>) | undefined = before;
      handlers[state] = async (...args: Parameters<typeof run>) => {
        const once = pending;
        pending = undefined;
        await once?.();
        return run(...args);
      };
    }
    options.onReady?.({ simulator, s3: { endpoint: s3Endpoint, bucket } });

    let machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    if (options.redrive) {
      // The whole definition is validated above; from another StartAt the states before it are unreachable.
      // The engine sets $$.Execution.Input to the run's input: a Pass state first hands the redriven
      // state its input, so $$.Execution.Input stays the execution's, as in a real redrive.
      const first = 'Redrive (local)';
      const { state, input: stateInput } = options.redrive;
      const states = {
        ...(definition.States as object),
        [first]: { Type: 'Pass', Result: stateInput, Next: state },
      };
      const from = { ...definition, StartAt: first, States: states };
      machine = new StateMachine(from as never, { validationOptions: { noValidate: true } });
    }
    const executionName = options.executionName ?? localExecutionName(database, started);
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:local:${executionName}`;
    aws.putExecution(executionArn, 'RUNNING');
    options.onStarted?.(executionArn);
    const retryStates = [...tasks.keys(), 'Copy files'];
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        ...(options.waitOverridesMs ? { waitTimeOverrides: { ...options.waitOverridesMs } } : {}),
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
    let stopped: 'ABORTED' | 'TIMED_OUT' | undefined;
    let outage: Promise<void> | undefined;
    const progress = (async () => {
      for await (const event of execution.eventLogs) {
        events.push(event);
        options.onEvent?.(event);
        if (options.stopAt && event.type === 'StateEntered' && event.state.name === options.stopAt.state) {
          stopped = options.stopAt.status;
          aws.putExecution(executionArn, stopped);
          execution.abort();
        }
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
      const manifest = options.restore ? undefined : await readManifest(output, s3Endpoint, Boolean(s3));
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
      if (stopped) {
        await progress.catch(() => {});
        return { status: stopped, input, bucket, durationSeconds: seconds(started), events };
      }
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

const synthesizedOnce = new Map<StateMachineKind, Promise<LocalDefinition>>();

/** The app is synthesized once per process and state machine: every run executes the same definition. */
function synthesized(outdir: string, machine: StateMachineKind): Promise<LocalDefinition> {
  let once = synthesizedOnce.get(machine);
  if (!once) {
    once = synthesizeDefinition(PROJECT_ROOT, outdir, machine);
    synthesizedOnce.set(machine, once);
  }
  return once;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
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
