import { randomBytes } from 'node:crypto';
import { OrdsClient, parseOrdsSecret } from '../functions/core/ords/index.js';
import { DEFAULT_CHUNK_BYTES, uploadChunked } from '../functions/core/restore/index.js';
import { parseCommandLine, runMain, wholeNumberOption } from '../local/commands/command-line.js';
import { startOrdsSimulator } from '../simulator/index.js';

/**
 * `npm run restore-bench -- [--mib N] [--chunk-bytes N] [--latency-ms N]`: the restore's chunked
 * path (base64 pieces appended through REST-enabled SQL) against the embedded ORDS simulator on
 * loopback, one file of N MiB from memory. It measures this side's cost per request (base64, JSON,
 * HTTP) and the request count; with `--latency-ms` each request waits that long in the simulator, as
 * a round trip and the database's write would. The last line is JSON (`RESTORE_BENCH {…}`).
 */
const USAGE = `Usage: npm run restore-bench -- [options]

The restore's chunked path (base64 pieces appended through REST-enabled SQL) against the embedded
ORDS simulator: one file from memory; the last line is JSON (RESTORE_BENCH {…}).

  --mib N              the file's size in MiB                                   [64]
  --chunk-bytes N      bytes per append                                  [${DEFAULT_CHUNK_BYTES}]
  --latency-ms N       the simulator's wait before each answer, as a round trip  [0]
  -h, --help`;

async function main(): Promise<number> {
  const { values } = parseCommandLine(
    {
      options: {
        mib: { type: 'string', default: '64' },
        'chunk-bytes': { type: 'string', default: String(DEFAULT_CHUNK_BYTES) },
        'latency-ms': { type: 'string', default: '0' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const mib = wholeNumberOption('mib', values.mib, 1);
  const chunkBytes = wholeNumberOption('chunk-bytes', values['chunk-bytes'], 1);
  const latencyMs = wholeNumberOption('latency-ms', values['latency-ms'], 0);
  const source = randomBytes(mib * 1024 * 1024);
  const simulator = await startOrdsSimulator({ latencyMs });
  const ords = new OrdsClient({
    baseUrl: simulator.url,
    secret: parseOrdsSecret('bench', JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' })),
    secretId: 'bench',
  });
  try {
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const started = process.hrtime.bigint();
    const result = await uploadChunked(
      { sql: ords, readRange: async (start, end) => source.subarray(start, end), logger: silent },
      { directory: 'DATA_PUMP_DIR', fileName: 'BENCH-01.DMP', bytes: source.length, chunkBytes },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = {
      mib,
      chunkBytes,
      latencyMs,
      requests: result.chunks,
      seconds: Number(seconds.toFixed(2)),
      mibPerSecond: Number((mib / seconds).toFixed(2)),
    };
    console.log(
      `${mib} MiB in ${result.chunks} appends of ${chunkBytes} bytes (latency ${latencyMs} ms): ${summary.seconds} s, ${summary.mibPerSecond} MiB/s`,
    );
    console.log(`RESTORE_BENCH ${JSON.stringify(summary)}`);
  } finally {
    await ords.close();
    await simulator.stop();
  }
  return 0;
}

runMain(main, USAGE);
