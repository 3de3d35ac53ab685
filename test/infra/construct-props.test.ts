import { Duration, Stack } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatabaseProps, OrdsDatapumpBackup, type RestoreDrillProps } from '../../infra/index.js';
import { newApp } from './synth.js';

let cleanup: () => void = () => undefined;
afterEach(() => cleanup());

/** A backup of one database with `restoreDrill`, in a fresh app. */
function backupWith(
  restoreDrill: RestoreDrillProps,
  exportSpec: DatabaseProps['export'] = { schemas: ['HR'] },
) {
  const made = newApp();
  cleanup = made.cleanup;
  const stack = new Stack(made.app, 'Team');
  return new OrdsDatapumpBackup(stack, 'Backup', {
    databases: [
      {
        id: 'orders',
        ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
        secret: Secret.fromSecretNameV2(stack, 'Secret', 'prod/ords/orders'),
        export: exportSpec,
        restoreDrill,
      },
    ],
  });
}

const SUNDAYS = { cron: '0 2 ? * SUN *' };

describe('restoreDrill in the construct props', () => {
  it('drills the first exported schema, with both alarms named from the prefix', () => {
    const backup = backupWith({ schedule: SUNDAYS, targetSchema: 'hr_drill' });
    const alarms = backup.databases!.drillAlarms;

    expect(alarms.failed.get('orders')!.node.defaultChild).toMatchObject({
      alarmName: 'ords-datapump-backup-orders-restore-drill-failed',
    });
    expect([...alarms.overdue.keys()]).toEqual(['orders']);
  });

  it('refuses a target schema that is an exported one, with the rule the file uses', () => {
    expect(() => backupWith({ schedule: SUNDAYS, targetSchema: 'HR' })).toThrow(
      /Team\/Backup\/Databases: database "orders": restoreDrill\.targetSchema is "HR"/,
    );
  });

  it('refuses a FULL export without the schema to drill', () => {
    expect(() => backupWith({ schedule: SUNDAYS, targetSchema: 'HR_DRILL' }, { jobMode: 'FULL' })).toThrow(
      /restoreDrill\.schema is missing for export\.jobMode FULL/,
    );
  });
});

describe('timing of a database in the construct props', () => {
  /** A backup of one database with these settings, in a fresh app. */
  function backupOf(settings: Partial<DatabaseProps>) {
    const made = newApp();
    cleanup = made.cleanup;
    const stack = new Stack(made.app, 'Team');
    return new OrdsDatapumpBackup(stack, 'Backup', {
      databases: [
        {
          id: 'orders',
          ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
          secret: Secret.fromSecretNameV2(stack, 'Secret', 'prod/ords/orders'),
          ...settings,
        },
      ],
    });
  }

  it('refuses a poll interval or a timeout outside its documented range, naming the value', () => {
    expect(() => backupOf({ pollInterval: Duration.seconds(5) })).toThrow(
      'Team/Backup/Databases: database "orders": pollInterval is 5 seconds; allowed: whole seconds from 10 to 3600',
    );
    expect(() => backupOf({ timeout: Duration.hours(100) })).toThrow(
      /timeout is 4 days 4 hours; allowed: whole hours/,
    );
    expect(() => backupOf({ timeout: Duration.minutes(90) })).toThrow(/allowed: whole hours from 1 to 72/);
  });

  it('refuses more status reads than one execution keeps, counting the drill twice', () => {
    // 72 hours polled every 60 seconds: 4,320 reads; every 120 seconds: 2,160, but 4,320 on drill nights
    expect(() => backupOf({ timeout: Duration.hours(72) })).toThrow(/makes up to 4320 status reads/);
    expect(() =>
      backupOf({ timeout: Duration.hours(72), pollInterval: Duration.seconds(120) }),
    ).not.toThrow();
    expect(() =>
      backupOf({
        timeout: Duration.hours(72),
        pollInterval: Duration.seconds(120),
        export: { schemas: ['HR'] },
        restoreDrill: { schedule: SUNDAYS, targetSchema: 'HR_DRILL' },
      }),
    ).toThrow(/\(twice: the export, then the restore drill\) makes up to 4320 status reads/);
  });
});
