import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { backupNow, manualExecutionName } from '../../../../local/commands/backup-now.js';
import { resolveStateMachine, UsageError } from '../../../../local/commands/state-machine.js';

const MACHINE = resolveStateMachine('arn:aws:states:eu-west-1:123456789012:stateMachine:Backup', {});
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:Backup:orders_manual_20261201T120000Z';
const NOW = new Date('2026-12-01T12:00:00.000Z');
const sfn = mockClient(SFNClient);

function harness() {
  const out: string[] = [];
  const err: string[] = [];
  let sleeps = 0;
  const deps = {
    sfn: new SFNClient({ region: 'eu-west-1' }),
    now: () => NOW,
    sleep: async () => {
      sleeps += 1;
    },
    out: (line: string) => out.push(line),
    err: (line: string) => err.push(line),
  };
  return { deps, out, err, sleeps: () => sleeps };
}

const entered = (id: number, type: string, name: string): HistoryEvent => ({
  id,
  previousEventId: id - 1,
  type: type as never,
  timestamp: NOW,
  stateEnteredEventDetails: { name },
});
const event = (id: number, type: string, extra: Partial<HistoryEvent> = {}): HistoryEvent => ({
  id,
  previousEventId: id - 1,
  type: type as never,
  timestamp: NOW,
  ...extra,
});

const SUMMARY = {
  database: 'orders',
  verdict: 'succeeded',
  jobName: 'ORDERS_20261201T120000Z_1A2B',
  manifest: 's3://backups/orders/2026/12/01/ORDERS_20261201T120000Z_1A2B/manifest.json',
  files: [{ name: 'ORDERS-01.DMP', bytes: 3 * 1024 ** 3, uri: 's3://backups/orders/ORDERS-01.DMP' }],
  totalBytes: 3 * 1024 ** 3,
  durationSeconds: 600,
  throughputMiBps: 5.1,
  consistency: 'per-table: point-in-time not enabled',
  serverCleanup: { serverCleanup: 'off', removedFiles: [], droppedControlTable: null },
};

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: NOW });
});

