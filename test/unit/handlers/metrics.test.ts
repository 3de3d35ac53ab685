import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
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
import type { ExecutionStatusEvent } from '../../../functions/core/run/notify-failure.js';
import { resetBindingCache } from '../../../functions/shared/bindings.js';
import { pinnedJson, TEST_BINDING_PATH, testBinding } from '../../helpers/bindings.js';

const CHECKSUM = { algorithm: 'CRC32', type: 'FULL_OBJECT', value: 'AAECAw==' } as const;

/**
 * The metrics the handlers emit, read as CloudWatch reads them: the embedded metric format (EMF)
 * JSON lines Powertools Metrics prints to stdout.
 */

const JOB = 'DATAPUMP_REST_EXPORT_20261123020000';
const FOLDER = `orders/2026/11/23/${JOB}/`;
const dump = { name: 'A-01.DMP', kind: 'dump' as const, key: `${FOLDER}A-01.DMP` };
const log = { name: 'A.LOG', kind: 'log' as const, key: `${FOLDER}A.LOG` };
const DUMP_BYTES = 300 * 1024 * 1024;

/** The "Write manifest" payload as the state machine sends it. */
function writeManifestPayload(verdict: 'succeeded' | 'completed-with-errors') {
  return {
    executionName: 'orders-20261123T020000Z',
    database: 'orders',
    job: {
      owner: 'DBAPI_USER',
      jobName: JOB,
      runId: '20261123T020000Z-1A2B',
      fileName: 'A-%U.DMP',
      jobMode: 'SCHEMA',
      startedAt: '2026-11-23T02:00:00.000Z',
      adopted: false,
    },
    verdict: {
      verdict,
      summary: 'Job … successfully completed',
      errors: [],
      cause: '',
      files: [dump, log],
      // The copy phase: 100 seconds until the fake clock below.
      checkedAt: '2026-11-23T02:10:00.000Z',
    },
    stored: [
      { ...dump, bytes: DUMP_BYTES, checksum: CHECKSUM, sha256: 'a'.repeat(64), invocations: 1 },
      { ...log, bytes: 100, checksum: CHECKSUM, sha256: 'b'.repeat(64), invocations: 1 },
    ],
  };
}

