import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { databaseOfName, listRuns, parseLimit } from '../../../../local/commands/list-runs.js';
import { resolveStateMachine } from '../../../../local/commands/state-machine.js';

const MACHINE = resolveStateMachine('arn:aws:states:eu-west-1:123456789012:stateMachine:Backup', {});
const NOW = new Date('2026-12-01T12:00:00Z');
const sfn = mockClient(SFNClient);

function harness() {
  const out: string[] = [];
  const err: string[] = [];
  const deps = {
    sfn: new SFNClient({ region: 'eu-west-1' }),
    now: () => NOW,
    out: (line: string) => out.push(line),
    err: (line: string) => err.push(line),
  };
  return { deps, out, err };
}

function execution(name: string, status: string, start: string, stop?: string): ExecutionListItem {
  return {
    executionArn: `arn:aws:states:eu-west-1:123456789012:execution:Backup:${name}`,
    stateMachineArn: MACHINE.arn,
    name,
    status: status as never,
    startDate: new Date(start),
    ...(stop ? { stopDate: new Date(stop) } : {}),
  };
}

const LINK = 'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/';

beforeEach(() => {
  sfn.reset();
});

describe('listRuns', () => {
  it('lists the newest runs with verdict, size, duration and console link', async () => {
    // GIVEN one succeeded, one failed and one running execution
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution('orders_manual_20261201T115000Z', 'RUNNING', '2026-12-01T11:50:00Z'),
        execution('orders_20261201T020000Z', 'SUCCEEDED', '2026-12-01T02:00:00Z', '2026-12-01T02:42:05Z'),
        execution('billing_20261201T020000Z', 'FAILED', '2026-12-01T02:00:00Z', '2026-12-01T02:00:07Z'),
      ],
    });
    sfn
      .on(DescribeExecutionCommand, {
        executionArn: execution('orders_20261201T020000Z', 'SUCCEEDED', NOW.toISOString()).executionArn,
      })
      .resolves({
        input: '{"database":"orders"}',
        output: JSON.stringify({ verdict: 'succeeded', totalBytes: 5 * 1024 ** 3 }),
      })
      .on(DescribeExecutionCommand, {
        executionArn: execution('billing_20261201T020000Z', 'FAILED', NOW.toISOString()).executionArn,
      })
      .resolves({ input: '{"database":"billing"}', error: 'OrdsAuthError' });
    const { deps, out } = harness();

    // WHEN listing the last 10 runs
    const code = await listRuns(deps, { machine: MACHINE, limit: 10, json: false });

    // THEN each run has its line and its link; only the ended ones are described
    expect(code).toBe(0);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: MACHINE.arn,
      maxResults: 10,
      nextToken: undefined,
    });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2);
    expect(out).toEqual([
      'orders       2026-12-01T11:50:00Z RUNNING                           10 min 00 s',
      `  ${LINK}arn:aws:states:eu-west-1:123456789012:execution:Backup:orders_manual_20261201T115000Z`,
      'orders       2026-12-01T02:00:00Z succeeded                5.0 GiB  42 min 05 s',
      `  ${LINK}arn:aws:states:eu-west-1:123456789012:execution:Backup:orders_20261201T020000Z`,
      'billing      2026-12-01T02:00:00Z FAILED                                    7 s OrdsAuthError',
      `  ${LINK}arn:aws:states:eu-west-1:123456789012:execution:Backup:billing_20261201T020000Z`,
    ]);
  });

  it('pages through the executions to find the runs of one database, up to the limit', async () => {
    // GIVEN two pages where "orders" runs are spread among other databases'
    sfn
      .on(ListExecutionsCommand, { nextToken: undefined })
      .resolves({
        executions: [
          execution('billing_20261203T020000Z', 'SUCCEEDED', '2026-12-03T02:00:00Z', '2026-12-03T02:01:00Z'),
          execution('orders_20261203T020000Z', 'ABORTED', '2026-12-03T02:00:00Z', '2026-12-03T02:05:00Z'),
          execution(
            'orders-eu_20261203T020000Z',
            'SUCCEEDED',
            '2026-12-03T02:00:00Z',
            '2026-12-03T02:01:00Z',
          ),
        ],
        nextToken: 'page-2',
      })
      .on(ListExecutionsCommand, { nextToken: 'page-2' })
      .resolves({
        executions: [
          execution('orders_20261202T020000Z', 'FAILED', '2026-12-02T02:00:00Z', '2026-12-02T02:00:09Z'),
          execution('orders_20261201T020000Z', 'FAILED', '2026-12-01T02:00:00Z', '2026-12-01T02:00:09Z'),
        ],
        nextToken: 'page-3',
      });
    sfn.on(DescribeExecutionCommand).resolves({ input: '{"database":"orders"}', error: 'ExportFailedError' });
    const { deps, out } = harness();

    // WHEN listing the last 2 runs of "orders"
    await listRuns(deps, { machine: MACHINE, database: 'orders', limit: 2, json: false });

    // THEN full pages are read until two "orders" runs are found, and no further
    const calls = sfn.commandCalls(ListExecutionsCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      { stateMachineArn: MACHINE.arn, maxResults: 1000, nextToken: undefined },
      { stateMachineArn: MACHINE.arn, maxResults: 1000, nextToken: 'page-2' },
    ]);
    expect(out.filter((line) => !line.startsWith('  ')).map((line) => line.split(/\s+/).slice(0, 3))).toEqual(
      [
        ['orders', '2026-12-03T02:00:00Z', 'ABORTED'],
        ['orders', '2026-12-02T02:00:00Z', 'FAILED'],
      ],
    );
  });

  it('prints the runs as one JSON array with --json', async () => {
    // GIVEN one succeeded execution
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution('orders_20261201T020000Z', 'SUCCEEDED', '2026-12-01T02:00:00Z', '2026-12-01T02:10:00Z'),
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({
      input: '{"database":"orders"}',
      output: JSON.stringify({ verdict: 'completed-with-errors', totalBytes: 1024 }),
    });
    const { deps, out } = harness();

    // WHEN listing with --json
    await listRuns(deps, { machine: MACHINE, limit: 5, json: true });

    // THEN stdout holds one parsable line with every field
    expect(out).toHaveLength(1);
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:Backup:orders_20261201T020000Z';
    expect(JSON.parse(out[0]!)).toEqual([
      {
        database: 'orders',
        name: 'orders_20261201T020000Z',
        verdict: 'completed-with-errors',
        status: 'SUCCEEDED',
        startDate: '2026-12-01T02:00:00Z',
        durationSeconds: 600,
        totalBytes: 1024,
        tier: null,
        deletableFrom: null,
        error: null,
        executionArn: arn,
        link: `${LINK}${arn}`,
      },
    ]);
  });

  it("shows a backup's retention tier and the date it may be deleted from", async () => {
    // GIVEN a succeeded execution whose output carries its tier, and one whose tier is hostile text
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        execution('orders_20261201T020000Z', 'SUCCEEDED', '2026-12-01T02:00:00Z', '2026-12-01T02:10:00Z'),
        execution('orders_20261130T020000Z', 'SUCCEEDED', '2026-11-30T02:00:00Z', '2026-11-30T02:10:00Z'),
      ],
    });
    sfn
      .on(DescribeExecutionCommand, {
        executionArn: execution('orders_20261201T020000Z', 'SUCCEEDED', NOW.toISOString()).executionArn,
      })
      .resolves({
        input: '{"database":"orders"}',
        output: JSON.stringify({
          verdict: 'succeeded',
          totalBytes: 1024,
          tier: 'monthly',
          deletableFrom: '2027-12-09T00:00:00.000Z',
        }),
      })
      .on(DescribeExecutionCommand, {
        executionArn: execution('orders_20261130T020000Z', 'SUCCEEDED', NOW.toISOString()).executionArn,
      })
      .resolves({
        input: '{"database":"orders"}',
        output: JSON.stringify({ verdict: 'succeeded', totalBytes: 1024, tier: '\u001b[2Jdaily' }),
      });
    const { deps, out } = harness();

    // WHEN listing the runs
    await listRuns(deps, { machine: MACHINE, limit: 10, json: false });

    // THEN the tier and date follow the duration; text that is no tier is not printed
    expect(out[0]).toBe(
      'orders       2026-12-01T02:00:00Z succeeded                1.0 KiB  10 min 00 s monthly, deletable from 2027-12-09',
    );
    expect(out[2]).not.toContain('daily');
  });

  it('says so when the database has no run', async () => {
    // GIVEN no execution at all
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const { deps, out } = harness();

    // WHEN listing the runs of "orders"
    await listRuns(deps, { machine: MACHINE, database: 'orders', limit: 5, json: false });

    // THEN one line says there is none
    expect(out).toEqual([`No runs of "orders" on ${MACHINE.arn}`]);
  });

  it('fails naming a --limit that is not a whole number from 1 to 200', () => {
    // GIVEN "ten" / WHEN parsing / THEN the value is named; without the flag the limit is 10
    expect(() => parseLimit('ten')).toThrow('--limit must be a whole number from 1 to 200, got "ten"');
    expect(parseLimit(undefined)).toBe(10);
  });

  it('reads the database from the execution name prefix', () => {
    // GIVEN a by-hand name and a name of no run / WHEN reading / THEN the prefix, or null
    expect(databaseOfName('orders-eu_manual_20261201T120000Z')).toBe('orders-eu');
    expect(databaseOfName('some-other-run')).toBeNull();
  });
});

