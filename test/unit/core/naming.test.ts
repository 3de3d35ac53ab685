import { describe, expect, it } from 'vitest';
import {
  attemptTag,
  backupFolder,
  dumpFileTemplate,
  logFileNameOf,
  makeRunId,
  manifestKey,
  runIdOfFile,
} from '../../../functions/core/naming.js';

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
});
