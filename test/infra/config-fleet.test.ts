import { Duration, Stack } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { ConfigError, parseConfig } from '../../infra/config/index.js';
import { backupPropsOf, databasePropsOf } from '../../infra/config-to-props.js';
import { type DatabaseProps, OrdsDatapumpBackup, type OrdsDatapumpBackupProps } from '../../infra/index.js';
import { newApp } from './synth.js';

const ORDERS = { id: 'orders', ordsUrl: 'https://db.example.com:8443/ords/hr/', secret: 'prod/ords/orders' };
const WINDOW = { start: '01:00', hours: 4, timeZone: 'Europe/Berlin' };

function problemsOf(document: unknown): string[] {
  try {
    parseConfig(document, 'config/test.json');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

let cleanup: () => void = () => undefined;
afterEach(() => cleanup());

/** A backup of one database, in a fresh app, with the given database and construct props. */
function backupOf(database: Partial<DatabaseProps>, props: OrdsDatapumpBackupProps = {}): OrdsDatapumpBackup {
  const made = newApp();
  cleanup = made.cleanup;
  const stack = new Stack(made.app, 'Team');
  return new OrdsDatapumpBackup(stack, 'Backup', {
    ...props,
    databases: [{ ...ORDERS, secret: Secret.fromSecretNameV2(stack, 'Secret', ORDERS.secret), ...database }],
  });
}

describe('window in the configuration file', () => {
  it('reads a database window, the time zone defaulting to UTC', () => {
    const config = parseConfig(
      { databases: [{ ...ORDERS, window: { start: '22:30', hours: 6 } }] },
      't.json',
    );
    expect(config.databases[0]!.window).toEqual({ start: '22:30', hours: 6, timeZone: 'UTC' });
  });

  it('gives every database the window of defaults, except one with its own cron', () => {
    const config = parseConfig(
      {
        defaults: { window: WINDOW },
        databases: [ORDERS, { ...ORDERS, id: 'sales', schedule: { cron: '0 3 * * ? *' } }],
      },
      't.json',
    );
    expect(config.databases[0]!.window).toEqual(WINDOW);
    expect(config.databases[1]!.window).toBeUndefined();
    expect(config.databases[1]!.schedule.cron).toBe('0 3 * * ? *');
  });

  it('keeps the default cron for a database with neither a window nor a cron', () => {
    const config = parseConfig({ databases: [ORDERS] }, 't.json');
    expect(config.databases[0]!.window).toBeUndefined();
    expect(config.databases[0]!.schedule).toEqual({ cron: '0 2 * * ? *', timeZone: 'UTC' });
  });

  it.each([
    [{ ...WINDOW, hours: 0 }, 'window.hours', 'allowed: whole hours from 1 to 24'],
    [{ ...WINDOW, hours: 25 }, 'window.hours', 'allowed: whole hours from 1 to 24'],
    [{ ...WINDOW, start: '25:00' }, 'window.start', '"25:00"'],
    [{ ...WINDOW, timeZone: 'Europe/Atlantis' }, 'window.timeZone', 'it is not a known time zone'],
    [{ ...WINDOW, end: '05:00' }, 'window', 'end'],
  ])('fails on the window %j, naming the field and the value', (window, field, message) => {
    const problems = problemsOf({ databases: [{ ...ORDERS, window }] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('database "orders"');
    expect(problems[0]).toContain(field);
    expect(problems[0]).toContain(message);
  });

  it('fails on a window and a cron in one place', () => {
    expect(
      problemsOf({ databases: [{ ...ORDERS, window: WINDOW, schedule: { cron: '0 1 * * ? *' } }] }),
    ).toEqual([expect.stringContaining('database "orders": window {"start":"01:00"')]);
    expect(
      problemsOf({ defaults: { window: WINDOW, schedule: { cron: '0 1 * * ? *' } }, databases: [ORDERS] }),
    ).toEqual([expect.stringContaining('defaults: window')]);
  });
});

describe('ordsCaps and deploymentCap in the configuration file', () => {
  it('reads the caps, no caps by default', () => {
    expect(parseConfig({ databases: [ORDERS] }, 't.json')).toMatchObject({ ordsCaps: {} });
    expect(parseConfig({ databases: [ORDERS] }, 't.json').deploymentCap).toBeUndefined();
    const config = parseConfig(
      { ordsCaps: { 'https://db.example.com:8443': 2 }, deploymentCap: 40, databases: [ORDERS] },
      't.json',
    );
    expect(config).toMatchObject({ ordsCaps: { 'https://db.example.com:8443': 2 }, deploymentCap: 40 });
  });

  it.each([
    [{ 'https://db.example.com:443': 2 }, 'is written "https://db.example.com"'],
    [{ 'https://db.example.com/ords/hr/': 2 }, 'has more than scheme, host and port'],
    [{ 'https://db.example.com': 0 }, 'allowed: whole slots from 1 to 100'],
    [{ 'https://db.example.com': 2.5 }, 'allowed: whole slots from 1 to 100'],
  ])('fails on ordsCaps %j, naming the value', (ordsCaps, message) => {
    const problems = problemsOf({ ordsCaps, databases: [ORDERS] });
    expect(problems).toEqual([expect.stringContaining(message)]);
    expect(problems[0]).toContain('ordsCaps');
  });

  it('fails on a deployment cap of 0', () => {
    expect(problemsOf({ deploymentCap: 0, databases: [ORDERS] })).toEqual([
      expect.stringContaining('deploymentCap'),
    ]);
  });

  it('maps the window and the caps onto the construct props, which synthesize', () => {
    const config = parseConfig(
      { ordsCaps: { 'https://db.example.com:8443': 2 }, defaults: { window: WINDOW }, databases: [ORDERS] },
      't.json',
    );
    const made = newApp();
    cleanup = made.cleanup;
    const stack = new Stack(made.app, 'Map');
    expect(backupPropsOf(stack, config).ordsCaps).toEqual({ 'https://db.example.com:8443': 2 });
    const [database] = databasePropsOf(stack, config.databases);
    expect(database!.window).toMatchObject({ start: '01:00', timeZone: 'Europe/Berlin' });
    expect(database!.window!.duration.toHours()).toBe(4);
    expect(database!.schedule).toBeUndefined();
    expect(() => buildApp(newApp().app, config)).not.toThrow();
  });
});

describe('window and caps in the construct props', () => {
  it('accepts a window of 1 to 24 hours', () => {
    expect(() => backupOf({ window: { start: '01:00', duration: Duration.hours(24) } })).not.toThrow();
  });

  it.each([
    [Duration.hours(0), 'duration 0 hours is not allowed'],
    [Duration.hours(25), 'duration 1 day 1 hour is not allowed'],
    [Duration.minutes(90), 'duration 1 hour 30 minutes is not allowed'],
  ])('fails at synth on a window of %s, naming the construct path', (duration, message) => {
    expect(() => backupOf({ window: { start: '01:00', duration } })).toThrow(
      `Team/Backup/Databases: database "orders": window: ${message}`,
    );
  });

  it('fails at synth on a window in an unknown time zone, naming it', () => {
    expect(() =>
      backupOf({ window: { start: '01:00', duration: Duration.hours(4), timeZone: 'Mars/Base' } }),
    ).toThrow(
      'Team/Backup/Databases: database "orders": window: timeZone "Mars/Base": it is not a known time zone',
    );
  });

  it('fails at synth on a window together with a schedule', () => {
    expect(() =>
      backupOf({
        window: { start: '01:00', duration: Duration.hours(4) },
        schedule: { cron: '0 1 * * ? *' },
      }),
    ).toThrow('database "orders": window and schedule.cron "0 1 * * ? *" are alternatives');
  });

  it('fails at synth on a cap that is no origin or not a whole number of slots', () => {
    expect(() => backupOf({}, { ordsCaps: { 'https://DB.example.com': 2 } })).toThrow(
      'Team/Backup: ordsCaps: "https://DB.example.com" is written "https://db.example.com"',
    );
    expect(() => backupOf({}, { ordsCaps: { 'https://db.example.com': -1 } })).toThrow(
      'Team/Backup: ordsCaps["https://db.example.com"] is -1; allowed: whole slots from 1 to 100',
    );
    expect(() => backupOf({}, { deploymentCap: 0.5 })).toThrow('Team/Backup: deploymentCap is 0.5');
  });
});
