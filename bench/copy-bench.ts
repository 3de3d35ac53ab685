import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COPY_NODE_OPTIONS } from '../functions/core/transfer/index.js';
import { argumentProblem } from '../local/commands/command-line.js';
import { ExitCode, UsageError } from '../local/commands/state-machine.js';
import { fileSha256 } from '../simulator/index.js';
import {
  type BenchFile,
  type OrdsTarget,
  SCENARIOS,
  type ScenarioFailed,
  type ScenarioInput,
  type ScenarioName,
  type ScenarioResult,
  type ServerReady,
  type ServerRole,
  type ServerStopped,
} from './bench-messages.js';
import {
  describeRow,
  formatSize,
  goals,
  type Options,
  type Row,
  reported,
  resultLine,
  table,
} from './bench-report.js';

/**
 * `npm run bench`: copies generated dump files from the ORDS simulator and measures, side by side,
 *
 * - `raw`: an undici GET streamed straight into an undici PUT (a PutObject) to the S3 discard sink (the
 *   fastest copy here);
 * - `raw-crc`: the same pipe folding every chunk into a CRC-32 on the way, checked against the sink's:
 *   the least a copy that S3 verifies can cost;
 * - `lib-storage`: the same ORDS download through `@aws-sdk/lib-storage`'s `Upload` into the S3 discard
 *   sink (what the SDK offers for the job);
 * - `sink`: `copyFile` (the real `OrdsClient`, invocation after invocation) into an S3 discard sink
 *   that verifies every part's CRC-32 and stores nothing;
 * - `s3rver`: `copyFile` into s3rver (`startLocalS3`).
 *
 * Each scenario runs in its own process, the simulator and each sink in others, so CPU and peak RSS
 * belong to the copying side alone. Each scenario process first copies a small file the same way,
 * unmeasured (modules loaded and code warm, as in a warm Lambda container). Besides the table, one
 * `BENCH_RESULT {json}` line per result goes to stdout for scripts. Run `npm run bench -- --help`
 * for the options.
 */

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const UNITS: Readonly<Record<string, number>> = { b: 1, kib: 1024, mib: MIB, gib: GIB, tib: 1024 ** 4 };

const USAGE = `Usage: npm run bench -- [options]

  --sizes LIST               dump file sizes, e.g. 256MiB,1GiB (units B, KiB, MiB, GiB)  [1GiB,8GiB]
  --scenarios LIST           any of ${SCENARIOS.join(', ')}                                  [all]
  --invocation-seconds N     time budget of one copyFile invocation                          [20]
  --parts-in-flight N        COPY_PARTS_IN_FLIGHT                                             [2]
  --min-part-size SIZE       COPY_MIN_PART_SIZE_BYTES                                         [8MiB]
  --ords-mibps N             pace ORDS responses to N MiB/s, like a WAN link               [no limit]
  --sha256                   copyFile with recordSha256 on (the SHA-256 worker)                 [off]
  --repeat N                 runs per scenario and size: raw's and raw-crc's fastest, the
                             others' median (by MiB/s) is reported                            [1]
  --json FILE                also write every run as JSON to FILE
  --cpu-prof DIR             write a V8 CPU profile of each scenario process into DIR
  --help`;

