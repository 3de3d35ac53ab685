import { describe, expect, it } from 'vitest';
import {
  ErrorName,
  OrdsAuthError,
  OrdsRequestError,
  OrdsUnavailableError,
} from '../../../../functions/core/base/errors.js';
import { RELIST_DELAYS_MS } from '../../../../functions/core/export/adopt-job.js';
import { ExportSpecSchema } from '../../../../functions/core/export/export-spec.js';
import { type StartExportInput, startExport } from '../../../../functions/core/export/start-export.js';
import type { DataPumpJob, ExportRequestBody } from '../../../../functions/core/ords/ords-api.js';
import {
  OrdsHttpRequestError,
  OrdsHttpUnavailableError,
} from '../../../../functions/core/ords/ords-errors.js';
import { makeRunId } from '../../../../functions/core/state/naming.js';
import { FakeJobApi, job, recordingLogger } from '../../../helpers/job-fakes.js';

const payload: StartExportInput = {
  database: 'orders',
  export: ExportSpecSchema.parse({ schemas: ['HR'] }),
  onRunningExport: 'fail',
  executionName: 'exec-1',
  executionStartTime: '2026-11-23T02:00:00.000Z',
};
const runId = makeRunId(payload.executionStartTime, payload.executionName);
const deps = (ords: FakeJobApi, now = '2026-11-23T02:00:05Z', slept: number[] = []) => ({
  ords,
  logger: recordingLogger(),
  now: () => new Date(now),
  sleep: async (milliseconds: number) => {
    slept.push(milliseconds);
  },
});
const TEMPLATE = `ORDERS-${runId}-A020005-%U.DMP`;
const LOG = `ORDERS-${runId}-A020005.LOG`;

