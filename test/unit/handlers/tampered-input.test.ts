import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../functions/core/base/errors.js';
import { bindingParameterName } from '../../../functions/core/run/binding.js';
import { acquireRunLock } from '../../../functions/core/run/run-lock.js';
import { resetBindingCache } from '../../../functions/shared/bindings.js';
import { resetClients } from '../../../functions/shared/clients.js';
import { resetOrdsCache } from '../../../functions/shared/ords.js';
import { type LocalAwsServer, startLocalAwsServer } from '../../../local/aws-server.js';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';
import { pinnedJson, TEST_BINDING_PATH, testBinding } from '../../helpers/bindings.js';
import { recordingLogger } from '../../helpers/job-fakes.js';

/**
 * An attacker who may start executions (or edit a schedule, or a state) tries to make a function
 * send a database's credentials to a host of theirs, or use another database's secret. Every
 * function must take the ORDS URL and the secret from the database's deploy-time binding only.
 */

/** An HTTP server that records who called it with which Authorization header, and answers 503. */
interface Recorder {
  readonly url: string;
  readonly requests: Array<{ path: string; authorization: string | undefined }>;
  stop(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"ServiceUnavailable"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ords/pdb1/dbapi_user/`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ORDERS_AUTH = basic('ORDERS_USER', 'orders-password');
const BILLING_AUTH = basic('BILLING_USER', 'billing-password');

const job = {
  owner: 'ORDERS_USER',
  jobName: 'DATAPUMP_REST_EXPORT_20261201020000',
  runId: '20261201T020000Z-1A2B',
  fileName: 'ORDERS-20261201T020000Z-1A2B-%U.DMP',
  jobMode: 'SCHEMA',
  startedAt: '2026-12-01T02:00:05.000Z',
  adopted: false,
};
const context = {
  functionName: 'test',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

describe('a tampered execution input or state', () => {
  let aws: LocalAwsServer;
  let s3: LocalS3;
  let orders: Recorder;
  let billing: Recorder;
  let attacker: Recorder;
  const saved = { ...process.env };

  beforeAll(async () => {
    [aws, s3, orders, billing, attacker] = await Promise.all([
      startLocalAwsServer(),
      startLocalS3({ bucket: 'backups' }),
      startRecorder(),
      startRecorder(),
      startRecorder(),
    ]);
    aws.putSecret(
      'prod/ords/orders',
      JSON.stringify({ username: 'ORDERS_USER', password: 'orders-password' }),
      'orders',
    );
    aws.putSecret(
      'prod/ords/billing',
      JSON.stringify({ username: 'BILLING_USER', password: 'billing-password' }),
      'billing',
    );
    aws.putParameter(
      bindingParameterName(TEST_BINDING_PATH, 'orders'),
      pinnedJson(testBinding({ ordsUrl: orders.url, secretId: 'prod/ords/orders' })),
    );
    aws.putParameter(
      bindingParameterName(TEST_BINDING_PATH, 'billing'),
      pinnedJson(testBinding({ database: 'billing', ordsUrl: billing.url, secretId: 'prod/ords/billing' })),
    );
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      AWS_ENDPOINT_URL_SFN: aws.endpoint,
      AWS_ENDPOINT_URL_STS: aws.endpoint,
      SECRET_READER_ROLE_ARN: 'arn:aws:iam::000000000000:role/secret-reader',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      DATABASE_PARAMETER_PATH: TEST_BINDING_PATH,
      BUCKET_NAME: 'backups',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    process.env = saved;
    resetClients();
    await Promise.all([aws.stop(), s3.stop(), orders.stop(), billing.stop(), attacker.stop()]);
  });
  beforeEach(() => {
    resetClients();
    resetOrdsCache();
    resetBindingCache();
    for (const recorder of [orders, billing, attacker]) recorder.requests.length = 0;
    (aws.calls as string[]).length = 0;
  });

  /** Every Authorization header any server received, and which secrets were read. */
  const seen = () => ({
    orders: orders.requests.map((r) => r.authorization),
    billing: billing.requests.map((r) => r.authorization),
    attacker: attacker.requests.length,
    billingSecretRead: aws.calls.includes('secretsmanager.GetSecretValue prod/ords/billing'),
  });
  const hostile = () => ({ ordsUrl: attacker.url, secretId: 'prod/ords/billing', prefix: 'loot/' });
  const handlers: Record<string, () => Promise<{ handler: (e: unknown, c: Context) => Promise<unknown> }>> = {
    'start-export': () => import('../../../functions/handlers/start-export.js'),
    'read-job': () => import('../../../functions/handlers/read-job.js'),
    'read-log': () => import('../../../functions/handlers/read-log.js'),
    'copy-file': () => import('../../../functions/handlers/copy-file.js'),
    'clean-up-server': () => import('../../../functions/handlers/clean-up-server.js'),
  };
  const call = async (module: string, event: unknown) => {
    const { handler } = await handlers[module]!();
    return handler(event, context).catch((error: Error) => error);
  };

  it('fails at Start export when the input names a URL and a secret, and no request leaves', async () => {
    const result = await call('start-export', {
      executionName: 'orders_manual',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:backup:orders_manual',
      executionStartTime: '2026-12-01T02:00:00.000Z',
      input: { database: 'orders', ...hostile() },
    });

    expect(result).toMatchObject({ name: ErrorName.InvalidInput });
    expect(seen()).toEqual({ orders: [], billing: [], attacker: 0, billingSecretRead: false });
  });

  it("sends a plain run's requests to the database's own ORDS with its own credentials", async () => {
    await call('start-export', {
      executionName: 'orders_plain',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:backup:orders_plain',
      executionStartTime: '2026-12-01T02:00:00.000Z',
      input: { database: 'orders' },
    });

    const { orders: auth, ...rest } = seen();
    expect(auth.length).toBeGreaterThan(0);
    expect(new Set(auth)).toEqual(new Set([ORDERS_AUTH]));
    expect(rest).toEqual({ billing: [], attacker: 0, billingSecretRead: false });
  });

  it.each([
    ['read-job', {}],
    ['read-log', {}],
    [
      'copy-file',
      { file: { name: 'X-01.DMP', kind: 'dump', key: `orders/2026/12/01/${job.jobName}/X-01.DMP` } },
    ],
    [
      'clean-up-server',
      {
        phase: 'after-failure',
        verdict: {
          verdict: 'failed',
          summary: 'Job … stopped due to fatal error',
          errors: [],
          cause: '',
          files: [],
          dumpFilesLeft: [`ORDERS-${job.runId}-01.DMP`],
          checkedAt: '2026-12-01T02:10:00.000Z',
        },
      },
    ],
  ])(
    'keeps %s on the bound ORDS and secret whatever URL and secret its state carries',
    async (module, extra) => {
      const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:backup:orders_x';
      // The cleanup acts only while its execution holds the run lock.
      await acquireRunLock(
        { s3: s3.client, bucket: s3.bucket, logger: recordingLogger(), executionStatus: async () => 'GONE' },
        {
          database: 'orders',
          prefix: '',
          executionArn,
          executionName: 'orders_x',
          executionStartTime: '2026-12-01T02:00:00.000Z',
        },
      );
      await call(module, {
        executionName: 'orders_x',
        executionArn,
        database: 'orders',
        job,
        ...hostile(),
        ...extra,
      });

      const { orders: auth, ...rest } = seen();
      expect(auth.length).toBeGreaterThan(0);
      expect(new Set(auth)).toEqual(new Set([ORDERS_AUTH]));
      expect(rest).toEqual({ billing: [], attacker: 0, billingSecretRead: false });
      expect(auth).not.toContain(BILLING_AUTH);
    },
  );

  it('fails at Copy file when the state names a key outside the database folder, and no request leaves', async () => {
    const result = await call('copy-file', {
      executionName: 'orders_x',
      database: 'orders',
      job,
      file: { name: 'X-01.DMP', kind: 'dump', key: 'billing/2026/12/01/X-01.DMP' },
    });

    expect(result).toMatchObject({ name: ErrorName.InvalidInput });
    expect(seen()).toEqual({ orders: [], billing: [], attacker: 0, billingSecretRead: false });
  });

  it('fails with UnknownDatabaseError for a database this deployment does not bind', async () => {
    const result = await call('read-job', { executionName: 'x', database: 'payroll', job, ...hostile() });

    expect(result).toMatchObject({ name: ErrorName.UnknownDatabase });
    expect((result as Error).message).toContain('payroll');
    expect(seen()).toEqual({ orders: [], billing: [], attacker: 0, billingSecretRead: false });
  });
});
