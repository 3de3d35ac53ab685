import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import { readJob } from '../../../../functions/core/export/index.js';
import type { OrdsApi } from '../../../../functions/core/ords/index.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const JOB = {
  path: 'rest-sql' as const,
  owner: 'DBAPI_USER',
  jobName: 'ODBK_AAAAAAAAAAAAAAAAAAAAAAAAA',
  runId: '20261207T020000Z-1A2B',
  fileName: 'ORDERS-20261207T020000Z-1A2B-%U.DMP',
  jobMode: 'SCHEMA',
  startedAt: '2026-12-07T02:00:00.000Z',
  adopted: false,
  logFileName: 'ORDERS-20261207T020000Z-1A2B.LOG',
  pollBy: 'rest-sql' as const,
};

/** REST-enabled SQL answering the poll with `rows`; an ORDS whose job GET must never be used. */
function deps(rows: Array<Record<string, unknown>>, log: string, at: string) {
  const ords = {
    getJob: async () => {
      throw new Error('the job GET must not be used for a job polled through SQL');
    },
    readLog: async () => log,
  } as unknown as OrdsApi;
  return {
    ords,
    sql: { runSqlRequest: async () => ({ items: [{ resultSet: { items: rows } }] }) },
    logger: recordingLogger(),
    now: () => new Date(at),
  };
}

const payload = { executionName: 'e', database: 'orders', job: JOB, timeoutSeconds: 3600 };
const FINAL = `Job "DBAPI_USER"."${JOB.jobName}" successfully completed at Mon Dec 7 02:05:00 2026 elapsed 0 00:05:00`;

describe('readJob of a job ORDS does not show (pollBy rest-sql)', () => {
  it('is running while USER_DATAPUMP_JOBS says EXECUTING', async () => {
    const status = await readJob(deps([{ state: 'EXECUTING' }], '', '2026-12-07T02:01:00Z'), payload);
    expect(status).toEqual({ running: true, state: 'EXECUTING' });
  });

  it('is finished at NOT RUNNING once the log has its final line, and when the row is gone', async () => {
    expect(await readJob(deps([{ state: 'NOT RUNNING' }], FINAL, '2026-12-07T02:06:00Z'), payload)).toEqual({
      running: false,
      state: 'NOT RUNNING',
    });
    expect(await readJob(deps([], FINAL, '2026-12-07T02:06:00Z'), payload)).toEqual({
      running: false,
      state: 'GONE',
    });
  });

  it('counts NOT RUNNING at start-up without a final log line as running (the start-up flicker)', async () => {
    const status = await readJob(
      deps([{ state: 'NOT RUNNING' }], ';;; starting', '2026-12-07T02:00:10Z'),
      payload,
    );
    expect(status.running).toBe(true);
  });

  it('fails past the timeout naming the job, and without a SQL client names that', async () => {
    await expect(
      readJob(deps([{ state: 'EXECUTING' }], '', '2026-12-07T04:00:00Z'), payload),
    ).rejects.toMatchObject({
      name: ErrorName.ExportTimedOut,
      message: expect.stringContaining(JOB.jobName),
    });
    const { sql: _sql, ...withoutSql } = deps([], '', '2026-12-07T02:01:00Z');
    await expect(readJob(withoutSql, payload)).rejects.toThrow(/polled through REST-enabled SQL/);
  });
});
