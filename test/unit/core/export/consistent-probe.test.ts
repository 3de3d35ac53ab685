import { describe, expect, it } from 'vitest';
import { OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import { probeConsistentJob, stopConsistentJob } from '../../../../functions/core/export/index.js';
import { OrdsHttpRequestError } from '../../../../functions/core/ords/index.js';

const JOB = { owner: 'DBAPI_USER', jobName: 'ODBK_AAAAAAAAAAAAAAAAAAAAAAAAA', logFileName: 'ORDERS-X.LOG' };

/** An ORDS whose log route answers with `answer` (a text, or an error thrown). */
const ords = (answer: string | Error) => ({
  readLog: async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  },
});

describe('probeConsistentJob', () => {
  it('is served when the log of the job reads', async () => {
    expect(await probeConsistentJob({ ords: ords(';;; Export started') }, JOB, true)).toEqual({
      outcome: 'served',
    });
  });

  it.each([403, 404])(
    'is refused, naming the status and the log, when the file route answers %i',
    async (status) => {
      const result = await probeConsistentJob(
        { ords: ords(new OrdsHttpRequestError(`ORDS answered ${status}`, status)) },
        JOB,
        true,
      );

      expect(result).toEqual({
        outcome: 'refused',
        reason: expect.stringContaining(
          `ORDS answers ${status} for the log ORDERS-X.LOG of the Data Pump job DBAPI_USER.${JOB.jobName}`,
        ),
      });
    },
  );

  it('is refused without a request when ORDS does not list the job and its owner is unknown (OAuth2)', async () => {
    const result = await probeConsistentJob({ ords: ords(new Error('must not be read')) }, JOB, false, false);

    expect(result).toMatchObject({
      outcome: 'refused',
      reason: expect.stringContaining('ORDS does not list'),
    });
  });

  it('reads the log of a job ORDS does not list when the owner is known (it is then polled through SQL)', async () => {
    expect(await probeConsistentJob({ ords: ords(';;; Export started') }, JOB, false, true)).toEqual({
      outcome: 'served',
    });
  });

  it('throws a 500 or an outage as it is: a refusal is never guessed from a flaky network', async () => {
    await expect(
      probeConsistentJob({ ords: ords(new OrdsHttpRequestError('ORDS answered 500', 500)) }, JOB, true),
    ).rejects.toThrow('500');
    await expect(
      probeConsistentJob({ ords: ords(new OrdsUnavailableError('socket hang up')) }, JOB, true),
    ).rejects.toThrow('socket hang up');
  });
});

describe('stopConsistentJob', () => {
  const sql = (item: Record<string, unknown>, sent: unknown[] = []) => ({
    runSqlRequest: async (request: unknown) => {
      sent.push(request);
      return { items: [item] };
    },
  });

  it('stops the job by a bound name, ATTACH then STOP_JOB immediate without keeping the control table', async () => {
    const sent: unknown[] = [];

    expect(await stopConsistentJob({ sql: sql({}, sent) }, JOB.jobName)).toBe('stopped');
    expect(sent).toEqual([
      {
        statementText: expect.stringMatching(
          /DBMS_DATAPUMP\.ATTACH\(:job, USER\); DBMS_DATAPUMP\.STOP_JOB\(h, 1, 0\)/,
        ),
        binds: [{ name: 'job', data_type: 'VARCHAR2', value: JOB.jobName }],
      },
    ]);
  });

  it('counts ORA-31626 (no such job) as already gone, and fails naming any other error', async () => {
    expect(await stopConsistentJob({ sql: sql({ errorCode: 31626 }) }, JOB.jobName)).toBe('already-gone');
    await expect(
      stopConsistentJob(
        { sql: sql({ errorCode: 31631, errorDetails: 'ORA-31631: privileges are required' }) },
        JOB.jobName,
      ),
    ).rejects.toThrow(/Could not stop the Data Pump job ODBK_\w+ .*ORA-31631/);
  });

  it('refuses a job name that is not a simple SQL name before sending anything', async () => {
    const sent: unknown[] = [];
    await expect(stopConsistentJob({ sql: sql({}, sent) }, "X'; DROP TABLE T; --")).rejects.toThrow(
      /simple SQL name/,
    );
    expect(sent).toHaveLength(0);
  });
});