describe('backupNow', () => {
  it('names a run started by hand after the database and the UTC second', () => {
    // GIVEN a start at 14:30:05.123 UTC / WHEN naming it / THEN the stamp is to the second
    expect(manualExecutionName('orders', new Date('2026-12-01T14:30:05.123Z'))).toBe(
      'orders_manual_20261201T143005Z',
    );
  });

  it('starts the execution with the database only, follows it and prints the summary', async () => {
    // GIVEN an execution whose history arrives in two polls, with one retried task
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({
        events: [
          event(1, 'ExecutionStarted'),
          entered(2, 'TaskStateEntered', 'Start export'),
          event(3, 'LambdaFunctionScheduled'),
          event(4, 'LambdaFunctionStarted'),
          event(5, 'LambdaFunctionFailed', {
            lambdaFunctionFailedEventDetails: {
              error: 'OrdsUnavailableError',
              cause: JSON.stringify({ errorType: 'OrdsUnavailableError', errorMessage: 'ORDS answered 503' }),
            },
          }),
        ],
      })
      .resolves({
        events: [
          event(1, 'ExecutionStarted'),
          entered(2, 'TaskStateEntered', 'Start export'),
          event(3, 'LambdaFunctionScheduled'),
          event(4, 'LambdaFunctionStarted'),
          event(5, 'LambdaFunctionFailed'),
          event(6, 'LambdaFunctionScheduled'),
          event(7, 'LambdaFunctionSucceeded'),
          event(8, 'TaskStateExited', { stateExitedEventDetails: { name: 'Start export' } }),
          entered(9, 'WaitStateEntered', 'Wait before polling'),
          entered(10, 'MapStateEntered', 'Copy files'),
          event(11, 'ExecutionSucceeded'),
        ],
      });
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION_ARN,
      status: 'SUCCEEDED',
      startDate: new Date('2026-12-01T12:00:00Z'),
      stopDate: new Date('2026-12-01T12:10:30Z'),
      output: JSON.stringify(SUMMARY),
    });
    const { deps, out, err, sleeps } = harness();

    // WHEN backing up "orders" now
    const code = await backupNow(deps, { database: 'orders', machine: MACHINE, json: false });

    // THEN the execution is named and started with the database only, and its progress and summary print
    expect(code).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: MACHINE.arn,
      name: 'orders_manual_20261201T120000Z',
      input: '{"database":"orders"}',
    });
    expect(sleeps()).toBe(1);
    expect(out).toEqual([
      `Started orders_manual_20261201T120000Z: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION_ARN}`,
      '(stopping this command does not stop the execution)',
      '→ Start export',
      '  ✗ Start export: OrdsUnavailableError: ORDS answered 503',
      '  ↻ Start export: retry 1',
      '→ Copy files',
      '',
      'Backup of "orders" complete in 630 s',
      '  job      ORDERS_20261201T120000Z_1A2B',
      '  verdict  succeeded',
      '  consistency per-table: point-in-time not enabled',
      '  file        3.0 GiB  s3://backups/orders/ORDERS-01.DMP',
      '  total    3.0 GiB · 5.1 MiB/s',
      `  manifest ${SUMMARY.manifest}`,
      '  server   cleanup off: the files and the control table stay on the server',
    ]);
    expect(err).toEqual([]);
  });

  it('reads the next pages at once and only the last page again at the next poll', async () => {
    // GIVEN a history of two pages, whose last page's token has expired by the third read
    sfn
      .on(GetExecutionHistoryCommand, { nextToken: undefined })
      .resolvesOnce({ events: [entered(1, 'TaskStateEntered', 'Start export')], nextToken: 'page-2' })
      .resolves({ events: [entered(1, 'TaskStateEntered', 'Start export')], nextToken: 'page-2' })
      .on(GetExecutionHistoryCommand, { nextToken: 'page-2' })
      .resolvesOnce({ events: [entered(2, 'TaskStateEntered', 'Read job')] })
      .rejectsOnce(new InvalidToken({ message: 'Invalid token', $metadata: {} }))
      .resolves({
        events: [entered(2, 'TaskStateEntered', 'Read job'), event(3, 'ExecutionSucceeded')],
      });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(SUMMARY) });
    const { deps, out, sleeps } = harness();

    // WHEN backing up "orders" now
    await backupNow(deps, { database: 'orders', machine: MACHINE, json: false });

    // THEN page 2 is read right after page 1, the expired token sends the reader back to page 1,
    // and no state is printed twice
    const tokens = sfn.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input.nextToken);
    expect(tokens).toEqual([undefined, 'page-2', 'page-2', undefined, 'page-2']);
    expect(sleeps()).toBe(1);
    expect(out.filter((line) => line.startsWith('→'))).toEqual(['→ Start export', '→ Read job']);
  });

  it('fails with exit code 1 and prints the error name and the sentence of a Lambda cause', async () => {
    // GIVEN an execution that ends in "Backup failed" with a Lambda error
    const cause = JSON.stringify({
      errorType: 'OrdsAuthError',
      errorMessage: 'ORDS answered 401 for user DBAPI_USER — check the secret "prod/ords/orders"',
      trace: ['at x'],
    });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        entered(1, 'FailStateEntered', 'Backup failed'),
        event(2, 'ExecutionFailed', { executionFailedEventDetails: { error: 'OrdsAuthError', cause } }),
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      startDate: new Date('2026-12-01T12:00:00Z'),
      stopDate: new Date('2026-12-01T12:00:04Z'),
      error: 'OrdsAuthError',
      cause,
    });
    const { deps, out, err } = harness();

    // WHEN backing up "orders" now
    const code = await backupNow(deps, { database: 'orders', machine: MACHINE, json: false });

    // THEN the command exits 1 and stderr shows the error and the readable cause, not the JSON
    expect(code).toBe(1);
    expect(out).toContain('→ Backup failed');
    expect(err).toEqual([
      'Backup of "orders" FAILED after 4 s: OrdsAuthError',
      '  ORDS answered 401 for user DBAPI_USER — check the secret "prod/ords/orders"',
    ]);
  });

  it('fails with a line of its own when another run holds the database', async () => {
    // GIVEN an execution refused by the run lock
    const cause = JSON.stringify({
      errorType: 'DatabaseBusyError',
      errorMessage: 'Database "orders" is being backed up by execution orders_20261201T020000Z',
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [event(1, 'ExecutionFailed')] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'DatabaseBusyError', cause });
    const { deps, err } = harness();

    // WHEN backing up "orders" now
    const code = await backupNow(deps, { database: 'orders', machine: MACHINE, json: false });

    // THEN the busy database is named plainly, with the holder from the cause
    expect(code).toBe(1);
    expect(err).toContain(
      '  Database "orders" is busy: another execution is backing it up, so this run started no export.',
    );
    expect(err).toContain('  Database "orders" is being backed up by execution orders_20261201T020000Z');
  });

  it('prints one JSON line on stdout with --json and the progress on stderr', async () => {
    // GIVEN an execution that succeeds at once
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [event(1, 'ExecutionSucceeded')] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(SUMMARY) });
    const { deps, out, err } = harness();

    // WHEN backing up with --json
    const code = await backupNow(deps, { database: 'orders', machine: MACHINE, json: true });

    // THEN stdout holds only the result
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toEqual({
      executionArn: EXECUTION_ARN,
      name: 'orders_manual_20261201T120000Z',
      status: 'SUCCEEDED',
      output: SUMMARY,
    });
    expect(err).toContain('Backup of "orders" complete in 0 s');
  });

  it('fails with a usage error naming a database id that is not one, and starts nothing', async () => {
    // GIVEN a database id with capitals and a space
    const { deps } = harness();

    // WHEN backing it up / THEN the command names the value and what is allowed, and starts nothing
    await expect(backupNow(deps, { database: 'Orders DB', machine: MACHINE, json: false })).rejects.toThrow(
      new UsageError(
        'database "Orders DB" is not a database id; allowed: 2 to 32 of a-z, 0-9 and -, starting with a letter',
      ),
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('fails with a usage error when the state machine does not exist', async () => {
    // GIVEN a state machine ARN from another deployment
    sfn
      .on(StartExecutionCommand)
      .rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));
    const { deps } = harness();

    // WHEN / THEN the command stops with the ARN and AWS's answer
    await expect(backupNow(deps, { database: 'orders', machine: MACHINE, json: false })).rejects.toThrow(
      /^Starting execution orders_manual_20261201T120000Z of arn:aws:states:eu-west-1:123456789012:stateMachine:Backup failed: StateMachineDoesNotExist/,
    );
  });
});

