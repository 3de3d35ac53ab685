import { describe, expect, it } from 'vitest';
import { describeCleanup } from '../../../local/describe-cleanup.js';

describe('the summary lines about the database server', () => {
  it('names the removed files, the dropped control table and the record', () => {
    const lines = describeCleanup({
      serverCleanup: {
        serverCleanup: 'done',
        removedFiles: ['A-01.DMP', 'A.LOG'],
        droppedControlTable: 'DBAPI_USER.JOB',
        report: 's3://b/x/server-cleanup.json',
      },
    });

    expect(lines).toEqual([
      '  server   removed 2 file(s): A-01.DMP, A.LOG',
      '           dropped control table DBAPI_USER.JOB',
      '           recorded in s3://b/x/server-cleanup.json',
    ]);
  });

  it('says why nothing was removed when cleanup failed', () => {
    const lines = describeCleanup({
      serverCleanup: {
        serverCleanup: 'failed',
        removedFiles: [],
        droppedControlTable: null,
        reason: 'REST-enabled SQL is not enabled',
      },
    });

    expect(lines).toEqual([
      '  server   removed no file',
      '  server   cleanup FAILED: REST-enabled SQL is not enabled',
    ]);
  });

  it('shows the error of a cleanup task that could not run at all', () => {
    expect(describeCleanup({ serverCleanup: { Error: 'StorageRejectedError', Cause: 'denied' } })).toEqual([
      '  server   cleanup FAILED: StorageRejectedError: denied',
    ]);
  });

  it('says nothing for an output without cleanup', () => {
    expect(describeCleanup({ database: 'orders' })).toEqual([]);
  });
});
