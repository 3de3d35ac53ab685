import { Stack } from 'aws-cdk-lib';
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