describe('listRuns and the ORDS slots', () => {
  const entered = (name: string, at: string, id: number) => ({
    id,
    timestamp: new Date(at),
    type: 'TaskStateEntered' as const,
    stateEnteredEventDetails: { name },
  });

  it('shows who waited for an ORDS slot, how long and how many tries, and who missed the window', async () => {
    // GIVEN a run that waited 20 minutes for its slot, and one that missed its window
    const waited = execution(
      'orders_20261201T010000Z',
      'SUCCEEDED',
      '2026-12-01T01:00:00Z',
      '2026-12-01T02:00:00Z',
    );
    const missed = execution(
      'billing_20261201T010000Z',
      'FAILED',
      '2026-12-01T01:00:00Z',
      '2026-12-01T05:00:00Z',
    );
    sfn.on(ListExecutionsCommand).resolves({ executions: [waited, missed] });
    sfn
      .on(DescribeExecutionCommand, { executionArn: waited.executionArn })
      .resolves({ input: '{"database":"orders"}', output: '{"verdict":"succeeded"}' })
      .on(DescribeExecutionCommand, { executionArn: missed.executionArn })
      .resolves({ input: '{"database":"billing"}', error: 'MissedBackupWindowError' });
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: waited.executionArn })
      .resolves({
        events: [
          entered('Take an ORDS slot', '2026-12-01T01:00:01Z', 2),
          entered('Waiting for an ORDS slot', '2026-12-01T01:00:02Z', 3),
          entered('Waiting for an ORDS slot', '2026-12-01T01:10:02Z', 4),
          entered('Start export', '2026-12-01T01:20:01Z', 5),
        ],
      })
      .on(GetExecutionHistoryCommand, { executionArn: missed.executionArn })
      .resolves({
        events: [
          entered('Take an ORDS slot', '2026-12-01T01:00:01Z', 2),
          entered('Waiting for an ORDS slot', '2026-12-01T01:00:02Z', 3),
          entered('Window closed', '2026-12-01T05:00:01Z', 4),
        ],
      });
    const { deps, out } = harness();

    // WHEN listing them as JSON and as a table
    await listRuns(deps, { machine: MACHINE, limit: 10, json: true });
    await listRuns(deps, { machine: MACHINE, limit: 10, json: false });

    // THEN each row carries its wait
    const rows = JSON.parse(out[0]!) as Array<{ slotWait?: unknown }>;
    expect(rows.map((row) => row.slotWait)).toEqual([
      { seconds: 1200, tries: 2, taken: true },
      { seconds: 14400, tries: 1, taken: false },
    ]);
    expect(out[1]).toContain('waited 20 min 00 s for an ORDS slot (2 tries)');
    expect(out[3]).toContain(
      'MissedBackupWindowError waited 4 h 00 min for an ORDS slot (1 tries, window missed)',
    );
  });
});
