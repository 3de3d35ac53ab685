import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../../../functions/core/doctor/doctor.js';
import {
  LEFTOVER_CHECK,
  MAX_REMOVED_PER_RUN,
  PROBE_JOBS_QUERY,
  parseProbeJobs,
} from '../../../../functions/core/doctor/doctor-leftovers.js';
import { doctorProbeJobName } from '../../../../functions/core/export/index.js';
import { BASIC, dyingAfterBlock, leftoverCheck, OTHER, sweepHarness } from '../../../helpers/doctor-sweep.js';

/**
 * A doctor killed mid-probe (Lambda timeout, ORDS outage, Ctrl-C) leaves its `ODBK_DR_…` job, control
 * table and files on the server; the next doctor run removes it ("Leftover probe jobs"), and never a
 * probe still in use, another tool's job or another user's.
 */

const h = sweepHarness();

describe('a doctor probe interrupted right after its job was created', () => {
  it('leaves the job, its control table and its files on the server', async () => {
    // GIVEN a doctor whose invocation dies right after the probe block ran
    const jobName = await h.killedDoctor();

    // WHEN twenty minutes pass (the tiny job ends on its own, keeping its control table)
    h.setMinutes(20);

    // THEN the job is still listed NOT RUNNING (its control table is there) and no file was removed
    const [row] = parseProbeJobs(await h.sqlAs(BASIC, PROBE_JOBS_QUERY));
    expect(row).toEqual({
      owner: 'DBAPI_USER',
      jobName,
      state: 'NOT RUNNING',
      attachedSessions: 0,
      created: '2026-12-07T05:50:00',
      ageSeconds: 1200,
    });
    expect(h.jobNamed(jobName)).toMatchObject({ dropped: false });
    expect(h.removedFiles().filter((body) => body.includes(jobName))).toEqual([]);
  });

  it('is removed with its files by the next doctor run, which says so', async () => {
    const jobName = await h.killedDoctor();
    h.setMinutes(20);

    const report = await runDoctor(h.deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(
        `1 leftover probe job(s) of DBAPI_USER removed; removed: ${jobName} (NOT RUNNING`,
      ),
    });
    expect(leftoverCheck(report).detail).toContain(`files removed: ${jobName}.LOG, ${jobName}-01.DMP`);
    // Files first, then the control table, as a run's cleanup drops a finished job's.
    expect(h.jobNamed(jobName)).toMatchObject({ dropped: true });
    const bodies = h.sqlBodies();
    const dropAt = bodies.findIndex((body) => body.includes(`DROP TABLE "DBAPI_USER"."${jobName}" PURGE`));
    const lastFileAt = bodies.findLastIndex((body) => /FREMOVE/.test(body) && body.includes(jobName));
    expect(dropAt).toBeGreaterThan(lastFileAt);
    expect(lastFileAt).toBeGreaterThanOrEqual(0);
    for (const file of h.jobNamed(jobName).files) {
      expect(
        h.removedFiles().some((body) => body.includes(file.name)),
        file.name,
      ).toBe(true);
    }
    // The run's own probe still ran after the sweep, and left nothing behind either.
    expect(report.checks.find((check) => check.name === 'Point-in-time probe')?.status).toBe('ok');
    expect(
      h
        .sim()
        .jobs()
        .filter((job) => !job.dropped),
    ).toEqual([]);
  });

  it('is removed by the next run after an ORDS outage made the probe fail, whose fix points to that run', async () => {
    let created!: () => void;
    const made = new Promise<void>((resolve) => {
      created = resolve;
    });
    const first = await runDoctor(h.deps(dyingAfterBlock(() => created(), true)), 'orders');
    await made;
    expect(first.checks.find((check) => check.name === 'Point-in-time probe')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('could not be cleaned up'),
      fix: expect.stringContaining(`Run the doctor again after 15 minutes: its "${LEFTOVER_CHECK}" check`),
    });
    const [left] = h
      .sim()
      .jobs()
      .filter((job) => !job.dropped);
    expect(left?.jobName).toMatch(/^ODBK_DR_/);

    h.setMinutes(16);
    const report = await runDoctor(h.deps(), 'orders');

    expect(leftoverCheck(report).detail).toContain(`removed: ${left!.jobName} (NOT RUNNING`);
    expect(h.jobNamed(left!.jobName).dropped).toBe(true);
  });
});

