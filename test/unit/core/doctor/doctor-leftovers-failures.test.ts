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

  it('fails naming the job when its stop gets a 503, and leaves it for the next run', async () => {
    const jobName = await h.killedDoctor();
    h.setMinutes(20);

    const report = await runDoctor(h.deps(failing((text) => /STOP_JOB/.test(text))), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining(
        `could not remove the leftover probe job DBAPI_USER.${jobName} (NOT RUNNING`,
      ),
      fix: expect.stringContaining(`DROP TABLE "DBAPI_USER"."${jobName}" PURGE`),
    });
    expect(h.jobNamed(jobName).dropped).toBe(false);
  });

  it('drops the control table of a NOT RUNNING leftover Data Pump refuses to attach to, then removes its files', async () => {
    const jobName = await h.killedDoctor();
    h.setMinutes(20);
    // Data Pump refuses ATTACH to the leftover (its stop answers ORA-39002) the first time only.
    let refused = false;
    const wrap: ClientWrap = (client) =>
      new Proxy(client, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== 'runSqlRequest') return typeof value === 'function' ? value.bind(target) : value;
          return async (request: { statementText: string; binds?: Array<{ value?: unknown }> }) => {
            if (!refused && /STOP_JOB/.test(request.statementText) && request.binds?.[0]?.value === jobName) {
              refused = true;
              return {
                items: [
                  {
                    errorCode: 39002,
                    errorDetails: 'ORA-39002: invalid operation\nORA-39000: bad dump file specification',
                  },
                ],
              };
            }
            return target.runSqlRequest(request as never);
          };
        },
      });

    const report = await runDoctor(h.deps(wrap), 'orders');

    expect(refused).toBe(true);
    expect(leftoverCheck(report)).toMatchObject({ status: 'ok' });
    expect(leftoverCheck(report).detail).toContain(`files removed: ${jobName}.LOG, ${jobName}-01.DMP`);
    expect(h.jobNamed(jobName)).toMatchObject({ dropped: true });
    expect(
      h
        .sim()
        .requests.some((request) =>
          (request.body ?? '').replaceAll('\\"', '"').includes(`DROP TABLE "DBAPI_USER"."${jobName}" PURGE`),
        ),
    ).toBe(true);
  });
});