/** The unmeasured warm-up file each scenario copies first. */
const WARMUP_BYTES = 16 * MIB;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === null) {
    console.log(USAGE);
    return;
  }
  printMachine(options);
  const ords = await startServer('ords', [
    JSON.stringify([WARMUP_BYTES, ...options.sizes]),
    String(options.ordsBytesPerSecond),
  ]);
  const rows: Row[] = [];
  const failures: string[] = [];
  try {
    const info = ords.ready.ords;
    if (info === undefined) throw new Error('the ORDS process sent no job');
    const target: OrdsTarget = { url: ords.ready.endpoint, ...info };
    const warmup = info.files[0];
    if (warmup === undefined || warmup.bytes !== WARMUP_BYTES) throw new Error('no warm-up file');
    for (const [index, size] of options.sizes.entries()) {
      const file = info.files[index + 1];
      if (file === undefined || file.bytes !== size) throw new Error(`no dump file of ${size} bytes`);
      progress(`${formatSize(size)}: computing the expected SHA-256 of ${file.name}`);
      const expected = await fileSha256(info.jobName, file.name, size);
      for (const scenario of options.scenarios) {
        const runs: Row[] = [];
        for (let run = 1; run <= options.repeat; run += 1) {
          const name = `${formatSize(size)} ${scenario} #${run}`;
          try {
            const row = await measure(options, scenario, target, { file, warmup }, expected);
            runs.push(row);
            progress(`${name}: ${describeRow(row)}`);
          } catch (error) {
            // One failed run must not throw away the others of a long benchmark.
            const message = error instanceof Error ? error.message : String(error);
            failures.push(`${name}: ${message.split('\n')[0]}`);
            progress(`${name} FAILED: ${message}`);
          }
        }
        if (runs.length > 0) rows.push(reported(runs));
      }
    }
  } finally {
    await stopServer(ords);
  }
  console.log('');
  console.log(table(rows, options));
  console.log('');
  console.log(goals(rows).join('\n'));
  console.log('');
  for (const row of rows) console.log(`BENCH_RESULT ${JSON.stringify(resultLine(row, rows, options))}`);
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify({ machine: machine(), options, rows }, null, 2)}\n`);
  }
  for (const row of rows) {
    if (row.sha256Ok === false) failures.push(`${formatSize(row.size)} ${row.scenario}: wrong SHA-256`);
    if ((row.sink?.refused ?? 0) > 0)
      failures.push(`${formatSize(row.size)} ${row.scenario}: the sink refused requests`);
  }
  if (failures.length > 0) {
    console.error(`\nFAILED:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

/** Runs one scenario in a new process, with its sink in another. */
async function measure(
  options: Options,
  scenario: ScenarioName,
  ords: OrdsTarget,
  { file, warmup }: { file: BenchFile; warmup: BenchFile },
  expected: string,
): Promise<Row> {
  // The raw pipe PUTs into the same S3 discard sink (PutObject: CRC-32 of the body, nothing kept), so
  // that every scenario but s3rver costs its sink the same work on the same two cores.
  const role: ServerRole = scenario === 's3rver' ? 's3rver' : 's3-discard';
  const sink = await startServer(role, []);
  let result: ScenarioResult;
  let stopped: ServerStopped;
  const loadAverage = loadavg()[0] ?? 0;
  try {
    const profile =
      options.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir];
    const child = fork(script('copy-scenario.ts'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: CHILD_ENV,
      // The copy function's Node.js options, for every scenario alike.
      execArgv: [...process.execArgv, ...COPY_NODE_OPTIONS, ...profile],
    });
    const input: ScenarioInput = {
      type: 'run',
      scenario,
      ords,
      file,
      warmup,
      target: { endpoint: sink.ready.endpoint, bucket: sink.ready.bucket ?? 'bench-bucket' },
      invocationSeconds: options.invocationSeconds,
      partsInFlight: options.partsInFlight,
      minPartSizeBytes: options.minPartSizeBytes,
      recordSha256: options.recordSha256,
    };
    child.send(input);
    const message = await firstMessage<ScenarioResult | ScenarioFailed>(child, `scenario ${scenario}`);
    await exited(child);
    if (message.type === 'error') throw new Error(`scenario ${scenario} failed: ${message.message}`);
    result = message;
  } finally {
    stopped = await stopServer(sink);
  }
  return {
    ...result,
    size: file.bytes,
    sha256Ok: result.sha256 === null ? null : result.sha256 === expected && result.bytes === file.bytes,
    ...(stopped.stats ? { sink: stopped.stats } : {}),
    sinkCpuSeconds: stopped.cpuSeconds,
    loadAverage,
  };
}

