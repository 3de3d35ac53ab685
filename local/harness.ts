import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  fileSha256,
  type OrdsSimulator,
  type SimulatorOptions,
  startOrdsSimulator,
} from '../simulator/index.js';
import { type LocalAwsServer, startLocalAwsServer } from './aws-server.js';
import { type LocalRunOptions, type LocalRunResult, runLocalBackup } from './local-run.js';
import { type LocalS3, startLocalS3 } from './s3/local-s3.js';

/** The simulator's default credentials, as the secret holds them. */
export const PASSWORD = 'secret-password';
export const SECRET = JSON.stringify({ username: 'DBAPI_USER', password: PASSWORD });

/**
 * An ORDS simulator and an S3 server that outlive a run, so the end-to-end tests and
 * `npm run large-run` can look at what the run left: every stored object is read back and compared
 * with what the simulator served.
 */
export interface Harness {
  readonly simulator: OrdsSimulator;
  readonly s3: LocalS3;
  /** The local AWS endpoint (secrets, bindings, executions) every run shares: runs may overlap. */
  readonly aws: LocalAwsServer;
  /** Runs the synthesized state machine against both, with fast polls and retries. */
  run(options?: LocalRunOptions): Promise<LocalRunResult>;
  /** Every key in the bucket. */
  keys(): Promise<string[]>;
  /** An object's bytes. */
  read(key: string): Promise<Buffer>;
  /** SHA-256 (hex), CRC-32 (base64) and length of an object, streamed. */
  digest(key: string): Promise<{ sha256: string; crc32: string; bytes: number }>;
  /** Asserts that each stored file of a successful run is exactly what the simulator served. */
  expectStoredAsServed(result: LocalRunResult): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a harness; the simulator starts with these switches. */
export async function startHarness(simulatorOptions: Partial<SimulatorOptions> = {}): Promise<Harness> {
  const simulator = await startOrdsSimulator(simulatorOptions);
  const s3 = await startLocalS3({ bucket: 'backups' });
  const aws = await startLocalAwsServer();
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  const read = async (key: string) => {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  };
  const digest = async (key: string) => {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const hash = createHash('sha256');
    let crc = 0;
    let bytes = 0;
    for await (const chunk of object.Body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      crc = zlib.crc32(chunk, crc);
      bytes += chunk.length;
    }
    const crc32 = Buffer.alloc(4);
    crc32.writeUInt32BE(crc);
    return { sha256: hash.digest('hex'), crc32: crc32.toString('base64'), bytes };
  };
  return {
    simulator,
    s3,
    aws,
    run: (options = {}) =>
      runLocalBackup({
        aws,
        ordsUrl: simulator.url,
        secret: SECRET,
        s3Endpoint: s3.endpoint,
        bucket: s3.bucket,
        database: 'orders',
        exportSpec: { schemas: ['HR'] },
        // The tests of the ORDS export POST's behaviour ask for it; consistency tests name their mode.
        consistency: 'per-table',
        pollSeconds: 1,
        retryIntervalMs: 10,
        logLevel: 'SILENT',
        ...options,
      }),
    keys: async () => {
      const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
      return (listed.Contents ?? []).map((object) => object.Key!).sort();
    },
    read,
    digest,
    async expectStoredAsServed(result) {
      const manifest = result.manifest;
      if (!manifest) throw new Error(`no manifest: ${result.error}: ${result.cause}`);
      const job = simulator.jobs().find((candidate) => candidate.jobName === manifest.jobName);
      if (!job) throw new Error(`the simulator has no job ${manifest.jobName}`);
      for (const file of manifest.files) {
        const served = job.files.find((candidate) => candidate.name === file.name);
        if (!served) throw new Error(`the simulator did not serve ${file.name}`);
        const stored = await digest(file.key);
        const expected =
          file.kind === 'log'
            ? createHash('sha256')
                .update(job.logText ?? '')
                .digest('hex')
            : await fileSha256(job.jobName, file.name, served.bytes);
        const head = await s3.client.send(
          new HeadObjectCommand({ Bucket: s3.bucket, Key: file.key, ChecksumMode: 'ENABLED' }),
        );
        const checksumOk =
          file.checksum.value === stored.crc32 &&
          head.ChecksumCRC32 === stored.crc32 &&
          head.ChecksumType === 'FULL_OBJECT' &&
          file.checksum.type === 'FULL_OBJECT';
        const sha256Ok = file.sha256 === undefined || file.sha256 === expected;
        if (stored.bytes !== served.bytes || stored.sha256 !== expected || !checksumOk || !sha256Ok) {
          throw new Error(
            `${file.key}: stored ${stored.bytes} bytes sha256 ${stored.sha256} crc32 ${stored.crc32}, ` +
              `S3 shows ${head.ChecksumCRC32} (${head.ChecksumType}), manifest ${file.bytes}/${file.checksum.value}/` +
              `${file.sha256 ?? 'no sha256'}, served ${served.bytes}/${expected}`,
          );
        }
      }
    },
    async stop() {
      await simulator.stop();
      await s3.stop();
      await aws.stop();
    },
  };
}
