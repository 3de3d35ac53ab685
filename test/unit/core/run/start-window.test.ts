import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type MissedRun, StartWindowInputSchema, startWindow } from '../../../../functions/core/run/index.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const STATE_MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:Backup';
const WINDOW = { start: '01:00', hours: 4, timeZone: 'Europe/Berlin' };
/** 01:00 in Berlin on 2026-12-07. */
const OPENS = '2026-12-07T00:00:00Z';
const CLOSES = '2026-12-07T04:00:00.000Z';
const PINS = {
  orders: { ordsUrl: 'https://a.example.com/ords/orders/', prefix: 'oracle/' },
  hr: { ordsUrl: 'https://a.example.com/ords/hr/', prefix: '' },
  sales: { ordsUrl: 'https://b.example.com/ords/sales/', prefix: 'oracle/' },
  stock: { ordsUrl: 'https://b.example.com/ords/stock/', prefix: '' },
};

const record = (database: string, fields: Record<string, unknown>) => ({
  Body: {
    transformToString: async () =>
      JSON.stringify({
        lastBackupVersion: 1,
        database,
        finishedAt: '2026-12-06T03:00:00Z',
        jobName: 'DATAPUMP_REST_EXPORT_1',
        verdict: 'succeeded',
        manifest: `s3://backups/${database}/manifest.json`,
        ...fields,
      }),
  } as never,
});

const input = (databases = ['orders', 'hr', 'sales', 'stock'], scheduledTime = OPENS) =>
  StartWindowInputSchema.parse({ window: WINDOW, databases, scheduledTime });

/** The names and inputs Step Functions was asked to start, in order. */
const mockSfn = () => mockClient(SFNClient);

function startedExecutions(sfn: ReturnType<typeof mockSfn>) {
  return sfn.commandCalls(StartExecutionCommand).map((call) => ({
    name: call.args[0].input.name,
    input: JSON.parse(call.args[0].input.input!),
  }));
}

