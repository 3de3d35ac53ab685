import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../functions/core/doctor/doctor.js';
import { resetClients } from '../../../functions/shared/clients.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../simulator/index.js';
import { pinnedJson, TEST_BINDING_PATH, testBinding } from '../../helpers/bindings.js';
import { mockSecretReader } from '../../helpers/secret-reader.js';

const context = { functionName: 'Doctor', awsRequestId: 'req-1' } as unknown as Context;
const SECRET = JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' });

describe('the doctor handler', () => {
  const ssm = mockClient(SSMClient);
  const secrets = mockClient(SecretsManagerClient);
  const savedEnv = { ...process.env };
  let sim: OrdsSimulator;
  beforeAll(() => {
    process.env.DATABASE_PARAMETER_PATH = TEST_BINDING_PATH;
    process.env.AWS_REGION = 'eu-central-1';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    mockSecretReader();
  });
  afterAll(() => {
    process.env = savedEnv;
  });
  beforeEach(async () => {
    sim = await startOrdsSimulator();
    ssm.reset();
    secrets.reset();
    resetClients();
    ssm
      .on(GetParameterCommand, { Name: `${TEST_BINDING_PATH}/orders` })
      .resolves({ Parameter: { Value: pinnedJson(testBinding({ ordsUrl: sim.url })) } });
    secrets.on(GetSecretValueCommand, { SecretId: 'prod/ords/orders' }).resolves({ SecretString: SECRET });
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('checks the bound database through its secret and ORDS and returns the report', async () => {
    const { handler } = await import('../../../functions/handlers/doctor.js');

    const report = (await handler({ database: 'orders' }, context)) as DoctorReport;

    expect(report).toMatchObject({ database: 'orders', ok: true });
    expect(report.checks.map((check) => check.status)).toEqual([
      ...Array(7).fill('ok'),
      'skipped',
      'skipped',
      'ok',
      'ok',
      'skipped',
      'ok',
      'skipped',
      'skipped',
    ]);
    expect(JSON.stringify(report)).not.toContain('secret-password');
  });

  it('reads the binding again at every invocation, so a fix just deployed is seen', async () => {
    const { handler } = await import('../../../functions/handlers/doctor.js');
    await handler({ database: 'orders' }, context);
    await handler({ database: 'orders' }, context);

    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('names the deployed databases when asked for one that is not bound', async () => {
    ssm.on(GetParameterCommand, { Name: `${TEST_BINDING_PATH}/ordres` }).rejects(
      Object.assign(new Error('not found'), {
        name: 'ParameterNotFound',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [{ Name: `${TEST_BINDING_PATH}/orders` }, { Name: `${TEST_BINDING_PATH}/billing` }],
    });
    const { handler } = await import('../../../functions/handlers/doctor.js');

    const report = (await handler({ database: 'ordres' }, context)) as DoctorReport;

    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: 'Binding', status: 'failed' });
    expect(report.checks[0]!.fix).toContain('(billing, orders)');
    expect(ssm.commandCalls(GetParametersByPathCommand)[0]!.args[0].input.Path).toBe(TEST_BINDING_PATH);
  });

  it('fails an input that is not {"database": "<id>"} with InvalidInputError', async () => {
    const { handler } = await import('../../../functions/handlers/doctor.js');

    await expect(
      handler({ database: 'orders', ordsUrl: 'https://elsewhere.example/' }, context),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
    await expect(handler({ database: '../etc' }, context)).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
  });
});
