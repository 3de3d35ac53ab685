import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { startRun } from '../../../../functions/core/run/start-run.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const STATE_MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:Backup';
const EXECUTION = 'arn:aws:states:eu-central-1:123456789012:execution:Backup:orders_20261201T020000Z';

describe('startRun', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());

  const deps = (logger = recordingLogger()) => ({
    sfn: new SFNClient({ region: 'eu-central-1' }),
    stateMachineArn: STATE_MACHINE,
    logger,
  });

  it('starts the backup named after the database and the scheduled time, with only those in its input', async () => {
    // GIVEN Step Functions accepts the execution
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });

    // WHEN the schedule of orders fires for 02:00 UTC
    const result = await startRun(deps(), { database: 'orders', scheduledTime: '2026-12-01T02:00:00Z' });

    // THEN one execution starts, named deterministically, with the contract's input
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: 'orders_20261201T020000Z',
      input: '{"database":"orders","scheduledTime":"2026-12-01T02:00:00Z"}',
    });
    expect(result).toEqual({
      executionName: 'orders_20261201T020000Z',
      executionArn: EXECUTION,
      started: true,
    });
  });

  it('answers success without starting anything when the execution already exists', async () => {
    // GIVEN a duplicate delivery: Step Functions refuses the name
    sfn
      .on(StartExecutionCommand)
      .rejects(
        new ExecutionAlreadyExists({ message: `Execution Already Exists: '${EXECUTION}'`, $metadata: {} }),
      );
    const logger = recordingLogger();

    // WHEN the launcher runs
    const result = await startRun(deps(logger), {
      database: 'orders',
      scheduledTime: '2026-12-01T02:00:00Z',
    });

    // THEN it reports the existing execution and logs it by name
    expect(result).toEqual({
      executionName: 'orders_20261201T020000Z',
      executionArn: EXECUTION,
      started: false,
    });
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        extra: { executionName: 'orders_20261201T020000Z', executionArn: EXECUTION },
      }),
    ]);
  });

  it('fails when Step Functions refuses for another reason, so the invocation is retried', async () => {
    // GIVEN Step Functions throttles
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // WHEN / THEN the launcher throws the error
    await expect(
      startRun(deps(), { database: 'orders', scheduledTime: '2026-12-01T02:00:00Z' }),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('fails before calling Step Functions when the scheduled time is not ISO-8601', async () => {
    await expect(
      startRun(deps(), { database: 'orders', scheduledTime: '<aws.scheduler.scheduled-time>' }),
    ).rejects.toThrow('scheduledTime "<aws.scheduler.scheduled-time>" is not an ISO-8601 time');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