describe('startWindow', () => {
  const sfn = mockSfn();
  const s3 = mockClient(S3Client);
  let queued: MissedRun[][];
  let now: Date;
  let logger: ReturnType<typeof recordingLogger>;
  beforeEach(() => {
    sfn.reset();
    s3.reset();
    queued = [];
    now = new Date('2026-12-07T00:00:20Z');
    logger = recordingLogger();
    // hr: slow; sales: slower still; orders: fast but big; stock: never backed up
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no such key', $metadata: {} }));
    s3.on(GetObjectCommand, { Key: 'oracle/orders/last-backup.json' }).resolves(
      record('orders', { totalBytes: 9e11, durationSeconds: 600 }),
    );
    s3.on(GetObjectCommand, { Key: 'hr/last-backup.json' }).resolves(
      record('hr', { totalBytes: 1e9, durationSeconds: 5400 }),
    );
    s3.on(GetObjectCommand, { Key: 'oracle/sales/last-backup.json' }).resolves(
      record('sales', { totalBytes: 2e9, durationSeconds: 7200 }),
    );
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
    sfn.on(StartExecutionCommand).callsFake((request) => ({
      executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${request.name}`,
    }));
  });

  const deps = () => ({
    sfn: new SFNClient({ region: 'eu-central-1' }),
    s3: new S3Client({ region: 'eu-central-1' }),
    stateMachineArn: STATE_MACHINE,
    bucket: 'backups',
    pins: PINS,
    logger,
    now: () => now,
    sendMissed: async (runs: readonly MissedRun[]) => {
      queued.push([...runs]);
    },
  });

  it('starts every database once, slowest first, named like a scheduled run, with its place in the window', async () => {
    const result = await startWindow(deps(), input());

    expect(result.order).toEqual(['sales', 'hr', 'orders', 'stock']);
    expect(startedExecutions(sfn)).toEqual([
      {
        name: 'sales_20261207T000000Z',
        input: { database: 'sales', scheduledTime: OPENS, window: { closesAt: CLOSES, rank: 0 } },
      },
      {
        name: 'hr_20261207T000000Z',
        input: { database: 'hr', scheduledTime: OPENS, window: { closesAt: CLOSES, rank: 1 } },
      },
      {
        name: 'orders_20261207T000000Z',
        input: { database: 'orders', scheduledTime: OPENS, window: { closesAt: CLOSES, rank: 2 } },
      },
      {
        name: 'stock_20261207T000000Z',
        input: { database: 'stock', scheduledTime: OPENS, window: { closesAt: CLOSES, rank: 3 } },
      },
    ]);
    expect(result).toMatchObject({ opensAt: '2026-12-07T00:00:00.000Z', closesAt: CLOSES, missed: [] });
    expect(queued).toEqual([]);
  });

  it('reads each record only under its pinned prefix', async () => {
    await startWindow(deps(), input());

    expect(
      s3
        .commandCalls(GetObjectCommand)
        .map((call) => call.args[0].input.Key)
        .sort(),
    ).toEqual([
      'hr/last-backup.json',
      'oracle/orders/last-backup.json',
      'oracle/sales/last-backup.json',
      'stock/last-backup.json',
    ]);
  });

  it('counts an unreadable, forged, size-less or unpinned record as unknown and still starts the database', async () => {
    s3.on(GetObjectCommand, { Key: 'hr/last-backup.json' }).resolves({
      Body: { transformToString: async () => 'not json' } as never,
    });
    s3.on(GetObjectCommand, { Key: 'oracle/sales/last-backup.json' }).resolves(
      record('orders', { totalBytes: 1, durationSeconds: 99_999 }),
    );
    s3.on(GetObjectCommand, { Key: 'oracle/orders/last-backup.json' }).resolves(record('orders', {}));
    const result = await startWindow(deps(), input(['orders', 'hr', 'sales', 'stock', 'ghost']));

    // no history anywhere: by id
    expect(result.order).toEqual(['ghost', 'hr', 'orders', 'sales', 'stock']);
    expect(result.started).toHaveLength(5);
    expect(logger.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual(
      expect.arrayContaining([
        'No pin for a database of the window: its last run counts as unknown',
        'Last-backup record unreadable: the last run counts as unknown',
      ]),
    );
  });

  it('starts nothing twice when the window is delivered again: Step Functions refuses the names', async () => {
    const names = new Set<string>();
    sfn.on(StartExecutionCommand).callsFake((request) => {
      if (names.has(request.name)) {
        throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
      }
      names.add(request.name);
      return { executionArn: `arn:aws:states:eu-central-1:123456789012:execution:Backup:${request.name}` };
    });

    const first = await startWindow(deps(), input());
    const second = await startWindow(deps(), input());

    expect(first.started).toHaveLength(4);
    expect(second).toMatchObject({ started: [], missed: [] });
    expect(second.alreadyStarted).toEqual(['sales', 'hr', 'orders', 'stock']);
    expect(names.size).toBe(4);
  });

  it('tries a throttled database again after the others, and queues it only when it fails twice', async () => {
    const attempts = new Map<string, number>();
    sfn.on(StartExecutionCommand).callsFake((request) => {
      const database = request.name.split('_')[0];
      attempts.set(database, (attempts.get(database) ?? 0) + 1);
      if (database === 'hr' && attempts.get(database) === 1) {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      if (database === 'orders')
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { executionArn: `arn:aws:states:eu-central-1:123456789012:execution:Backup:${request.name}` };
    });

    const result = await startWindow({ ...deps() }, input());

    expect(startedExecutions(sfn).map((call) => call.name!.split('_')[0])).toEqual([
      'sales',
      'hr',
      'orders',
      'stock',
      'hr',
      'orders',
    ]);
    expect(result.started).toEqual(['sales', 'stock', 'hr']);
    expect(queued).toEqual([
      [
        {
          database: 'orders',
          scheduledTime: OPENS,
          window: { closesAt: CLOSES, rank: 2 },
          reason: 'Step Functions did not start it twice (ThrottlingException: Rate exceeded)',
        },
      ],
    ]);
    expect(logger.lines.some((line) => line.level === 'error')).toBe(true);
  });

  it('starts nothing after the window closed: every database goes to the missed-runs queue, loudly', async () => {
    now = new Date('2026-12-07T04:00:00Z');

    const result = await startWindow(deps(), input());

    expect(sfn.commandCalls(StartExecutionCommand)).toEqual([]);
    expect(result.started).toEqual([]);
    expect(queued).toHaveLength(1);
    expect(queued[0]!.map((run) => run.database)).toEqual(['orders', 'hr', 'sales', 'stock']);
    expect(queued[0]![0]!.reason).toContain('closed at 2026-12-07T04:00:00.000Z');
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('after the close, queues only what an earlier invocation of the same delivery did not start', async () => {
    // GIVEN an earlier invocation started sales and hr, then timed out; Lambda retries after the close
    now = new Date('2026-12-07T04:01:00Z');
    for (const database of ['sales', 'hr']) {
      sfn
        .on(DescribeExecutionCommand, {
          executionArn: `arn:aws:states:eu-central-1:123456789012:execution:Backup:${database}_20261207T000000Z`,
        })
        .resolves({ status: 'RUNNING' });
    }

    const result = await startWindow(deps(), input());

    expect(sfn.commandCalls(StartExecutionCommand)).toEqual([]);
    expect(result.alreadyStarted).toEqual(['hr', 'sales']);
    expect(queued[0]!.map((run) => run.database)).toEqual(['orders', 'stock']);
  });

  it('counts a run whose existence cannot be read as missed, never as started', async () => {
    now = new Date('2026-12-07T04:01:00Z');
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    const result = await startWindow(deps(), input(['orders']));

    expect(result.alreadyStarted).toEqual([]);
    expect(queued[0]!.map((run) => run.database)).toEqual(['orders']);
  });

  it('stops starting when the window closes while it starts: the rest go to the queue', async () => {
    // Each start takes the clock 80 minutes further: after the third it is 04:00:20.
    sfn.on(StartExecutionCommand).callsFake((request) => {
      now = new Date(now.getTime() + 80 * 60_000);
      return { executionArn: `arn:aws:states:eu-central-1:123456789012:execution:Backup:${request.name}` };
    });

    const result = await startWindow(deps(), input());

    expect(result.started).toEqual(['sales', 'hr', 'orders']);
    expect(queued[0]).toEqual([
      {
        database: 'stock',
        scheduledTime: OPENS,
        window: { closesAt: CLOSES, rank: 3 },
        reason: `the window closed at ${CLOSES} before it could be started`,
      },
    ]);
  });

  it('throws when the queue refuses the missed runs, so that Lambda retries the invocation', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const refusing = {
      ...deps(),
      sendMissed: async () => {
        throw new Error('SQS unavailable');
      },
    };

    await expect(startWindow(refusing, input())).rejects.toThrow('SQS unavailable');
  });

  it('refuses a scheduled time that is not the window start, starting nothing', async () => {
    await expect(startWindow(deps(), input(['orders'], '2026-12-07T01:00:00Z'))).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('is 02:00 in Europe/Berlin, not the start of the window (01:00)'),
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toEqual([]);
  });
});

describe('StartWindowInputSchema', () => {
  it.each([
    [{ window: WINDOW, databases: [], scheduledTime: OPENS }, 'databases'],
    [{ window: WINDOW, databases: ['orders', 'orders'], scheduledTime: OPENS }, 'each database at most once'],
    [{ window: WINDOW, databases: ['../etc'], scheduledTime: OPENS }, 'databases'],
    [{ window: { ...WINDOW, hours: 30 }, databases: ['orders'], scheduledTime: OPENS }, 'hours 30'],
    [{ window: WINDOW, databases: ['orders'], scheduledTime: OPENS, ordsUrl: 'https://evil' }, 'ordsUrl'],
  ])('refuses %j', (value, message) => {
    const parsed = StartWindowInputSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error!.issues)).toContain(message);
  });

  it('takes 1,000 databases, not more', () => {
    const ids = (count: number) => Array.from({ length: count }, (_, index) => `db-${index}`);
    expect(
      StartWindowInputSchema.safeParse({ window: WINDOW, databases: ids(1000), scheduledTime: OPENS })
        .success,
    ).toBe(true);
    expect(
      StartWindowInputSchema.safeParse({ window: WINDOW, databases: ids(1001), scheduledTime: OPENS })
        .success,
    ).toBe(false);
  });
});
