import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
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
import { addBindingPins } from '../../../functions/shared/binding-pins.js';
import { resetClients } from '../../../functions/shared/clients.js';

/** HoursSinceLastBackup as CloudWatch reads it: the EMF lines Powertools Metrics prints to stdout. */

const PATH = '/ords-datapump-backup/databases';

describe('the "Check backup age" handler', () => {
  const ssm = mockClient(SSMClient);
  const s3 = mockClient(S3Client);
  const savedEnv = { ...process.env };
  let stdout: MockInstance;
  beforeAll(() => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'OrdsDatapumpBackup';
    process.env.POWERTOOLS_SERVICE_NAME = 'ords-datapump-backup';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.BUCKET_NAME = 'backups';
    process.env.DATABASE_PARAMETER_PATH = PATH;
    process.env.AWS_REGION = 'eu-central-1';
    vi.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z'), toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
    process.env = savedEnv;
  });
  beforeEach(() => {
    ssm.reset();
    s3.reset();
    resetClients();
    addBindingPins({ warehouse: { ordsUrl: 'https://warehouse.example.com/ords/wh/', prefix: 'oracle/' } });
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => stdout.mockRestore());

  it('publishes HoursSinceLastBackup per database with the service and Database dimensions', async () => {
    // GIVEN one database bound 48 hours ago and never backed up
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        {
          Name: `${PATH}/warehouse`,
          Value: JSON.stringify({ prefix: 'oracle/' }),
          LastModifiedDate: new Date('2026-11-29T12:00:00Z'),
        },
      ],
    });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no such key', $metadata: {} }));
    const { handler } = await import('../../../functions/handlers/check-backup-age.js');

    // WHEN the hourly rule invokes it
    const result = await handler();

    // THEN one EMF document carries the age
    const emf = stdout.mock.calls
      .flatMap(([chunk]) => String(chunk).split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(result).toEqual({ databases: 1, problems: 0 });
    expect(emf).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: 'OrdsDatapumpBackup',
              Dimensions: [['service', 'Database']],
              Metrics: [{ Name: 'HoursSinceLastBackup', Unit: 'None' }],
            },
          ],
        }),
        service: 'ords-datapump-backup',
        Database: 'warehouse',
        HoursSinceLastBackup: 48,
      }),
    ]);
  });

  it('fails when the bindings cannot be listed, so that the invocation is retried', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const { handler } = await import('../../../functions/handlers/check-backup-age.js');

    await expect(handler()).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
