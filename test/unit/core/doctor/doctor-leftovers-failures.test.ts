import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../../../functions/core/doctor/doctor.js';
import { OrdsHttpRequestError } from '../../../../functions/core/ords/index.js';
import { type ClientWrap, leftoverCheck, sweepHarness } from '../../../helpers/doctor-sweep.js';

/** The doctor's "Leftover probe jobs" sweep when ORDS or the database fails: a finding, never a crash. */

const h = sweepHarness();

describe('the sweep when ORDS or the database fails', () => {
  /** A client whose REST-enabled SQL answers 503 to the statements `matches` picks. */
  const failing =
    (matches: (text: string) => boolean): ClientWrap =>
    (client) =>
      new Proxy(client, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          if (property === 'runSql') {
            return async (statements: readonly string[]) => {
              if (statements.some(matches)) {
                throw new OrdsHttpRequestError('POST …/_/sql answered 503 Service Unavailable', 503);
              }
              return target.runSql(statements);
            };
          }
          if (property === 'runSqlRequest') {
            return async (request: { statementText: string }) => {
              if (matches(request.statementText)) {
                throw new OrdsHttpRequestError('POST …/_/sql answered 503 Service Unavailable', 503);
              }
              return target.runSqlRequest(request as never);
            };
          }
          return value.bind(target);
        },
      });

  it('fails the check with the reason when the query of probe jobs gets a 503, and runs the other checks', async () => {
    const report = await runDoctor(
      h.deps(failing((text) => text.includes('user_datapump_jobs j'))),
      'orders',
    );

    expect(leftoverCheck(report)).toMatchObject({
      status: 'failed',
      detail:
        'could not look for ODBK_DR_ jobs left by an interrupted doctor probe: POST …/_/sql answered 503 Service Unavailable',
      fix: expect.stringContaining('Run the doctor again'),
    });
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.name === 'Point-in-time probe')?.status).toBe('ok');
  });

  it('fails naming the job when dropping its control table gets a 503, and the next run finishes it', async () => {
    // GIVEN a leftover whose files the sweep removes, and then ORDS fails (or the sweep dies)
    const jobName = await h.killedDoctor();
    h.setMinutes(20);

    const report = await runDoctor(h.deps(failing((text) => /^DROP TABLE/.test(text))), 'orders');

    // THEN the check fails naming the job and what to run, and the job stays listed (files first)
    expect(leftoverCheck(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining(
        `could not remove the leftover probe job DBAPI_USER.${jobName} (NOT RUNNING`,
      ),
      fix: expect.stringContaining(`DROP TABLE "DBAPI_USER"."${jobName}" PURGE`),
    });
    expect(h.jobNamed(jobName).dropped).toBe(false);
    for (const file of [`${jobName}.LOG`, `${jobName}-01.DMP`]) {
      expect(
        h.removedFiles().some((body) => body.includes(file)),
        file,
      ).toBe(true);
    }

    // WHEN the doctor runs again, THEN it finds the job and drops its control table
    const again = await runDoctor(h.deps(), 'orders');
    expect(leftoverCheck(again)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(
        `removed: ${jobName} (NOT RUNNING, created 2026-12-07T05:50:00, 1200 s old; files removed: none found)`,
      ),
    });
    expect(h.jobNamed(jobName).dropped).toBe(true);
  });

  it('fails naming the file the database refuses to remove, and keeps the control table that names it', async () => {
    const jobName = await h.killedDoctor();
    h.setMinutes(20);
    h.sim().configure({
      restSqlError: { statement: 'remove-file', code: 29289, message: 'ORA-29289: directory access denied' },
    });

    const report = await runDoctor(h.deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining(
        `Could not remove ${jobName}.LOG of the leftover probe job ${jobName} from DATA_PUMP_DIR: ORA-29289`,
      ),
      fix: expect.stringContaining('remove its ODBK_DR_… files from directory DATA_PUMP_DIR'),
    });
    expect(h.jobNamed(jobName).dropped).toBe(false);
  });
});
