import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName, RETRYABLE_ERRORS } from '../../../functions/core/base/errors.js';
import { BINDING_PINS_FILE, resetBindingPins } from '../../../functions/shared/binding-pins.js';
import { bindingFor, resetBindingCache } from '../../../functions/shared/bindings.js';
import { resetClients } from '../../../functions/shared/clients.js';
import { executionStatus } from '../../../functions/shared/executions.js';
import { pinnedJson, TEST_BINDING_PATH, testBinding } from '../../helpers/bindings.js';

const ssm = mockClient(SSMClient);
const sfn = mockClient(SFNClient);
const awsError = (name: string, status: number) =>
  Object.assign(new Error('raw AWS message'), { name, $metadata: { httpStatusCode: status } });

describe('reading a database binding', () => {
  beforeEach(() => {
    ssm.reset();
    resetClients();
    resetBindingCache();
    process.env.AWS_REGION = 'eu-central-1';
    process.env.DATABASE_PARAMETER_PATH = TEST_BINDING_PATH;
  });

  it('reads the parameter under the path once and caches it', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: pinnedJson(testBinding()) } });
    await bindingFor('orders');
    const binding = await bindingFor('orders');

    expect(binding.ordsUrl).toBe('https://db.example.com/ords/pdb1/dbapi_user/');
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input.Name)).toEqual([
      '/test/databases/orders',
    ]);
  });

  it('fails with UnknownDatabaseError naming the database and parameter when there is none', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound', 400));
    const error = await bindingFor('payroll').catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.UnknownDatabase });
    expect((error as Error).message).toContain('"payroll"');
    expect((error as Error).message).toContain('/test/databases/payroll');
  });

  it('fails with a retried AwsUnavailableError when SSM throttles', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ThrottlingException', 400));
    const error = await bindingFor('orders').catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.AwsUnavailable });
    expect(RETRYABLE_ERRORS).toContain((error as Error).name);
  });

  it('fails without retry when the role may not read the parameter', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', 400));
    const error = await bindingFor('orders').catch((e: Error) => e);

    expect(RETRYABLE_ERRORS).not.toContain((error as Error).name);
    expect((error as Error).message).toContain('AccessDeniedException');
  });

  it('fails with BindingMismatchError when the parameter was edited after deploy, and caches nothing', async () => {
    pinnedJson(testBinding());
    const edited = JSON.stringify(testBinding({ ordsUrl: 'https://attacker.example.net/ords/' }));
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: edited } });

    await expect(bindingFor('orders')).rejects.toMatchObject({ name: ErrorName.BindingMismatch });
    await expect(bindingFor('orders')).rejects.toMatchObject({ name: ErrorName.BindingMismatch });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('fails, trusting nothing, when the function has no pins (deployed without its pins layer)', async () => {
    resetBindingPins();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(testBinding()) } });

    await expect(bindingFor('orders')).rejects.toThrow(BINDING_PINS_FILE);
  });
});

describe('reading the status of a lock holder', () => {
  beforeEach(() => {
    sfn.reset();
    resetClients();
  });

  it('reports the status Step Functions gives', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' } as never);
    await expect(executionStatus('arn:x')).resolves.toBe('RUNNING');
  });

  it('reports GONE for an execution Step Functions no longer knows', async () => {
    sfn.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist', 400));
    await expect(executionStatus('arn:x')).resolves.toBe('GONE');
  });

  it('fails with DatabaseBusyError, starting nothing, when the status cannot be read for good', async () => {
    sfn.on(DescribeExecutionCommand).rejects(awsError('AccessDeniedException', 400));
    await expect(executionStatus('arn:x')).rejects.toMatchObject({ name: ErrorName.DatabaseBusy });
  });
});
