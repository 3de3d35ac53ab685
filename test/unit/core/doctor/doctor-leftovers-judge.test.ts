import { describe, expect, it } from 'vitest';
import {
  judgeProbeJob,
  PROBE_JOBS_QUERY,
  parseProbeJobs,
} from '../../../../functions/core/doctor/doctor-leftovers.js';
import { consistentJobName, doctorProbeJobName } from '../../../../functions/core/export/index.js';

/** Which `ODBK_DR_…` jobs the doctor's sweep removes, and how it reads the database's answer. */

describe('judgeProbeJob and parseProbeJobs', () => {
  const probe = doctorProbeJobName('doctor-orders-20261207T055000000Z');
  const row = {
    owner: 'DBAPI_USER',
    jobName: probe,
    state: 'NOT RUNNING',
    attachedSessions: 0,
    created: 'x',
  };

  it('removes an old NOT RUNNING probe, never one with a session attached or an unknown age', () => {
    expect(judgeProbeJob({ ...row, ageSeconds: 900 }, 'DBAPI_USER').remove).toBe(true);
    expect(judgeProbeJob({ ...row, ageSeconds: 899 }, 'DBAPI_USER').remove).toBe(false);
    expect(judgeProbeJob({ ...row, ageSeconds: 1200, attachedSessions: 1 }, 'DBAPI_USER')).toMatchObject({
      remove: false,
      why: expect.stringContaining('1 session(s) attached'),
    });
    expect(judgeProbeJob({ ...row, ageSeconds: null, created: null }, null).remove).toBe(false);
  });

  it('leaves a job shown under another user than the credentials name (ORDS mapped to another schema)', () => {
    const theirs = { ...row, owner: 'APP_OWNER', ageSeconds: 86_400 };
    expect(judgeProbeJob(theirs, 'DBAPI_USER')).toEqual({
      remove: false,
      why: "owned by APP_OWNER, not by DBAPI_USER, the user of this doctor's credentials",
    });
    // OAuth2 names no user: the session user REST-enabled SQL answers with is the owner.
    expect(judgeProbeJob(theirs, null).remove).toBe(true);
  });

  it("never removes a backup run's own point-in-time job (ODBK_ and 25 base32 characters)", () => {
    for (let n = 0; n < 200; n += 1) {
      const jobName = consistentJobName(`orders-2026120${n % 10}-${n}`);
      expect(judgeProbeJob({ ...row, jobName, ageSeconds: 86_400 }, 'DBAPI_USER').remove, jobName).toBe(
        false,
      );
    }
  });

  it('leaves names that only look like a probe: one character short, lower case, a wildcard match', () => {
    for (const jobName of [
      probe.slice(0, -1),
      probe.toLowerCase(),
      `ODBKXDR_${probe.slice(8)}`,
      `${probe}1`,
    ]) {
      expect(judgeProbeJob({ ...row, jobName, ageSeconds: 86_400 }, 'DBAPI_USER').remove, jobName).toBe(
        false,
      );
    }
  });

  it('asks with LIKE escaped, so _ is not a wildcard', () => {
    expect(PROBE_JOBS_QUERY).toContain("LIKE 'ODBK\\_DR\\_%' ESCAPE '\\'");
  });

  it('fails naming the row when an answer carries a non-numeric age or no state', () => {
    const answer = (rows: Array<Record<string, unknown>>) => ({ ok: true as const, statement: 'q', rows });
    const good = { owner: 'DBAPI_USER', job_name: probe, state: 'NOT RUNNING ', attached_sessions: 0 };
    expect(
      parseProbeJobs(answer([{ ...good, created: '2026-12-07T05:50:00', age_seconds: '1200' }])),
    ).toEqual([{ ...row, created: '2026-12-07T05:50:00', ageSeconds: 1200 }]);
    const [odd] = parseProbeJobs(
      answer([{ ...good, job_name: `ODBK_DR_\u001b[2J${'X'.repeat(200)}`, age_seconds: 9e9 }]),
    );
    expect(odd?.jobName).toMatch(/^ODBK_DR_ \[2JX+…$/);
    expect(odd?.jobName).toHaveLength(128);
    expect(judgeProbeJob(odd!, 'DBAPI_USER').remove).toBe(false);
    expect(() => parseProbeJobs(answer([{ ...good, age_seconds: 'soon' }]))).toThrow(/"age_seconds":"soon"/);
    expect(() => parseProbeJobs(answer([{ ...good, state: null }]))).toThrow(/with the row/);
    expect(() =>
      parseProbeJobs({
        ok: false,
        statement: 'q',
        errorCode: 942,
        errorDetails: 'ORA-00942: table or view does not exist',
      }),
    ).toThrow(/ORA-00942/);
  });
});
