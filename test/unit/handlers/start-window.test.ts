import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addBindingPins, resetBindingPins } from '../../../functions/shared/binding-pins.js';
import { resetClients } from '../../../functions/shared/clients.js';

const STATE_MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:Backup';
const QUEUE = 'https://sqs.eu-central-1.amazonaws.com/123456789012/missed-runs';
const context = { functionName: 'StartWindow', awsRequestId: 'req-1' } as unknown as Context;
const DATABASES = Array.from({ length: 12 }, (_, index) => `db-${String(index).padStart(2, '0')}`);
/** A window that closed long ago: nothing may start, every run goes to the queue. */
const CLOSED = {
  window: { start: '01:00', hours: 1, timeZone: 'UTC' },
  databases: DATABASES,
  scheduledTime: '2020-01-01T01:00:00Z',
};

describe('the "Start window" handler', () => {
  const sfn = mockClient(SFNClient);
  const sqs = mockClient(SQSClient);
  const savedEnv = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, {
      STATE_MACHINE_ARN: STATE_MACHINE,
      BUCKET_NAME: 'backups',
      MISSED_RUNS_QUEUE_URL: QUEUE,
      AWS_REGION: 'eu-central-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    addBindingPins(
      Object.fromEntries(
        DATABASES.map((id) => [id, { ordsUrl: 'https://a.example.com/ords/x/', prefix: '' }]),
      ),
    );
  });
  afterAll(() => {
    process.env = savedEnv;
    resetBindingPins();
  });
  beforeEach(() => {
    sfn.reset();
    sqs.reset();
    resetClients();
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
  });

  it('sends one message per run not started to MISSED_RUNS_QUEUE_URL, in batches of 10, and starts nothing late', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const { handler } = await import('../../../functions/handlers/start-window.js');

    const result = await handler(CLOSED, context);

    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(result).toMatchObject({ started: 0, missed: DATABASES });
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(batches.map((batch) => [batch.QueueUrl, batch.Entries!.length])).toEqual([
      [QUEUE, 10],
      [QUEUE, 2],
    ]);
    expect(JSON.parse(batches[1]!.Entries![1]!.MessageBody!)).toMatchObject({
      database: 'db-11',
      scheduledTime: '2020-01-01T01:00:00Z',
      reason: expect.stringContaining('closed at 2020-01-01T02:00:00.000Z'),
    });
  });

  it('fails when the queue does not take a run, naming it, so Lambda retries and keeps the event', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [] })
      .resolves({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] });
    const { handler } = await import('../../../functions/handlers/start-window.js');

    await expect(handler(CLOSED, context)).rejects.toThrow(
      'The missed-runs queue did not take the runs of db-11',
    );
  });

  it('refuses an input that names where to back up from', async () => {
    const { handler } = await import('../../../functions/handlers/start-window.js');

    await expect(handler({ ...CLOSED, ordsUrl: 'https://anywhere.example/' }, context)).rejects.toMatchObject(
      {
        name: 'InvalidInputError',
      },
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});
