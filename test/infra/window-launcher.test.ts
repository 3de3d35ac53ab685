import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartWindowInputSchema } from '../../functions/core/run/index.js';
import { nagViolationsOf } from './nag.js';
import {
  actionsOf,
  configOf,
  type Json,
  logicalIdOf,
  resourcesOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

const BERLIN = { start: '01:00', hours: 4, timeZone: 'Europe/Berlin' };
const database = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  ordsUrl: `https://${id}.example.com/ords/pdb1/`,
  secret: `prod/ords/${id}`,
  ...extra,
});

/** Every schedule of every stack of the app. */
function schedulesOf(synthesized: Synthesized): Json[] {
  return [...synthesized.jsons.values()].flatMap((json) =>
    Object.values(json.Resources)
      .filter((resource) => resource.Type === 'AWS::Scheduler::Schedule')
      .map((resource) => resource.Properties),
  );
}

describe('WindowLauncher', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        databasesPerStack: 2,
        defaults: { window: BERLIN },
        databases: [
          database('sales'),
          database('orders'),
          database('hr', { window: { ...BERLIN, hours: 6 } }),
          database('nightly', { schedule: { cron: '0 3 * * ? *' } }),
          database('stock'),
          database('retired', { enabled: false }),
        ],
      }),
    );
  });
  afterAll(() => synthesized.cleanup());

  const windowSchedules = () =>
    schedulesOf(synthesized).filter((schedule) => schedule.Name.includes('-window_'));

  it('names window schedules apart from database schedules, even for a database id like "window-<hex>"', () => {
    const names = schedulesOf(synthesized).map((schedule) => schedule.Name as string);
    const ids = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
    for (const name of names.filter((name) => name.includes('-window_'))) {
      expect(ids.test(name.slice('ords-datapump-backup-'.length))).toBe(false);
    }
  });

  it('gives each distinct window one schedule at its start in its zone, across stacks; no database schedule for them', () => {
    const windows = windowSchedules();
    expect(windows).toHaveLength(2);
    for (const schedule of windows) {
      expect(schedule).toMatchObject({
        ScheduleExpression: 'cron(0 1 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        FlexibleTimeWindow: { Mode: 'OFF' },
      });
      expect(schedule.Name).toMatch(/^ords-datapump-backup-window_[0-9a-f]{10}$/);
    }
    const others = schedulesOf(synthesized).filter((schedule) => !schedule.Name.includes('-window_'));
    expect(others.map((schedule) => schedule.Name)).toEqual(['ords-datapump-backup-nightly']);
  });

  it('sends each window, its enabled databases (sorted) and the scheduled time as the function input', () => {
    const inputs = windowSchedules()
      .map((schedule) => JSON.parse(schedule.Target.Input))
      .sort((a, b) => a.window.hours - b.window.hours);

    expect(inputs).toEqual([
      {
        window: BERLIN,
        databases: ['orders', 'sales', 'stock'],
        scheduledTime: '<aws.scheduler.scheduled-time>',
      },
      { window: { ...BERLIN, hours: 6 }, databases: ['hr'], scheduledTime: '<aws.scheduler.scheduled-time>' },
    ]);
    for (const input of inputs) expect(StartWindowInputSchema.safeParse(input).success).toBe(true);
  });

  it('lets "Start window" start executions, fill the missed-runs queue and read only last-backup records', () => {
    const { json, built } = synthesized;
    const launcher = built.backup.windowLauncher;
    const statements = statementsOfRole(json, roleOfFunction(json, logicalIdOf(launcher.function!)));
    const byAction = Object.fromEntries(
      statements
        .filter((statement) => actionsOf(statement).every((action) => !/^(logs|xray):/.test(action)))
        .map((statement) => [actionsOf(statement).join(','), resourcesOf(statement)]),
    );

    expect(byAction['states:StartExecution']).toEqual([{ Ref: logicalIdOf(built.backup.stateMachine) }]);
    expect(JSON.stringify(byAction['states:DescribeExecution'])).toContain(':execution:');
    expect(JSON.stringify(byAction)).toContain('/*/last-backup.json');
    expect(Object.keys(byAction).join(' ')).not.toMatch(/s3:PutObject|s3:DeleteObject|ssm:|secretsmanager:/);
    const props = json.Resources[logicalIdOf(launcher.function!)]!.Properties;
    expect(Object.keys(props.Environment.Variables)).toEqual(
      expect.arrayContaining(['STATE_MACHINE_ARN', 'BUCKET_NAME', 'MISSED_RUNS_QUEUE_URL']),
    );
    expect(props.Layers).toHaveLength(1);
  });

  it('passes cdk-nag (AwsSolutions and Serverless) with its function, role and schedules', () => {
    expect(nagViolationsOf(synthesized.app)).toEqual([]);
  });

  it('lets the Scheduler role invoke only the "Start window" function', () => {
    const { json, built } = synthesized;
    const statements = statementsOfRole(json, logicalIdOf(built.backup.windowLauncher.role!));
    const invoke = statements.filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
    expect(invoke.flatMap(resourcesOf)).toEqual([
      { 'Fn::GetAtt': [logicalIdOf(built.backup.windowLauncher.function!), 'Arn'] },
    ]);
  });
});

describe('a deployment without windows', () => {
  it('has no "Start window" function, role or window schedule: nothing changes for it', () => {
    const synthesized = synthesize(configOf({ databases: [database('orders'), database('sales')] }));
    try {
      expect(synthesized.built.backup.windowLauncher.function).toBeUndefined();
      expect(synthesized.built.backup.windowLauncher.role).toBeUndefined();
      expect(schedulesOf(synthesized).map((schedule) => schedule.Name)).toEqual([
        'ords-datapump-backup-orders',
        'ords-datapump-backup-sales',
      ]);
    } finally {
      synthesized.cleanup();
    }
  });
});

describe('a window whose start a daylight-saving jump skips', () => {
  it('is refused at synth, naming the start, the zone and the night', () => {
    expect(() =>
      synthesize(configOf({ databases: [database('orders', { window: { ...BERLIN, start: '02:30' } })] })),
    ).toThrow(
      /start "02:30" does not exist in Europe\/Berlin on \d{4}-03-\d\d and \d{4}-03-\d\d .*EventBridge Scheduler skips/,
    );
  });
});