const context = {
  functionName: 'WriteManifest',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/** Every EMF document printed to stdout while `run` ran. */
async function emfOf(
  stdout: MockInstance,
  run: () => Promise<unknown>,
): Promise<Array<Record<string, unknown>>> {
  stdout.mockClear();
  await run();
  return stdout.mock.calls
    .map(([chunk]) => String(chunk))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('handler metrics', () => {
  const s3 = mockClient(S3Client);
  const sns = mockClient(SNSClient);
  const ssm = mockClient(SSMClient);
  /** The database's binding says whether "completed with errors" counts as a success. */
  const bind = (acceptCompletedWithErrors: boolean) => {
    resetBindingCache();
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Value: pinnedJson(testBinding({ acceptCompletedWithErrors })) },
    });
  };
  const savedEnv = { ...process.env };
  let stdout: MockInstance;

  beforeAll(() => {
    // The local runner turns metrics off; this test reads them.
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'OrdsDatapumpBackup';
    process.env.POWERTOOLS_SERVICE_NAME = 'ords-datapump-backup';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.BUCKET_NAME = 'backups';
    process.env.DATABASE_PARAMETER_PATH = TEST_BINDING_PATH;
    process.env.TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:alerts';
    process.env.AWS_REGION = 'eu-central-1';
    vi.useFakeTimers({ now: new Date('2026-11-23T02:11:40Z'), toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
    process.env = savedEnv;
  });
  beforeEach(() => {
    s3.reset();
    sns.reset();
    ssm.reset();
    bind(false);
    const verified = { ChecksumCRC32: CHECKSUM.value, ChecksumType: CHECKSUM.type };
    s3.on(HeadObjectCommand, { Key: dump.key }).resolves({ ContentLength: DUMP_BYTES, ...verified });
    s3.on(HeadObjectCommand, { Key: log.key }).resolves({ ContentLength: 100, ...verified });
    s3.on(PutObjectCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => stdout.mockRestore());

  it('records success, bytes, duration, throughput and files for a stored backup', async () => {
    const { handler } = await import('../../../functions/handlers/write-manifest.js');

    const emf = await emfOf(stdout, () => handler(writeManifestPayload('succeeded'), context));

    expect(emf).toHaveLength(1);
    const [document] = emf;
    expect(document).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'OrdsDatapumpBackup',
            Dimensions: [['service', 'Database']],
            Metrics: expect.arrayContaining([
              { Name: 'BackupSucceeded', Unit: 'Count' },
              { Name: 'BytesStored', Unit: 'Bytes' },
              { Name: 'DurationSeconds', Unit: 'Seconds' },
              { Name: 'CopyThroughput', Unit: 'Megabytes/Second' },
              { Name: 'FilesStored', Unit: 'Count' },
            ]),
          },
        ],
      },
      service: 'ords-datapump-backup',
      Database: 'orders',
      BackupSucceeded: 1,
      BytesStored: DUMP_BYTES + 100,
      DurationSeconds: 700,
      // 300 MiB in 100 s = 3 MiB/s = 3.1 MB/s.
      CopyThroughput: 3.1,
      FilesStored: 2,
    });
  });

  it("records an export that completed with errors as a success only when the database's binding accepts it", async () => {
    const { handler } = await import('../../../functions/handlers/write-manifest.js');

    bind(true);
    const accepted = await emfOf(stdout, () =>
      handler(writeManifestPayload('completed-with-errors'), context),
    );
    bind(false);
    const refused = await emfOf(stdout, () =>
      handler(writeManifestPayload('completed-with-errors'), context),
    );

    expect(accepted[0]).toMatchObject({ Database: 'orders', BackupSucceeded: 1 });
    expect(refused[0]).toMatchObject({ Database: 'orders', BackupSucceeded: 0 });
  });

  it('writes the last-backup record after the manifest of a backup that counts as a success', async () => {
    const { handler } = await import('../../../functions/handlers/write-manifest.js');

    await handler(writeManifestPayload('succeeded'), context);

    const keys = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).toEqual([`${FOLDER}manifest.json`, 'orders/last-backup.json']);
  });

  it("writes no last-backup record for a completed-with-errors backup the database's binding refuses", async () => {
    const { handler } = await import('../../../functions/handlers/write-manifest.js');

    await handler(writeManifestPayload('completed-with-errors'), context);

    const keys = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).toEqual([`${FOLDER}manifest.json`]);
  });

  it('records BackupSucceeded = 0 for a failed execution and publishes the alert', async () => {
    const { handler } = await import('../../../functions/handlers/notify-failure.js');
    const event: ExecutionStatusEvent = {
      region: 'eu-central-1',
      detail: {
        executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:Backup:orders-1',
        name: 'orders-1',
        status: 'TIMED_OUT',
        input: JSON.stringify({ database: 'orders', scheduledTime: '2026-11-23T02:00:00Z' }),
      },
    };

    const emf = await emfOf(stdout, () => handler(event));

    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'OrdsDatapumpBackup',
            Dimensions: [['service', 'Database']],
            Metrics: [{ Name: 'BackupSucceeded', Unit: 'Count' }],
          },
        ],
      },
      service: 'ords-datapump-backup',
      Database: 'orders',
      BackupSucceeded: 0,
    });
    const published = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(published).toMatchObject({
      TopicArn: 'arn:aws:sns:eu-central-1:123456789012:alerts',
      Subject: 'ords-datapump-backup: backup of "orders" timed out',
    });
  });

  it('publishes the alert but records no metric when the input names no database', async () => {
    const { handler } = await import('../../../functions/handlers/notify-failure.js');

    const emf = await emfOf(stdout, () => handler({ region: 'eu-central-1', detail: { status: 'ABORTED' } }));

    expect(emf).toEqual([]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('fails when the alert cannot be published, so that EventBridge retries', async () => {
    const { handler } = await import('../../../functions/handlers/notify-failure.js');
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AuthorizationErrorException' }));

    await expect(handler({ detail: { status: 'FAILED' } })).rejects.toThrow('denied');
  });

  it("records ServerCleanupFailed with the database's dimension only, which its own alarm watches", async () => {
    const { recordServerCleanup } = await import('../../../functions/shared/metrics.js');

    const emf = await emfOf(stdout, async () => recordServerCleanup('orders', true));

    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [['service', 'Database']] }] },
      Database: 'orders',
      ServerCleanupFailed: 1,
    });
  });

  it('records ServerCleanupFailed = 1 for the database when "Record cleanup failure" runs after a failed cleanup step', async () => {
    const { handler } = await import('../../../functions/handlers/clean-up-server.js');

    const emf = await emfOf(stdout, () =>
      handler({ executionName: 'orders-1', database: 'orders', phase: 'record-failure' }, context),
    );

    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ Database: 'orders', ServerCleanupFailed: 1 });
  });

  it('records RestoreDrillSucceeded = 0 for the database when "Record restore drill" records a refused import', async () => {
    const { handler } = await import('../../../functions/handlers/record-restore-drill.js');
    const { job } = writeManifestPayload('succeeded');
    const payload = {
      database: 'orders',
      run: { job, scheduledTime: '2026-11-23T02:00:00Z' },
      drillError: {
        Error: 'ImportNotOwnedError',
        Cause: JSON.stringify({
          errorMessage: 'schema HR_DRILL already exists (created 2026-11-23T01:59:00)',
        }),
      },
    };

    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('The specified key does not exist.'), {
        name: 'NoSuchKey',
        $metadata: { httpStatusCode: 404 },
      }),
    );

    const emf = await emfOf(stdout, () => handler(payload, context));

    expect(emf).toContainEqual(expect.objectContaining({ Database: 'orders', RestoreDrillSucceeded: 0 }));
  });

  it('fails for a "Record cleanup failure" payload that carries anything else', async () => {
    const { handler } = await import('../../../functions/handlers/clean-up-server.js');

    await expect(
      handler(
        { executionName: 'orders-1', database: 'orders', phase: 'record-failure', prefix: 'x/' },
        context,
      ),
    ).rejects.toThrow(/prefix/);
  });
});
