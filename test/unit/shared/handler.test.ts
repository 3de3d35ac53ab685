import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
import { z } from 'zod';
import { SecretError, StorageUnavailableError } from '../../../functions/core/base/errors.js';
import { pinnedJson, TEST_BINDING_PATH, testBinding } from '../../helpers/bindings.js';
import { mockSecretReader } from '../../helpers/secret-reader.js';

/** What `defineTask` logs when a task fails, read as CloudWatch Logs would store it. */

const context = {
  functionName: 'ReadJob',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const Schema = z.object({ database: z.string(), executionName: z.string() });
const PAYLOAD = { database: 'orders', executionName: 'orders_20261201T020000Z' };

/** The JSON log lines written (Powertools writes errors to stderr). */
function logLines(stream: MockInstance): Array<Record<string, unknown>> {
  return stream.mock.calls
    .map(([chunk]) => String(chunk))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('defineTask', () => {
  const savedEnv = { ...process.env };
  let stderr: MockInstance;
  beforeAll(() => {
    delete process.env.POWERTOOLS_DEV;
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    mockSecretReader();
  });
  afterAll(() => {
    process.env = savedEnv;
  });
  beforeEach(() => {
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => stderr.mockRestore());

  it('logs a failed task with its name, message, stack and cause chain', async () => {
    // GIVEN a task that fails with an error caused by another error
    const { defineTask } = await import('../../../functions/shared/handler.js');
    const root = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const sdk = Object.assign(new Error('We encountered an internal error'), {
      name: 'InternalError',
      cause: root,
    });
    const handler = defineTask('Copy file', Schema, async () => {
      throw new StorageUnavailableError('S3 is unavailable for s3://backups/orders/A-01.DMP: InternalError', {
        cause: sdk,
      });
    });

    // WHEN it runs
    await handler(PAYLOAD, context).catch(() => undefined);

    // THEN one error line holds the whole error, with the correlation keys
    const [line] = logLines(stderr).filter((entry) => entry.level === 'ERROR');
    expect(line).toMatchObject({
      message: 'Copy file failed',
      database: 'orders',
      execution: 'orders_20261201T020000Z',
      error: {
        name: 'StorageUnavailableError',
        message: 'S3 is unavailable for s3://backups/orders/A-01.DMP: InternalError',
        stack: expect.stringContaining('handler.test.ts'),
        cause: {
          name: 'InternalError',
          message: 'We encountered an internal error',
          stack: expect.stringContaining('at '),
          cause: { name: 'Error', message: 'socket hang up', code: 'ECONNRESET' },
        },
      },
    });
  });

  it('rethrows the error with its name and a stack cut to one sentence', async () => {
    // GIVEN a task that fails with a SecretError caused by a Secrets Manager error
    const { defineTask } = await import('../../../functions/shared/handler.js');
    const handler = defineTask('Read job', Schema, async () => {
      throw new SecretError('Secret "prod/ords/orders" could not be read (ThrottlingException)', {
        cause: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
      });
    });

    // WHEN it runs
    const error = (await handler(PAYLOAD, context).catch((e: unknown) => e)) as Error;

    // THEN Step Functions sees the name, and a cause that reads as a sentence
    expect(error.name).toBe('SecretError');
    expect(error.stack).toBe(
      'SecretError: Secret "prod/ords/orders" could not be read (ThrottlingException)',
    );
  });

  it('fails a payload that does not match the schema and logs the InvalidInputError whole', async () => {
    // GIVEN a payload without its database
    const { defineTask } = await import('../../../functions/shared/handler.js');
    const handler = defineTask('Read job', Schema, async () => 'never');

    // WHEN it runs
    const error = (await handler({ executionName: 'x' }, context).catch((e: unknown) => e)) as Error;

    // THEN it fails with the schema problem, and the log line carries the stack as well
    expect(error.name).toBe('InvalidInputError');
    const [line] = logLines(stderr).filter((entry) => entry.level === 'ERROR');
    expect(line).toMatchObject({
      error: {
        name: 'InvalidInputError',
        message: expect.stringContaining('database'),
        stack: expect.stringContaining('\n'),
      },
    });
  });

  it.each([
    ['a secret with a misspelt key', '{"username":"DBAPI_USER","pasword":"s3cr3t-Pa55-value"}'],
    ['a secret that is not JSON', 'username=DBAPI_USER password=s3cr3t-Pa55-value'],
  ])('logs the whole error of %s without the secret value', async (_, secretString) => {
    // GIVEN "Read job" reads a secret that fails, whose text holds the password
    const secrets = mockClient(SecretsManagerClient);
    const ssm = mockClient(SSMClient);
    process.env.AWS_REGION = 'eu-central-1';
    process.env.DATABASE_PARAMETER_PATH = TEST_BINDING_PATH;
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: pinnedJson(testBinding()) } });
    const { resetOrdsCache } = await import('../../../functions/shared/ords.js');
    const { resetBindingCache } = await import('../../../functions/shared/bindings.js');
    resetOrdsCache();
    resetBindingCache();
    const { handler } = await import('../../../functions/handlers/read-job.js');
    const payload = {
      executionName: 'orders_20261201T020000Z',
      database: 'orders',
      job: {
        owner: 'DBAPI_USER',
        jobName: 'DATAPUMP_REST_EXPORT_20261201020004',
        runId: '20261201T020000Z-1A2B',
        fileName: 'ORDERS-20261201T020000Z-1A2B-%U.DMP',
        jobMode: 'SCHEMA',
        startedAt: '2026-12-01T02:00:05.000Z',
        adopted: false,
      },
    };

    // WHEN it runs
    const error = (await handler(payload, context).catch((e: unknown) => e)) as Error;
    secrets.restore();
    ssm.restore();

    // THEN the SecretError is logged whole (stack included) and names the secret, never its value
    expect(error.name).toBe('SecretError');
    const text = stderr.mock.calls.map(([chunk]) => String(chunk)).join('');
    const [line] = logLines(stderr).filter((entry) => entry.level === 'ERROR');
    expect(line).toMatchObject({
      error: {
        name: 'SecretError',
        message: expect.stringContaining('"prod/ords/orders"'),
        stack: expect.any(String),
      },
    });
    expect(text).not.toContain('s3cr3t-Pa55-value');
  });
});
