import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OrdsSimulator, startOrdsSimulator } from '../../../simulator/index.js';
import { call, datapump, linksOf, postExport } from './http.js';

const START = new Date('2026-11-23T02:00:00Z');
const TEMPLATE = 'ORDERS-20261123T020000Z-1A2B-%U.DMP';
const JOB = 'DATAPUMP_REST_EXPORT_20261123020000';

let clock: Date;
let sim: OrdsSimulator;

beforeEach(async () => {
  clock = START;
  sim = await startOrdsSimulator({ now: () => clock, pollsPerState: 0 });
});

afterEach(async () => {
  await sim.stop();
});

const jobUrl = () => `${datapump(sim)}jobs/DBAPI_USER,${JOB}/`;

describe('simulator variants of real ORDS servers', () => {
  it('puts another path prefix into every link with linkBasePath, and still serves the configured path', async () => {
    sim.configure({ linkBasePath: '/gateway/ORDS/PDB1/DBAPI_USER/' });
    const created = await postExport(sim, { file_name: TEMPLATE });

    const prefix = `${sim.origin}/gateway/ORDS/PDB1/DBAPI_USER/_/db-api/stable/database/datapump/jobs/`;
    expect(created.headers.location).toBe(`${prefix}DBAPI_USER,${JOB}/`);
    expect(
      linksOf(await call(jobUrl())).every((link) => link.href.startsWith(`${sim.origin}/gateway/`)),
    ).toBe(true);
    expect((await call(`${prefix}DBAPI_USER,${JOB}/`)).status).toBe(404);
  });

  it('writes a Japanese log with logLanguage ja', async () => {
    sim.configure({ logLanguage: 'ja' });
    await postExport(sim, { file_name: TEMPLATE });
    await call(jobUrl());

    const log = sim.jobs()[0]?.logText ?? '';
    expect(log).toContain(`"DBAPI_USER"."${JOB}"を起動しています:`);
    expect(log).toContain(`DBAPI_USER.${JOB}に設定されたダンプ・ファイルは次のとおりです :`);
    expect(log.trimEnd().split('\n').at(-1)).toBe(
      `ジョブ"DBAPI_USER"."${JOB}"が月 11月 23 02:00:00 2026 elapsed 0 00:00:00で正常に完了しました`,
    );
  });

  it('shows COMPLETED in state itself once finished with endStateInState', async () => {
    sim.configure({ endStateInState: true });
    await postExport(sim, { file_name: TEMPLATE });

    expect((await call(jobUrl())).json()).toMatchObject({ state: 'COMPLETED', job_state: 'COMPLETED' });
  });

  it('shows COMPLETED only at the first poll after the end with endStateInState transient', async () => {
    sim.configure({ endStateInState: 'transient' });
    await postExport(sim, { file_name: TEMPLATE });

    expect((await call(jobUrl())).json()).toMatchObject({ state: 'COMPLETED' });
    expect((await call(jobUrl())).json()).toMatchObject({ state: 'NOT RUNNING', job_state: 'COMPLETED' });
  });

  it('lists other owners, BIN$ rows and orphans in pages of pageLimit, answering their GETs as ORDS does', async () => {
    sim.configure({ listNoise: { foreignOwnerJobs: 1, recycleBinRows: 1, orphanJobs: 2 }, pageLimit: 2 });
    await postExport(sim, { file_name: TEMPLATE });

    const first = (await call(`${datapump(sim)}jobs/`)).json<{
      items: Array<{ job_name: string }>;
      hasMore: boolean;
    }>();
    const third = (await call(`${datapump(sim)}jobs/?offset=4`)).json<{
      items: Array<{ job_name: string }>;
      hasMore: boolean;
    }>();
    expect(first.items.map((item) => item.job_name)).toEqual([
      'SYS_EXPORT_FULL_01',
      'BIN$Ez0yNhS4bGXgUwIAEaxS01==$0',
    ]);
    expect(first.hasMore).toBe(true);
    expect(third).toMatchObject({ items: [{ job_name: JOB }], hasMore: false });
    expect((await call(`${datapump(sim)}jobs/SYSTEM,SYS_EXPORT_FULL_01/`)).status).toBe(403);
    expect((await call(`${datapump(sim)}jobs/DBAPI_USER,SYS_EXPORT_SCHEMA_01/`)).status).toBe(200);
  });

  it('hides a new job for jobAppearsAfterMs', async () => {
    sim.configure({ jobAppearsAfterMs: 5000 });
    await postExport(sim, { file_name: TEMPLATE });

    expect((await call(jobUrl())).status).toBe(404);
    expect((await call(`${datapump(sim)}jobs/`)).json<{ items: unknown[] }>().items).toEqual([]);
    clock = new Date(START.getTime() + 5000);
    expect((await call(jobUrl())).status).toBe(200);
  });

  it('drops a successful job despite keep_master 1 with ignoreKeepMaster, serving its files by name only with servesDroppedJobFiles', async () => {
    sim.configure({ ignoreKeepMaster: true });
    await postExport(sim, { file_name: TEMPLATE, keep_master: 1 });
    expect((await call(jobUrl())).status).toBe(404);
    expect((await call(`${jobUrl()}ORDERS-20261123T020000Z-1A2B-01.DMP`)).status).toBe(404);

    sim.configure({ servesDroppedJobFiles: true });
    expect((await call(`${jobUrl()}ORDERS-20261123T020000Z-1A2B-01.DMP`)).status).toBe(200);
    expect((await call(`${jobUrl()}ORDERS-20261123T020000Z-1A2B.LOG`)).text).toContain(
      'successfully completed',
    );
  });

  it('fails on a logLanguage it does not write', async () => {
    expect(() => sim.configure({ logLanguage: 'fr' as never })).toThrow(
      /logLanguage must be one of en, ja, unknown, got "fr"/,
    );
  });
});
