import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { GCProfiler } from 'node:v8';
import { Upload } from '@aws-sdk/lib-storage';
import { request } from 'undici';
import type { Logger } from '../functions/core/ords/index.js';
import { OrdsClient } from '../functions/core/ords/index.js';
import {
  type CopyFilePayload,
  type CopyProgress,
  CopyProgressSchema,
} from '../functions/core/state/index.js';
import { copyFile, copyS3ClientSettings, crc32 } from '../functions/core/transfer/index.js';
import { localS3Client } from '../local/s3/local-s3.js';
import type { ScenarioFailed, ScenarioInput, ScenarioResult } from './bench-messages.js';

/**
 * One measured copy in its own process (started by `copy-bench.ts`): waits for a `ScenarioInput`,
 * copies, and sends back a `ScenarioResult` measured on this process alone (CPU of every thread,
 * peak RSS). The servers it talks to run in other processes.
 */

/** Largest file accepted, as the deployed function's default (`COPY_MAX_FILE_BYTES`). */
const MAX_FILE_BYTES = 1024 ** 4;

process.once('message', (input: ScenarioInput) => {
  run(input).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      const failed: ScenarioFailed = {
        type: 'error',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      };
      process.send?.(failed, () => process.exit(1));
    },
  );
});

async function run(input: ScenarioInput): Promise<ScenarioResult> {
  const scenario = SCENARIO_RUNS[input.scenario];
  await scenario({ ...input, file: input.warmup });
  const rssBeforeBytes = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const mainBefore = mainThreadCpuSeconds();
  const gc = gcPauses();
  const startedAt = performance.now();
  const outcome = await scenario(input);
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const mainAfter = mainThreadCpuSeconds();
  return {
    type: 'result',
    scenario: input.scenario,
    bytes: outcome.bytes,
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mainThreadCpuSeconds: mainBefore === null || mainAfter === null ? null : mainAfter - mainBefore,
    gc: gc.stop(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBeforeBytes,
    invocations: outcome.invocations,
    sha256: outcome.sha256,
    warnings: outcome.warnings,
  };
}

type Outcome = { bytes: number; invocations: number; sha256: string | null; warnings: string[] };

/** How each scenario copies a file. */
const SCENARIO_RUNS: Record<ScenarioInput['scenario'], (input: ScenarioInput) => Promise<Outcome>> = {
  raw: async (input) => ({ ...(await rawPipe(input, false)), sha256: null, warnings: [] }),
  'raw-crc': async (input) => ({ ...(await rawPipe(input, true)), sha256: null, warnings: [] }),
  'lib-storage': libStorageUpload,
  sink: copyLoop,
  s3rver: copyLoop,
};

/**
 * `@aws-sdk/lib-storage`'s `Upload` of the ORDS download (the same `OrdsClient`) into the S3 discard
 * sink, as a user of the SDK would write the copy: the same part size and parts in flight, and the
 * SDK's own part checksums (CRC-32, `WHEN_SUPPORTED`, its default), which the sink requires.
 */
async function libStorageUpload(input: ScenarioInput): Promise<Outcome> {
  const { ords: target, file } = input;
  const ords = new OrdsClient({
    baseUrl: target.url,
    secret: { credentials: { kind: 'basic', username: target.username, password: target.password } },
  });
  const s3 = localS3Client(input.target.endpoint, { requestChecksumCalculation: 'WHEN_SUPPORTED' });
  try {
    const download = await ords.downloadFile(target.owner, target.jobName, file.name);
    const upload = new Upload({
      client: s3,
      params: { Bucket: input.target.bucket, Key: `lib-storage/${file.name}`, Body: download.body },
      partSize: input.minPartSizeBytes,
      queueSize: input.partsInFlight,
      leavePartsOnError: false,
    });
    await upload.done();
    return { bytes: file.bytes, invocations: 1, sha256: null, warnings: [] };
  } finally {
    await ords.close();
    s3.destroy();
  }
}

/**
 * undici GET from the simulator streamed straight into an undici PUT to the discard sink. With
 * `checksum` (`raw-crc`), the same pipe also folds every chunk into a CRC-32 (the copy's own `crc32`)
 * as it passes and compares it with the sink's: the least any copy that S3 verifies can cost.
 * (undici reads a stream body through `'data'` events, so a second listener sees every chunk in order.)
 */
async function rawPipe(
  input: ScenarioInput,
  checksum: boolean,
): Promise<{ bytes: number; invocations: number }> {
  const { ords, file, target } = input;
  const url = `${ords.url}_/db-api/stable/database/datapump/jobs/${ords.owner},${ords.jobName}/${file.name}`;
  const authorization = `Basic ${Buffer.from(`${ords.username}:${ords.password}`).toString('base64')}`;
  const download = await request(url, { headers: { authorization, 'accept-encoding': 'identity' } });
  if (download.statusCode !== 200) throw new Error(`the simulator answered ${download.statusCode}`);
  const bytes = Number(download.headers['content-length']);
  let crc = 0;
  if (checksum) {
    download.body.on('data', (chunk: Buffer) => {
      crc = crc32(chunk, crc);
    });
    // A 'data' listener starts the flow: held until undici attaches its own and resumes the body.
    download.body.pause();
  }
  const upload = await request(`${target.endpoint}/${target.bucket}/${file.name}`, {
    method: 'PUT',
    body: download.body as unknown as Readable,
    headers: { 'content-length': String(bytes) },
  });
  await upload.body.text();
  if (upload.statusCode !== 200) throw new Error(`the discard sink answered ${upload.statusCode}`);
  // The sink's ETag of a PutObject is the hex CRC-32 of the bytes it received.
  const stored = String(upload.headers.etag ?? '').replaceAll('"', '');
  if (checksum && stored !== (crc >>> 0).toString(16).padStart(8, '0')) {
    throw new Error(`the CRC-32 computed on the way (${crc >>> 0}) differs from the sink's (ETag ${stored})`);
  }
  return { bytes, invocations: 1 };
}

/**
 * Calls `copyFile` as the state machine does: one invocation after another, each with its own time
 * budget, the continuation passed through JSON and the payload schema. The ORDS and S3 clients live
 * as long as the process, as in a warm Lambda container.
 */
async function copyLoop(input: ScenarioInput): Promise<Outcome> {
  const { ords: target, file } = input;
  const warnings: string[] = [];
  const logger = quietLogger(warnings);
  const ords = new OrdsClient({
    baseUrl: target.url,
    secret: { credentials: { kind: 'basic', username: target.username, password: target.password } },
    logger,
  });
  const s3 = localS3Client(input.target.endpoint, copyS3ClientSettings(input.partsInFlight));
  let deadline = 0;
  const deps = {
    ords,
    s3,
    bucket: input.target.bucket,
    logger,
    remainingTimeMs: () => deadline - Date.now(),
    safetyMarginMs: 0,
    partsInFlight: input.partsInFlight,
    minPartSizeBytes: input.minPartSizeBytes,
    maxFileBytes: MAX_FILE_BYTES,
    recordSha256: input.recordSha256,
  };
  const payload: CopyFilePayload = {
    executionName: 'bench',
    database: 'bench',
    job: {
      owner: target.owner,
      jobName: target.jobName,
      runId: 'bench',
      fileName: 'BENCH-%U.DMP',
      jobMode: 'SCHEMA',
      startedAt: new Date().toISOString(),
      adopted: false,
    },
    file: { name: file.name, kind: 'dump', key: `bench/${file.name}` },
  };
  let progress: CopyProgress | undefined;
  try {
    for (;;) {
      deadline = Date.now() + input.invocationSeconds * 1000;
      const result: CopyProgress = CopyProgressSchema.parse(
        JSON.parse(JSON.stringify(await copyFile(deps, progress ? { ...payload, progress } : payload))),
      );
      if (result.done) {
        return {
          bytes: result.file.bytes,
          invocations: result.file.invocations,
          // Recorded only for a file copied within one invocation.
          sha256: result.file.sha256 ?? null,
          warnings,
        };
      }
      progress = result;
    }
  } finally {
    await ords.close();
    s3.destroy();
  }
}

/**
 * CPU time of the main thread alone (user + system), from Linux's `/proc/self/task/<pid>/stat` in
 * clock ticks of 10 ms; null elsewhere. The rest of `cpuSeconds` ran on other threads: the SHA-256
 * worker, V8's garbage collector and compiler threads, libuv's pool.
 */
function mainThreadCpuSeconds(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * The garbage collector's pauses from now until `stop()`, recorded natively by `v8.GCProfiler` (no
 * JavaScript callback per collection in the measured process): minor are scavenges, major full
 * mark-compacts; the seconds include incremental marking steps and weak callbacks.
 */
function gcPauses(): { stop(): ScenarioResult['gc'] } {
  const profiler = new GCProfiler();
  profiler.start();
  return {
    stop() {
      const totals = { seconds: 0, minor: 0, major: 0 };
      for (const { gcType, cost } of profiler.stop()?.statistics ?? []) {
        totals.seconds += cost / 1e6;
        if (gcType === 'Scavenge' || gcType === 'MinorMarkSweep') totals.minor += 1;
        if (gcType === 'MarkSweepCompact') totals.major += 1;
      }
      return totals;
    },
  };
}

/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Keeps warnings and errors for the report; drops the rest. */
function quietLogger(warnings: string[]): Logger {
  const keep =
    (level: string) =>
    (message: string, ...extra: Array<Record<string, unknown>>) => {
      warnings.push(`${level}: ${message} ${extra.length > 0 ? JSON.stringify(extra) : ''}`.trim());
    };
  return { debug: () => {}, info: () => {}, warn: keep('warn'), error: keep('error') };
}