interface Server {
  readonly child: ChildProcess;
  readonly ready: ServerReady;
}

async function startServer(role: ServerRole, args: string[]): Promise<Server> {
  const child = fork(script('bench-server.ts'), [role, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: CHILD_ENV,
  });
  const ready = await firstMessage<ServerReady>(child, `server ${role}`);
  return { child, ready };
}

async function stopServer(server: Server): Promise<ServerStopped> {
  server.child.send({ type: 'stop' });
  const stopped = await firstMessage<ServerStopped>(server.child, 'server stop');
  await exited(server.child);
  return stopped;
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`${what} exited with code ${code} before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

/** The children's environment: the AWS SDK's Node.js 20 deprecation notice silenced, as in vitest.config.ts. */
const CHILD_ENV = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

function script(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1GiB,8GiB' },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      'invocation-seconds': { type: 'string', default: '20' },
      'parts-in-flight': { type: 'string', default: '2' },
      'min-part-size': { type: 'string', default: '8MiB' },
      repeat: { type: 'string', default: '1' },
      'ords-mibps': { type: 'string' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      sha256: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const scenarios = values.scenarios.split(',').map((name) => name.trim());
  for (const name of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--scenarios: unknown scenario "${name}", expected some of ${SCENARIOS.join(', ')}`,
      );
    }
  }
  const positive = (name: string, text: string, integer: boolean): number => {
    const value = Number(text);
    if (!(value > 0) || (integer && !Number.isInteger(value))) {
      throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
    }
    return value;
  };
  return {
    sizes: values.sizes.split(',').map((text) => parseSize('--sizes', text)),
    // The table compares every scenario with the raw pipes: run them first.
    scenarios: SCENARIOS.filter((name) => scenarios.includes(name)),
    invocationSeconds: positive('invocation-seconds', values['invocation-seconds'], false),
    partsInFlight: positive('parts-in-flight', values['parts-in-flight'], true),
    minPartSizeBytes: parseSize('--min-part-size', values['min-part-size']),
    repeat: positive('repeat', values.repeat, true),
    ordsBytesPerSecond:
      values['ords-mibps'] === undefined ? 0 : positive('ords-mibps', values['ords-mibps'], false) * MIB,
    json: values.json,
    cpuProfileDir: values['cpu-prof'],
    recordSha256: values.sha256,
  };
}

/** `1GiB`, `256 MiB`, `1.5GiB`, `1048576` → bytes. */
function parseSize(option: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B)?\s*$/i.exec(text);
  const unit = (match?.[2] ?? 'b').toLowerCase().replace(/^([kmgt])b$/, '$1ib');
  const factor = UNITS[unit];
  const bytes = match && factor !== undefined ? Math.round(Number(match[1]) * factor) : Number.NaN;
  if (!(Number.isSafeInteger(bytes) && bytes > 0)) {
    throw new UsageError(`${option}: "${text}" is not a size such as 256MiB or 1GiB`);
  }
  return bytes;
}

function machine(): Record<string, string | number> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    cpus: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    memoryGiB: Math.round((totalmem() / GIB) * 10) / 10,
    node: process.version,
    loadAverage: loadavg()[0] ?? 0,
  };
}

function printMachine(options: Options): void {
  const info = machine();
  progress(
    `${info.cpus} CPUs (${info.cpuModel}), ${info.memoryGiB} GiB, Node ${info.node}, load ${Number(info.loadAverage).toFixed(2)}; ` +
      `sizes ${options.sizes.map(formatSize).join(', ')}; scenarios ${options.scenarios.join(', ')}`,
  );
}

function progress(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

main().catch((error: unknown) => {
  // A bad option exits 2, as the operator commands do (local/commands/command-line.ts); a failed run 1.
  const problem = argumentProblem(error, USAGE);
  console.error(problem ?? (error instanceof Error ? error.message : error));
  process.exit(problem !== undefined || error instanceof UsageError ? ExitCode.Usage : 1);
});
