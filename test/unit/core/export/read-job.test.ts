import { describe, expect, it } from 'vitest';
import { ErrorName, OrdsAuthError, OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import { type ReadJobInput, readJob } from '../../../../functions/core/export/read-job.js';
import { FakeJobApi, job, recordingLogger } from '../../../helpers/job-fakes.js';

const ref = {
  owner: 'DBAPI_USER',
  jobName: 'DATAPUMP_REST_EXPORT_20261123020000',
  runId: '20261123T020000Z-1A2B',
  fileName: 'ORDERS-20261123T020000Z-1A2B-%U.DMP',
  jobMode: 'SCHEMA',
  startedAt: '2026-11-23T02:00:00.000Z',
  adopted: false,
};
const payload: ReadJobInput = {
  executionName: 'exec-1',
  database: 'orders',
  job: ref,
  timeoutSeconds: 3600,
};
const at = (iso: string) => ({ logger: recordingLogger(), now: () => new Date(iso) });

describe('readJob', () => {
  it('reports a running job as running', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(ref.jobName, job({ state: 'EXECUTING' }));
    await expect(readJob({ ords, ...at('2026-11-23T02:10:00Z') }, payload)).resolves.toEqual({
      running: true,
      state: 'EXECUTING',
    });
  });

  it('reports a job that reads NOT RUNNING as finished', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(ref.jobName, job({ state: 'NOT RUNNING' }));
    await expect(readJob({ ords, ...at('2026-11-23T02:10:00Z') }, payload)).resolves.toEqual({
      running: false,
      state: 'NOT RUNNING',
    });
  });

  it('reports a job whose state itself reads COMPLETED as finished', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(ref.jobName, job({ state: 'COMPLETED' }));
    await expect(readJob({ ords, ...at('2026-11-23T02:00:10Z') }, payload)).resolves.toEqual({
      running: false,
      state: 'COMPLETED',
    });
  });

  it('treats an unknown state as running and warns once per new state', async () => {
    const ords = new FakeJobApi();
    const deps = { ords, ...at('2026-11-23T02:10:00Z'), warnedStates: new Set<string>() };
    ords.jobs.set(ref.jobName, job({ state: 'HIBERNATING' }));
    await expect(readJob(deps, payload)).resolves.toEqual({ running: true, state: 'HIBERNATING' });
    await readJob(deps, payload);
    ords.jobs.set(ref.jobName, job({ state: 'SLEEPWALKING' }));
    await readJob(deps, payload);
    const warnings = deps.logger.lines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => (line.extra as { state: string }).state)).toEqual([
      'HIBERNATING',
      'SLEEPWALKING',
    ]);
  });

  it('fails for an unknown state past the timeout', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(ref.jobName, job({ state: 'HIBERNATING' }));
    const error = await readJob({ ords, ...at('2026-11-23T03:00:01Z') }, payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.ExportTimedOut });
  });

  it('keeps polling a job that is not visible yet right after its start', async () => {
    const ords = new FakeJobApi();
    await expect(readJob({ ords, ...at('2026-11-23T02:00:10Z') }, payload)).resolves.toEqual({
      running: true,
      state: 'NOT VISIBLE',
    });
  });

  it('reports a job that answers 404 at start-up as gone once its log, read by name, has its final line', async () => {
    const ords = new FakeJobApi();
    ords.logs.set(
      'ORDERS-20261123T020000Z-1A2B.LOG',
      `Job "DBAPI_USER"."${ref.jobName}" successfully completed at Mon Nov 23 02:00:05 2026`,
    );
    await expect(readJob({ ords, ...at('2026-11-23T02:00:10Z') }, payload)).resolves.toEqual({
      running: false,
      state: 'GONE',
    });
  });

  it('reports a job seen by an earlier poll that now answers 404 as gone at once', async () => {
    const ords = new FakeJobApi();
    const deps = { ords, ...at('2026-11-23T02:00:10Z'), seenJobs: new Set<string>() };
    ords.jobs.set(ref.jobName, job({ state: 'EXECUTING' }));
    await readJob(deps, payload);
    ords.jobs.clear();
    await expect(readJob(deps, payload)).resolves.toEqual({ running: false, state: 'GONE' });
  });

  it('reports a job that answers 404 as gone, for the log step to judge', async () => {
    const ords = new FakeJobApi();
    await expect(readJob({ ords, ...at('2026-11-23T02:10:00Z') }, payload)).resolves.toEqual({
      running: false,
      state: 'GONE',
    });
  });

  it('fails when the export runs past the timeout, saying how to stop it', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(ref.jobName, job({ state: 'EXECUTING' }));
    const error = await readJob({ ords, ...at('2026-11-23T03:00:01Z') }, payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.ExportTimedOut });
    expect((error as Error).message).toMatch(/still EXECUTING after 1 h 00 min.*timeout of 1 h 00 min/);
    expect((error as Error).message).toContain('KILL_JOB');
  });
});

describe('readJob at start-up', () => {
  const flicker = () => job({ state: 'NOT RUNNING', files: [{ name: 'ORDERS-20261123T020000Z-1A2B.LOG' }] });

  it('keeps polling a job that shows NOT RUNNING while starting up and has no final log line', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(ref.jobName, flicker());
    ords.logs.set('ORDERS-20261123T020000Z-1A2B.LOG', 'Starting "DBAPI_USER"."X":');
    await expect(readJob({ ords, ...at('2026-11-23T02:00:10Z') }, payload)).resolves.toMatchObject({
      running: true,
    });
  });

  it('accepts NOT RUNNING at start-up once the log has its final line', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(ref.jobName, flicker());
    ords.logs.set(
      'ORDERS-20261123T020000Z-1A2B.LOG',
      `Job "DBAPI_USER"."${ref.jobName}" successfully completed at Mon Nov 23 02:00:05 2026`,
    );
    await expect(readJob({ ords, ...at('2026-11-23T02:00:10Z') }, payload)).resolves.toMatchObject({
      running: false,
    });
  });

  it('accepts NOT RUNNING without a final log line after the start-up window', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(ref.jobName, flicker());
    await expect(readJob({ ords, ...at('2026-11-23T02:10:00Z') }, payload)).resolves.toMatchObject({
      running: false,
    });
  });

  describe('while ORDS cannot be reached', () => {
    const unreachable = () => {
      const ords = new FakeJobApi();
      ords.getJob = async () => {
        throw new OrdsUnavailableError('ORDS answered 503 Service Unavailable');
      };
      return ords;
    };

    it('counts the export as running, state UNREACHABLE, within its timeout', async () => {
      const status = await readJob({ ords: unreachable(), ...at('2026-11-23T02:30:00Z') }, payload);

      expect(status).toEqual({ running: true, state: 'UNREACHABLE' });
    });

    it('fails with ExportTimedOutError naming the outage once the timeout has passed', async () => {
      const error = await readJob({ ords: unreachable(), ...at('2026-11-23T03:00:01Z') }, payload).catch(
        (e: Error) => e,
      );

      expect(error).toMatchObject({ name: ErrorName.ExportTimedOut });
      expect((error as Error).message).toContain('still cannot be reached');
      expect((error as Error).message).toContain('503');
    });

    it('still fails at once on an authentication error', async () => {
      const ords = new FakeJobApi();
      ords.getJob = async () => {
        throw new OrdsAuthError('ORDS answered 401');
      };

      await expect(readJob({ ords, ...at('2026-11-23T02:30:00Z') }, payload)).rejects.toMatchObject({
        name: ErrorName.OrdsAuth,
      });
    });
  });
});
