import { startLocalS3 } from '../local/s3/local-s3.js';
import { startOrdsSimulator } from '../simulator/index.js';
import type { ServerReady, ServerRole, ServerStopped } from './bench-messages.js';
import { type DiscardSink, type SinkStats, startS3DiscardSink } from './discard-sinks.js';
import { startThrottleProxy } from './throttle-proxy.js';

/**
 * One server of the benchmark in its own process (started by `copy-bench.ts` with IPC), so the
 * process that copies holds only the copying side. `argv[2]` is the role; for `ords`, `argv[3]` the
 * dump file sizes as JSON and `argv[4]` a bandwidth
 * limit in bytes per second (0: none) applied by a proxy in front of the simulator. Sends `ServerReady` once listening; on "stop", stops and sends
 * `ServerStopped` with its own CPU time.
 */

const BASIC_USER = 'DBAPI_USER';
const BASIC_PASSWORD = 'secret-password';
const BUCKET = 'bench-bucket';

async function main(): Promise<void> {
  const role = process.argv[2] as ServerRole;
  const cpuAtStart = process.cpuUsage();
  let stop: () => Promise<SinkStats | undefined>;
  let ready: ServerReady;
  switch (role) {
    case 'ords': {
      const sizes = JSON.parse(process.argv[3] ?? '[]') as number[];
      const simulator = await startOrdsSimulator({
        dumpFiles: sizes.length,
        dumpFileBytes: sizes,
        pollsPerState: 0,
      });
      const job = await createFinishedJob(simulator.url);
      const bytesPerSecond = Number(process.argv[4] ?? 0);
      const { hostname: host, port } = new URL(simulator.origin);
      const proxy =
        bytesPerSecond > 0 ? await startThrottleProxy({ host, port: Number(port) }, bytesPerSecond) : null;
      const endpoint =
        proxy === null ? simulator.url : simulator.url.replace(simulator.origin, `http://${proxy.host}`);
      const files = simulator
        .jobs()
        .flatMap((view) => view.files)
        .filter((file) => file.kind === 'dump');
      ready = {
        type: 'ready',
        endpoint,
        ords: { ...job, username: BASIC_USER, password: BASIC_PASSWORD, files },
      };
      stop = async () => {
        await proxy?.stop();
        await simulator.stop();
        return undefined;
      };
      break;
    }
    case 's3-discard': {
      const sink: DiscardSink = await startS3DiscardSink();
      ready = { type: 'ready', endpoint: sink.endpoint, bucket: BUCKET };
      stop = async () => {
        const stats = sink.stats();
        await sink.stop();
        return stats;
      };
      break;
    }
    case 's3rver': {
      const s3 = await startLocalS3({ bucket: BUCKET });
      ready = { type: 'ready', endpoint: s3.endpoint, bucket: BUCKET };
      stop = async () => {
        await s3.stop();
        return undefined;
      };
      break;
    }
    default:
      throw new Error(`unknown server role ${String(role)}: ords, discard, s3-discard or s3rver`);
  }
  process.once('message', () => {
    void stop().then((stats) => {
      const cpu = process.cpuUsage(cpuAtStart);
      const stopped: ServerStopped = { type: 'stopped', cpuSeconds: (cpu.user + cpu.system) / 1e6, stats };
      process.send?.(stopped, () => process.exit(0));
    });
  });
  process.send?.(ready);
}

/** Starts an export on the simulator and polls it once: `pollsPerState: 0` finishes it at the first poll. */
async function createFinishedJob(ordsUrl: string): Promise<{ owner: string; jobName: string }> {
  const authorization = `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`;
  const api = `${ordsUrl}_/db-api/stable/database/datapump/`;
  const created = await fetch(`${api}export`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ job_mode: 'SCHEMA', file_name: 'BENCH-%U.DMP', keep_master: 1 }),
  });
  if (created.status !== 201) throw new Error(`the simulator answered ${created.status} to the export`);
  const job = (await created.json()) as { job_name: string; owner_name: string };
  const polled = await fetch(`${api}jobs/${job.owner_name},${job.job_name}/`, { headers: { authorization } });
  const state = ((await polled.json()) as { state?: string }).state;
  if (state !== 'NOT RUNNING') throw new Error(`the benchmark job is still ${state}`);
  return { owner: job.owner_name, jobName: job.job_name };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