describe('resolveStateMachine', () => {
  it('fails when no ARN is given and says how to read it from the stack', () => {
    // GIVEN neither --state-machine-arn nor the variable / WHEN resolving / THEN the message has the command
    expect(() => resolveStateMachine(undefined, {})).toThrow(
      /--state-machine-arn ARN or set ORDS_BACKUP_STATE_MACHINE_ARN[\s\S]*aws cloudformation describe-stacks --stack-name OrdsDatapumpBackup --query "Stacks\[0\]\.Outputs\[\?OutputKey=='StateMachineArn'\]\.OutputValue"/,
    );
  });

  it('reads the ARN from the environment when no flag is given', () => {
    // GIVEN only ORDS_BACKUP_STATE_MACHINE_ARN / WHEN resolving / THEN its region and name are read
    const machine = resolveStateMachine(undefined, { ORDS_BACKUP_STATE_MACHINE_ARN: MACHINE.arn });
    expect(machine).toEqual({ arn: MACHINE.arn, region: 'eu-west-1', name: 'Backup' });
  });

  it('fails naming a value that is not a state machine ARN', () => {
    // GIVEN a Lambda ARN / WHEN resolving / THEN the flag and the value are named
    expect(() => resolveStateMachine('arn:aws:lambda:eu-west-1:123456789012:function:x', {})).toThrow(
      '--state-machine-arn "arn:aws:lambda:eu-west-1:123456789012:function:x" is not a state machine ARN',
    );
  });
});
