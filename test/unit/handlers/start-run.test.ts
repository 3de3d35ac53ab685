import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetClients } from '../../../functions/shared/clients.js';

const STATE_MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:Backup';
const context = { functionName: 'StartRun', awsRequestId: 'req-1' } as unknown as Context;

describe('the "Start run" handler', () => {
  const sfn = mockClient(SFNClient);
  const savedEnv = { ...process.env };
  beforeAll(() => {
    process.env.STATE_MACHINE_ARN = STATE_MACHINE;
    process.env.AWS_REGION = 'eu-central-1';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  });
  afterAll(() => {
    process.env = savedEnv;
  });
  beforeEach(() => {
    sfn.reset();
    resetClients();
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x`, startDate: new Date() });
  });

  it('starts the state machine of STATE_MACHINE_ARN with the schedule input', async () => {
    const { handler } = await import('../../../functions/handlers/start-run.js');

    await handler({ database: 'orders', scheduledTime: '2026-12-01T02:00:00Z' }, context);

    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toMatchObject({
      stateMachineArn: STATE_MACHINE,
      name: 'orders_20261201T020000Z',
    });
  });

  it('fails an input that carries more than the database and the scheduled time', async () => {
    const { handler } = await import('../../../functions/handlers/start-run.js');

    await expect(
      handler(
        { database: 'orders', scheduledTime: '2026-12-01T02:00:00Z', ordsUrl: 'https://anywhere.example/' },
        context,
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('ordsUrl') });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