describe('startExport', () => {
  it('starts an export whose files carry the database, the run id and the attempt', async () => {
    const ords = new FakeJobApi();
    const ref = await startExport(deps(ords), payload);
    expect(ords.started).toHaveLength(1);
    expect(ords.started[0]?.file_name).toBe(TEMPLATE);
    expect(ref).toMatchObject({
      jobName: ords.nextJob.jobName,
      runId,
      fileName: TEMPLATE,
      adopted: false,
      jobMode: 'SCHEMA',
    });
  });

  it('keeps the log file name the 201 links, to read it by name should the job vanish', async () => {
    const ords = new FakeJobApi();
    ords.nextJob = job({ files: [{ name: LOG }] });
    expect(await startExport(deps(ords), payload)).toMatchObject({ logFileName: LOG });
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

  it("ignores jobs of other owners that carry this run's id", async () => {
    const ords = new FakeJobApi();
    const foreign = job({
      owner: 'SYSTEM',
      jobName: 'DATAPUMP_REST_EXPORT_20261123020001',
      files: [{ name: `ORDERS-${runId}.LOG` }],
    });
    ords.jobs.set(foreign.jobName, foreign);
    const ref = await startExport(deps(ords), payload);
    expect(ords.started).toHaveLength(1);
    expect(ref.adopted).toBe(false);
    expect(ords.gets).toEqual([]);
  });

  it('skips a job whose GET fails and still finds its own job', async () => {
    const ords = new FakeJobApi();
    const broken = job({ jobName: 'DATAPUMP_REST_EXPORT_20261123020009' });
    const mine = job({ jobName: 'DATAPUMP_REST_EXPORT_20261123020001', files: [{ name: LOG }] });
    ords.jobs.set(broken.jobName, broken);
    ords.jobs.set(mine.jobName, mine);
    ords.failingGets.set(broken.jobName, new OrdsAuthError('ORDS answered 403'));
    const ref = await startExport(deps(ords), payload);
    expect(ref).toMatchObject({ jobName: mine.jobName, adopted: true, logFileName: LOG });
    expect(ords.started).toHaveLength(0);
  });

  it('starts the export when an unrelated job answers 500', async () => {
    const ords = new FakeJobApi();
    const broken = job({ jobName: 'DATAPUMP_REST_EXPORT_20261123020009' });
    ords.jobs.set(broken.jobName, broken);
    ords.failingGets.set(broken.jobName, new OrdsUnavailableError('ORDS answered 500'));
    await startExport(deps(ords), payload);
    expect(ords.started).toHaveLength(1);
  });

  it('adopts the newest job of this run', async () => {
    const ords = new FakeJobApi();
    for (const jobName of ['DATAPUMP_REST_EXPORT_20261123020009', 'DATAPUMP_REST_EXPORT_20261123020001']) {
      ords.jobs.set(jobName, job({ jobName, state: 'NOT RUNNING', files: [{ name: LOG }] }));
    }
    const ref = await startExport(deps(ords), payload);
    expect(ref.jobName).toBe('DATAPUMP_REST_EXPORT_20261123020009');
  });

  it('reads no finished job named more than a day before the run started', async () => {
    const ords = new FakeJobApi();
    const old = job({ jobName: 'DATAPUMP_REST_EXPORT_20261120020000', state: 'NOT RUNNING' });
    ords.jobs.set(old.jobName, old);
    await startExport(deps(ords), payload);
    expect(ords.gets).toEqual([]);
  });

  it('adopts the job of a POST whose answer was lost, so exactly one export exists', async () => {
    const ords = new FakeJobApi();
    ords.nextJob = job({ jobName: 'DATAPUMP_REST_EXPORT_20261123020005', files: [{ name: LOG }] });
    ords.lostAnswer = new OrdsUnavailableError('socket hang up');
    ords.listsBeforeVisible = 2;
    const slept: number[] = [];
    const ref = await startExport(deps(ords, '2026-11-23T02:00:05Z', slept), payload);
    expect(ords.started).toHaveLength(1);
    expect(ref).toMatchObject({ jobName: 'DATAPUMP_REST_EXPORT_20261123020005', adopted: true, runId });
    expect(slept).toEqual(RELIST_DELAYS_MS.slice(0, 2));
  });

  it('fails for a lost answer when no job appears within about a minute, and the retry POSTs a new file name', async () => {
    const ords = new FakeJobApi();
    ords.nextJob = job({ jobName: 'DATAPUMP_REST_EXPORT_20261123020005', files: [{ name: LOG }] });
    ords.lostAnswer = new OrdsUnavailableError('socket hang up');
    ords.listsBeforeVisible = 100;
    const slept: number[] = [];

    const error = await startExport(deps(ords, '2026-11-23T02:00:05Z', slept), payload).catch(
      (e: Error) => e,
    );

    expect(error).toMatchObject({ name: ErrorName.OrdsUnavailable });
    expect((error as Error).message).toMatch(/no job of this run appeared .* within about a minute/);
    const waited = slept.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeGreaterThanOrEqual(55_000);
    expect(waited).toBeLessThanOrEqual(65_000);

    ords.nextJob = job({ jobName: 'DATAPUMP_REST_EXPORT_20261123020120' });
    await startExport(deps(ords, '2026-11-23T02:01:20Z'), payload);
    expect(ords.started.map((body) => body.file_name)).toEqual([TEMPLATE, `ORDERS-${runId}-A020120-%U.DMP`]);
  });

  it.each([
    ['400', new OrdsRequestError('ORDS answered 400'), ErrorName.OrdsRequest],
    ['503', new OrdsHttpUnavailableError('ORDS answered 503', 503), ErrorName.OrdsUnavailable],
  ])(
    'fails at once for a POST refused with %s, without looking for a job',
    async (_status, refusal, name) => {
      const ords = new FakeJobApi();
      ords.refusal = refusal;
      const slept: number[] = [];
      const error = await startExport(deps(ords, '2026-11-23T02:00:05Z', slept), payload).catch(
        (e: Error) => e,
      );
      expect(error).toMatchObject({ name });
      expect(slept).toEqual([]);
      expect(ords.listCalls).toBe(1);
    },
  );

  describe('against older or stricter ORDS versions', () => {
    /** A gateway that answers 400 naming a field to every POST matching `refuses`, counting POSTs. */
    class StrictGateway extends FakeJobApi {
      posts = 0;
      constructor(
        private readonly refuses: (body: ExportRequestBody) => boolean,
        private readonly said: string,
      ) {
        super();
      }
      override async startExport(body: ExportRequestBody): Promise<DataPumpJob> {
        this.posts++;
        if (this.refuses(body)) throw new OrdsHttpRequestError('ORDS answered 400', 400, this.said);
        return super.startExport(body);
      }
    }

    it('retries once without keep_master after a 400 naming it, logging it once and recording it', async () => {
      const ords = new StrictGateway((body) => body.keep_master !== undefined, 'Unknown field "keep_master"');
      const logger = recordingLogger();

      const ref = await startExport({ ...deps(ords), logger }, payload);

      expect(ords.posts).toBe(2);
      expect(ords.started).toHaveLength(1);
      expect(ords.started[0]).not.toHaveProperty('keep_master');
      expect(ords.started[0]?.file_name).toBe(TEMPLATE);
      expect(ref.fallbacks).toEqual(['keep-master-refused']);
      expect(logger.lines.filter((line) => /keep_master/.test(line.message))).toHaveLength(1);
    });

    it('fails when the POST without keep_master is refused too, after exactly one retry', async () => {
      const ords = new StrictGateway(() => true, 'keep_master: ORA-39001: invalid argument value');

      const error = await startExport(deps(ords), payload).catch((e: Error) => e);

      expect(error).toMatchObject({ name: ErrorName.OrdsRequest });
      expect(ords.posts).toBe(2);
    });

    it('does not retry a 400 naming file_name: without it the files could not carry the run id', async () => {
      const ords = new StrictGateway(() => true, 'Unknown field "file_name"');

      const error = await startExport(deps(ords), payload).catch((e: Error) => e);

      expect(error).toMatchObject({ name: ErrorName.OrdsRequest });
      expect(ords.posts).toBe(1);
    });

    it("detects an ignored file_name from the 201's log link and follows ORDS's default template", async () => {
      // GIVEN an ORDS before 22.3 that names the log from its default template
      const ords = new FakeJobApi();
      ords.nextJob = job({ files: [{ name: 'EXPDAT-2026-11-23-02_00_05.LOG' }] });

      const ref = await startExport(deps(ords), payload);

      expect(ref).toMatchObject({
        fileName: 'EXPDAT%U-2026-11-23-02_00_05.DMP',
        logFileName: 'EXPDAT-2026-11-23-02_00_05.LOG',
        fallbacks: ['file-name-ignored'],
      });
    });

    it('records list-offset-ignored when the job list had to be read in one page', async () => {
      const ords = Object.assign(new FakeJobApi(), { offsetIgnored: true });

      const ref = await startExport(deps(ords), payload);

      expect(ref.fallbacks).toEqual(['list-offset-ignored']);
    });

    it('records no fallback when the files carry the file_name sent', async () => {
      const ords = new FakeJobApi();
      ords.nextJob = job({ files: [{ name: LOG }] });

      const ref = await startExport(deps(ords), payload);

      expect(ref).not.toHaveProperty('fallbacks');
      expect(ref.fileName).toBe(TEMPLATE);
    });
  });
});
