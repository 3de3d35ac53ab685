import { describe, expect, it } from 'vitest';
import {
  attemptTag,
  backupFolder,
  dumpFileTemplate,
  executionName,
  lastBackupKey,
  logFileNameOf,
  makeRunId,
  manifestKey,
  runIdOfFile,
} from '../../../../functions/core/state/naming.js';

describe('naming', () => {
  it('derives the same run id for every retry of one execution', () => {
    const first = makeRunId('2026-11-23T02:00:00.123Z', 'exec-1');
    expect(makeRunId('2026-11-23T02:00:00.123Z', 'exec-1')).toBe(first);
    expect(first).toMatch(/^20261123T020000Z-[0-9A-F]{4}$/);
    expect(makeRunId('2026-11-23T02:00:00.123Z', 'exec-2')).not.toBe(first);
  });

  it('names dump files after the database and the run, with %U', () => {
    expect(dumpFileTemplate('orders', '20261123T020000Z-1A2B')).toBe('ORDERS-20261123T020000Z-1A2B-%U.DMP');
  });

  it('tags each POST of a run with its time, so a second POST never reuses a file name', () => {
    const tag = attemptTag(new Date('2026-11-23T02:00:05.900Z'));
    expect(tag).toBe('A020005');
    expect(dumpFileTemplate('orders', '20261123T020000Z-1A2B', tag)).toBe(
      'ORDERS-20261123T020000Z-1A2B-A020005-%U.DMP',
    );
    expect(runIdOfFile('orders', 'ORDERS-20261123T020000Z-1A2B-A020005-01.DMP')).toBe(
      '20261123T020000Z-1A2B',
    );
  });

  it('derives the log name of a template as Oracle names it', () => {
    expect(logFileNameOf('ORDERS-20261123T020000Z-1A2B-A020005-%U.DMP')).toBe(
      'ORDERS-20261123T020000Z-1A2B-A020005.LOG',
    );
    expect(logFileNameOf('EXPDAT%U-2020-10-01-12_26_31.DMP')).toBe('EXPDAT-2020-10-01-12_26_31.LOG');
  });

  it('recognises the run of its own dump and log files, not those of other databases', () => {
    expect(runIdOfFile('orders', 'ORDERS-20261123T020000Z-1A2B-01.DMP')).toBe('20261123T020000Z-1A2B');
    expect(runIdOfFile('orders', 'ORDERS-20261123T020000Z-1A2B.LOG')).toBe('20261123T020000Z-1A2B');
    expect(runIdOfFile('orders', 'ORDERS-ARCHIVE-20261123T020000Z-1A2B-01.DMP')).toBeNull();
    expect(runIdOfFile('orders', 'EXPDAT01-2026.DMP')).toBeNull();
  });

  it('dates the backup folder in UTC', () => {
    const folder = backupFolder('backups/', 'orders', '2026-11-23T23:30:00.000Z', 'DATAPUMP_REST_EXPORT_1');
    expect(folder).toBe('backups/orders/2026/11/23/DATAPUMP_REST_EXPORT_1/');
    expect(manifestKey(folder)).toBe('backups/orders/2026/11/23/DATAPUMP_REST_EXPORT_1/manifest.json');
  });

  it('names a scheduled execution after the database and the scheduled time in UTC', () => {
    expect(executionName('orders', '2026-12-01T02:00:00Z')).toBe('orders_20261201T020000Z');
    expect(executionName('orders', '2026-12-01T03:00:00+01:00')).toBe('orders_20261201T020000Z');
    expect(executionName('orders', '2026-12-01T02:00:00.999Z')).toBe('orders_20261201T020000Z');
  });

  it('gives names Step Functions accepts: at most 80 of letters, digits, _ and -', () => {
    const name = executionName(`a${'b-'.repeat(15)}c`, '2026-12-01T02:00:00Z');

    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['Orders', '2026-12-01T02:00:00Z', 'database "Orders"'],
    ['orders/x', '2026-12-01T02:00:00Z', 'database "orders/x"'],
    ['orders', '2026-12-01 02:00', 'scheduledTime "2026-12-01 02:00"'],
    ['orders', '2026-12-01T02:00:00', 'scheduledTime "2026-12-01T02:00:00"'],
    ['orders', '2026-13-01T02:00:00Z', 'scheduledTime "2026-13-01T02:00:00Z"'],
    ['orders', '<aws.scheduler.scheduled-time>', 'scheduledTime "<aws.scheduler.scheduled-time>"'],
  ])('fails to name an execution of %s at %s, naming the bad value', (database, time, named) => {
    expect(() => executionName(database, time)).toThrow(named);
  });

  it("keeps a database's last-backup record beside its backup folders", () => {
    expect(lastBackupKey('oracle/', 'orders')).toBe('oracle/orders/last-backup.json');
    expect(lastBackupKey('', 'orders')).toBe('orders/last-backup.json');
  });
});
