import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../functions/core/errors.js';
import { ExportSpecSchema } from '../../../functions/core/export-spec.js';
import { makeRunId } from '../../../functions/core/naming.js';
import { type StartExportInput, startExport } from '../../../functions/core/start-export.js';
import { FakeJobApi, job, recordingLogger } from '../../helpers/job-fakes.js';

const payload: StartExportInput = {
  database: 'orders',
  export: ExportSpecSchema.parse({ schemas: ['HR'] }),
  onRunningExport: 'fail',
  executionName: 'exec-1',
  executionStartTime: '2026-11-23T02:00:00.000Z',
};
const runId = makeRunId(payload.executionStartTime, payload.executionName);
const deps = (ords: FakeJobApi) => ({
  ords,
  logger: recordingLogger(),
  now: () => new Date('2026-11-23T02:00:05Z'),
});

describe('startExport', () => {
  it('starts an export whose files carry the database and run id', async () => {
    const ords = new FakeJobApi();
    const ref = await startExport(deps(ords), payload);
    expect(ords.started).toHaveLength(1);
    expect(ords.started[0]?.file_name).toBe(`ORDERS-${runId}-%U.DMP`);
    expect(ref).toMatchObject({ jobName: ords.nextJob.jobName, runId, adopted: false, jobMode: 'SCHEMA' });
  });

  it('adopts its own job after a POST that timed out instead of starting a second export', async () => {
    const ords = new FakeJobApi();
    const created = job({
      jobName: 'DATAPUMP_REST_EXPORT_20261123020001',
      files: [{ name: `ORDERS-${runId}.LOG` }],
    });
    ords.jobs.set(created.jobName, created);
    const ref = await startExport(deps(ords), payload);
    expect(ords.started).toHaveLength(0);
    expect(ref).toMatchObject({ jobName: created.jobName, runId, adopted: true });
  });

  it('fails when an earlier run of this database is still exporting, naming the job and the option', async () => {
    const ords = new FakeJobApi();
    const running = job({
      jobName: 'DATAPUMP_REST_EXPORT_20261122020000',
      files: [{ name: 'ORDERS-20261122T020000Z-0F0F.LOG' }],
    });
    ords.jobs.set(running.jobName, running);
    const error = await startExport(deps(ords), payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.ExportAlreadyRunning });
    expect((error as Error).message).toContain('DATAPUMP_REST_EXPORT_20261122020000');
    expect((error as Error).message).toContain('"onRunningExport": "adopt"');
    expect(ords.started).toHaveLength(0);
  });

  it('adopts a running earlier export when the configuration says so', async () => {
    const ords = new FakeJobApi();
    const running = job({
      jobName: 'DATAPUMP_REST_EXPORT_20261122020000',
      files: [{ name: 'ORDERS-20261122T020000Z-0F0F.LOG' }],
    });
    ords.jobs.set(running.jobName, running);
    const ref = await startExport(deps(ords), { ...payload, onRunningExport: 'adopt' });
    expect(ref).toMatchObject({ jobName: running.jobName, runId: '20261122T020000Z-0F0F', adopted: true });
    expect(ords.started).toHaveLength(0);
  });

  it('ignores running exports of other databases and of other tools', async () => {
    const ords = new FakeJobApi();
    const other = job({
      jobName: 'DATAPUMP_REST_EXPORT_1',
      files: [{ name: 'BILLING-20261122T020000Z-0F0F.LOG' }],
    });
    const manual = job({ jobName: 'SYS_EXPORT_SCHEMA_01', files: [{ name: 'EXPDAT.LOG' }] });
    ords.jobs.set(other.jobName, other);
    ords.jobs.set(manual.jobName, manual);
    await startExport(deps(ords), payload);
    expect(ords.started).toHaveLength(1);
  });

  it('ignores finished exports of earlier runs', async () => {
    const ords = new FakeJobApi();
    const done = job({
      jobName: 'DATAPUMP_REST_EXPORT_1',
      state: 'NOT RUNNING',
      files: [{ name: 'ORDERS-20261122T020000Z-0F0F-01.DMP' }],
    });
    ords.jobs.set(done.jobName, done);
    await startExport(deps(ords), payload);
    expect(ords.started).toHaveLength(1);
  });
});