describe('the sweep leaves alone', () => {
  it('a probe another doctor run may still be using, until it is 15 minutes old', async () => {
    // GIVEN a probe job two minutes old (NOT RUNNING already: its doctor may be reading its log)
    const jobName = await h.killedDoctor();
    h.setMinutes(2);

    const report = await runDoctor(h.deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(
        `left alone: ${jobName} (NOT RUNNING, created 2026-12-07T05:50:00, 120 s old: another doctor run may be probing with it`,
      ),
    });
    expect(h.jobNamed(jobName).dropped).toBe(false);
  });

  it('a probe still running until it is an hour old, then stops it as stuck', async () => {
    // GIVEN a probe job that keeps running (a state lasts an hour here)
    h.sim().configure({ msPerState: 3_600_000 });
    const jobName = await h.killedDoctor();

    h.setMinutes(30);
    const young = await runDoctor(h.deps(), 'orders');
    expect(leftoverCheck(young).detail).toContain(
      `left alone: ${jobName} (EXECUTING, created 2026-12-07T05:50:00, 1800 s old: still in use; stopped once 3600 s old)`,
    );
    expect(h.jobNamed(jobName).dropped).toBe(false);

    h.setMinutes(61);
    const old = await runDoctor(h.deps(), 'orders');
    expect(leftoverCheck(old).detail).toContain(
      `removed: ${jobName} (COMPLETING, created 2026-12-07T05:50:00, 3660 s old, stuck;`,
    );
    expect(h.jobNamed(jobName)).toMatchObject({ dropped: true, stoppedByClient: true });
  });

  it("another tool's job of this user named ODBK_DR_…, and says so", async () => {
    await h.startJob('ODBK_DR_NIGHTLY_COPY');
    h.setMinutes(120);

    const report = await runDoctor(h.deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(
        'left alone: ODBK_DR_NIGHTLY_COPY (not a doctor probe: its name is not ODBK_DR_ and 22 base32 characters',
      ),
    });
    expect(h.jobNamed('ODBK_DR_NIGHTLY_COPY').dropped).toBe(false);
    expect(h.removedFiles().filter((body) => body.includes('ODBK_DR_NIGHTLY_COPY'))).toEqual([]);
  });

  it("another user's job with a doctor probe's very name, and says other users' jobs are not looked at", async () => {
    const theirs = doctorProbeJobName('doctor-orders-elsewhere');
    await h.startJob(theirs, OTHER);
    h.setMinutes(120);

    const report = await runDoctor(h.deps(), 'orders');

    expect(leftoverCheck(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(
        /^no ODBK_DR_ job of DBAPI_USER is left on the server; other users' jobs are never looked at$/,
      ),
    });
    expect(
      h
        .sim()
        .jobs()
        .find((job) => job.owner === 'OTHER_USER'),
    ).toMatchObject({
      jobName: theirs,
      dropped: false,
    });
    expect(h.removedFiles().filter((body) => body.includes(theirs))).toEqual([]);
  });
});

describe('many leftovers', () => {
  it(`removes ${MAX_REMOVED_PER_RUN} per doctor run, naming the rest for the next run`, async () => {
    // GIVEN one more leftover probe job than a run removes (the doctor killed again and again)
    const names = Array.from({ length: MAX_REMOVED_PER_RUN + 1 }, (_, n) =>
      doctorProbeJobName(`doctor-orders-${n}`),
    );
    for (const name of names) await h.startJob(name);
    h.setMinutes(30);

    const first = await runDoctor(h.deps(), 'orders');

    expect(leftoverCheck(first).detail).toMatch(
      new RegExp(
        `^${MAX_REMOVED_PER_RUN} leftover probe job\\(s\\) of DBAPI_USER removed; .*for the next doctor run`,
      ),
    );
    expect(names.filter((name) => !h.jobNamed(name).dropped)).toHaveLength(1);

    const second = await runDoctor(h.deps(), 'orders');
    expect(leftoverCheck(second).detail).toMatch(/^1 leftover probe job\(s\) of DBAPI_USER removed; /);
    expect(names.filter((name) => !h.jobNamed(name).dropped)).toEqual([]);
  });
});
