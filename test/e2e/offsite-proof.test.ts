import { crc32 } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import { parseConfig } from '../../infra/config/index.js';
import { definitionFromTemplates } from '../../local/definition.js';
import { type LocalS3, startLocalS3 } from '../../local/s3/local-s3.js';
import { type Synthesized, synthesize } from '../infra/synth.js';

/**
 * The off-site states of the synthesized state machine, with the real "Check off-site copy" handler,
 * against the local S3 playing replication: a run is "off-site" only once every replica matches its
 * manifest, and a FAILED replication ends the run in its named state with the database's alarm metric.
 */

const OFFSITE = 'offsite-backups';
let s3: LocalS3;
let synthesized: Synthesized;
let definition: Record<string, unknown>;
const savedEnv = { ...process.env };
let stdout: MockInstance;

beforeAll(async () => {
  s3 = await startLocalS3({ bucket: 'backups', replication: { destinationBucket: OFFSITE, delayMs: 1 } });
  synthesized = synthesize(
    parseConfig(
      {
        bucket: {
          offsiteCopy: { bucketArn: `arn:aws:s3:::${OFFSITE}`, account: '210987654321', region: 'us-east-1' },
        },
        databases: [
          {
            id: 'orders',
            ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
            secret: 'prod/ords/orders',
          },
        ],
      },
      'config/test.json',
    ),
  );
  definition = definitionFromTemplates([...synthesized.jsons.values()] as never).definition;
  Object.assign(process.env, {
    BUCKET_NAME: 'backups',
    OFFSITE_BUCKET_NAME: OFFSITE,
    OFFSITE_REGION: 'us-east-1',
    OFFSITE_MAX_LAG_SECONDS: '3600',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_METRICS_NAMESPACE: 'OrdsDatapumpBackup',
    POWERTOOLS_SERVICE_NAME: 'ords-datapump-backup',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
});
afterAll(async () => {
  process.env = savedEnv;
  synthesized.cleanup();
  await s3.stop();
});
beforeEach(async () => {
  s3.replication?.release();
  await s3.replication?.settle();
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => stdout.mockRestore());

/** Stores a backup's dump file and manifest as a run does; returns the manifest's URI. */
async function backup(folder: string): Promise<string> {
  const data = Buffer.from(`dump in ${folder}`);
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(data));
  const checksum = value.toString('base64');
  await s3.client.send(
    new PutObjectCommand({
      Bucket: 'backups',
      Key: `${folder}A-01.DMP`,
      Body: data,
      ChecksumCRC32: checksum,
    }),
  );
  const manifest = {
    files: [{ key: `${folder}A-01.DMP`, bytes: data.length, checksum: { value: checksum } }],
  };
  await s3.client.send(
    new PutObjectCommand({
      Bucket: 'backups',
      Key: `${folder}manifest.json`,
      Body: JSON.stringify(manifest),
    }),
  );
  return `s3://backups/${folder}manifest.json`;
}

const context = {
  getRemainingTimeInMillis: () => 60_000,
  functionName: 'CheckOffsiteCopy',
} as unknown as Context;

/** Runs the synthesized machine from "Start off-site check"; `afterCheck` sees each check's result. */
async function runOffsiteStates(
  manifest: string,
  afterCheck: (result: { offsite: string }) => void = () => {},
) {
  const { handler } = await import('../../functions/handlers/check-offsite-copy.js');
  const states: string[] = [];
  const machine = new StateMachine({ ...definition, StartAt: 'Start off-site check' } as never, {
    validationOptions: { noValidate: true },
  });
  const execution = machine.run({ database: 'orders', result: { database: 'orders', manifest } } as never, {
    overrides: {
      taskResourceLocalHandlers: {
        'Check off-site copy': async (input: unknown) => {
          const result = (await handler(input, context)) as { offsite: string };
          afterCheck(result);
          return result;
        },
        'Record off-site failure': (input: unknown) => handler(input, context),
      } as never,
      waitTimeOverrides: { 'Wait for the off-site copy': 5 },
    },
    context: {
      Execution: { Id: 'arn:aws:states:us-east-1:000000000000:execution:local:orders_1', Name: 'orders_1' },
    } as never,
  });
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  const output = (await execution.result) as { offsite: Record<string, unknown> };
  await logs;
  return { output, states };
}

const emf = () =>
  stdout.mock.calls
    .flatMap(([chunk]) => String(chunk).split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const exists = (Bucket: string, Key: string) =>
  s3.client.send(new HeadObjectCommand({ Bucket, Key })).then(
    () => true,
    () => false,
  );

describe('the off-site states of the synthesized state machine', () => {
  it('record the run off-site only once the replicas are there and match, after waiting while PENDING', async () => {
    const folder = 'orders/2026/03/01/JOB1/';
    s3.replication?.hold();
    const manifest = await backup(folder);
    const seen: string[] = [];
    const { output, states } = await runOffsiteStates(manifest, (result) => {
      seen.push(result.offsite);
      if (result.offsite === 'pending') {
        // Not off-site yet: no record, no replica.
        expect(seen).toEqual(['pending']);
        s3.replication?.release();
      }
    });
    expect(seen[0]).toBe('pending');
    expect(seen.at(-1)).toBe('copied');
    expect(states).toContain('Wait for the off-site copy');
    expect(states.at(-1)).toBe('Backup complete');
    expect(output.offsite).toEqual({
      offsite: 'copied',
      record: `s3://backups/${folder}offsite.json`,
      objects: 2,
    });
    const record = await s3.client.send(
      new GetObjectCommand({ Bucket: 'backups', Key: `${folder}offsite.json` }),
    );
    const proof = JSON.parse(await record.Body!.transformToString());
    const replica = await s3.client.send(
      new HeadObjectCommand({ Bucket: OFFSITE, Key: `${folder}A-01.DMP`, ChecksumMode: 'ENABLED' }),
    );
    expect(proof.objects[0]).toEqual({
      key: `${folder}A-01.DMP`,
      bytes: replica.ContentLength,
      crc32: replica.ChecksumCRC32,
    });
    expect(emf()).toContainEqual(expect.objectContaining({ Database: 'orders', OffsiteCopyFailed: 0 }));
  });

  it('end a FAILED replication in "Backup complete, off-site copy failed" with the database\'s alarm metric', async () => {
    const folder = 'orders/2026/03/02/JOB2/';
    s3.replication?.failPrefix(folder);
    const manifest = await backup(folder);
    await s3.replication?.settle();
    const { output, states } = await runOffsiteStates(manifest);
    expect(states.at(-1)).toBe('Backup complete, off-site copy failed');
    expect(output.offsite).toMatchObject({ offsite: 'failed' });
    expect(String(output.offsite.reason)).toContain(`${folder}A-01.DMP`);
    expect(await exists('backups', `${folder}offsite.json`)).toBe(false);
    expect(emf()).toContainEqual(expect.objectContaining({ Database: 'orders', OffsiteCopyFailed: 1 }));
    s3.replication?.healPrefix(folder);
  });

  it('do not take COMPLETED on trust: a replica replaced in the other account fails the run', async () => {
    const folder = 'orders/2026/03/03/JOB3/';
    const manifest = await backup(folder);
    await s3.replication?.settle();
    await s3.client.send(
      new PutObjectCommand({ Bucket: OFFSITE, Key: `${folder}A-01.DMP`, Body: 'replaced' }),
    );
    const { output, states } = await runOffsiteStates(manifest);
    expect(states.at(-1)).toBe('Backup complete, off-site copy failed');
    expect(String(output.offsite.reason)).toMatch(/replica .*A-01\.DMP has 8 bytes/);
    expect(await exists('backups', `${folder}offsite.json`)).toBe(false);
  });

  it('end a check step that fails for good in the named state, with the alarm metric recorded for it', async () => {
    // A manifest the check refuses (it names a file outside its folder): the step fails, not the backup.
    const folder = 'orders/2026/03/04/JOB4/';
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'backups',
        Key: `${folder}manifest.json`,
        Body: JSON.stringify({
          files: [{ key: 'hr/secret.dmp', bytes: 1, checksum: { value: 'AAAAAA==' } }],
        }),
      }),
    );
    const { output, states } = await runOffsiteStates(`s3://backups/${folder}manifest.json`);
    expect(states).toContain('Off-site check step failed');
    expect(states).toContain('Record off-site failure');
    expect(states.at(-1)).toBe('Backup complete, off-site copy failed');
    expect(output.offsite).toMatchObject({ offsite: 'failed' });
    expect(emf()).toContainEqual(expect.objectContaining({ Database: 'orders', OffsiteCopyFailed: 1 }));
  });
});
