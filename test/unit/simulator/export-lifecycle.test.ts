import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fileContent,
  fileSha256,
  type JobOutcome,
  type OrdsSimulator,
  startOrdsSimulator,
} from '../../../simulator/index.js';
import { call, datapump, type Link, linksOf, pollUntilFinished, postExport } from './http.js';

const START = new Date('2026-11-23T02:00:00Z');
const TEMPLATE = 'ORDERS-20261123T020000Z-1A2B-%U.DMP';

let clock: Date;
let sim: OrdsSimulator;

beforeEach(async () => {
  clock = START;
  sim = await startOrdsSimulator({ now: () => clock });
});

afterEach(async () => {
  await sim.stop();
});

describe('export lifecycle', () => {
  it('creates a job with 201, Location, Content-Location and ETag', async () => {
    const answer = await postExport(sim, { file_name: TEMPLATE, filter: 'HR' });

    const jobUrl = `${datapump(sim)}jobs/DBAPI_USER,DATAPUMP_REST_EXPORT_20261123020000/`;
    expect(answer.status).toBe(201);
    expect(answer.headers.location).toBe(jobUrl);
    expect(answer.headers['content-location']).toBe(jobUrl);
    expect(answer.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(answer.json()).toMatchObject({
      job_name: 'DATAPUMP_REST_EXPORT_20261123020000',
      owner_name: 'DBAPI_USER',
      operation: 'EXPORT',
      job_mode: 'SCHEMA',
      state: 'EXECUTING',
      degree: 1,
      attached_sessions: 0,
      datapump_sessions: 2,
      job_state: 'EXECUTING',
    });
    expect(linksOf(answer)).toEqual([
      { rel: 'collection', href: `${datapump(sim)}jobs/` },
      { rel: 'describedby', href: `${sim.url}_/db-api/stable/metadata-catalog/` },
      { rel: 'related', href: `${jobUrl}ORDERS-20261123T020000Z-1A2B.LOG` },
      { rel: 'self', href: jobUrl },
    ]);
  });

  it('advances EXECUTING → COMPLETING → NOT RUNNING, one state per poll', async () => {
    const jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;

    const states: string[] = [];
    for (let poll = 0; poll < 4; poll++) {
      const job = (await call(jobUrl)).json<{ state: string; job_state: string }>();
      states.push(`${job.state}/${job.job_state}`);
    }

    expect(states).toEqual([
      'EXECUTING/EXECUTING',
      'COMPLETING/COMPLETING',
      'NOT RUNNING/COMPLETED',
      'NOT RUNNING/COMPLETED',
    ]);
  });

  it('links the dump files and the log once finished, and serves them byte for byte', async () => {
    sim.configure({ dumpFileBytes: 300_000 });
    const jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;

    const finished = await pollUntilFinished(jobUrl);
    const links = linksOf(finished);
    const dump = links.find((link) => link.rel === 'enclosure');
    const log = links.find((link) => link.rel === 'related');
    const view = sim.jobs()[0];

    expect(dump?.href).toBe(`${jobUrl}ORDERS-20261123T020000Z-1A2B-01.DMP`);
    const dumpAnswer = await call(dump?.href ?? '');
    expect(dumpAnswer.status).toBe(200);
    expect(dumpAnswer.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
    expect(
      dumpAnswer.body.equals(
        fileContent(view?.jobName ?? '', 'ORDERS-20261123T020000Z-1A2B-01.DMP', 0, 300_000),
      ),
    ).toBe(true);
    expect(createHash('sha256').update(dumpAnswer.body).digest('hex')).toBe(
      await fileSha256(view?.jobName ?? '', 'ORDERS-20261123T020000Z-1A2B-01.DMP', 300_000),
    );
    const logAnswer = await call(log?.href ?? '');
    expect(logAnswer.headers['content-type']).toBe('text/plain');
    expect(logAnswer.text).toBe(view?.logText);
  });

  it('names one dump file per %U and derives the log name from the template', async () => {
    sim.configure({ dumpFiles: 3, dumpFileBytes: [1000, 2000] });
    const jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;

    const links = linksOf(await pollUntilFinished(jobUrl));

    expect(links.filter((link) => link.rel !== 'self' && link.href.startsWith(jobUrl))).toEqual([
      { rel: 'enclosure', href: `${jobUrl}ORDERS-20261123T020000Z-1A2B-01.DMP` },
      { rel: 'enclosure', href: `${jobUrl}ORDERS-20261123T020000Z-1A2B-02.DMP` },
      { rel: 'enclosure', href: `${jobUrl}ORDERS-20261123T020000Z-1A2B-03.DMP` },
      { rel: 'related', href: `${jobUrl}ORDERS-20261123T020000Z-1A2B.LOG` },
    ]);
    expect(
      sim
        .jobs()[0]
        ?.files.map((file) => file.bytes)
        .slice(0, 3),
    ).toEqual([1000, 2000, 2000]);
    expect(sim.jobs()[0]?.logText).toContain(
      'Dump file set for DBAPI_USER.DATAPUMP_REST_EXPORT_20261123020000 is:\n' +
        '  /u01/app/oracle/admin/ORCL/dpdump/ORDERS-20261123T020000Z-1A2B-01.DMP\n' +
        '  /u01/app/oracle/admin/ORCL/dpdump/ORDERS-20261123T020000Z-1A2B-02.DMP\n' +
        '  /u01/app/oracle/admin/ORCL/dpdump/ORDERS-20261123T020000Z-1A2B-03.DMP\n',
    );
  });

  it('uses the default template EXPDAT%U-<time>.DMP when no file_name is sent', async () => {
    await postExport(sim);

    expect(sim.jobs()[0]?.fileNameTemplate).toBe('EXPDAT%U-2026-11-23-02_00_00.DMP');
    expect(sim.jobs()[0]?.files.map((file) => file.name)).toEqual([
      'EXPDAT01-2026-11-23-02_00_00.DMP',
      'EXPDAT-2026-11-23-02_00_00.LOG',
    ]);
  });

  it('links only the log while running unless linkDumpFilesWhileRunning is set', async () => {
    const first = await postExport(sim, { file_name: 'A-%U.DMP' });
    clock = new Date(START.getTime() + 1000);
    sim.configure({ linkDumpFilesWhileRunning: true });
    const second = await postExport(sim, { file_name: 'B-%U.DMP' });

    expect(linksOf(first).map((link) => link.rel)).toEqual(['collection', 'describedby', 'related', 'self']);
    expect(linksOf(second).map((link) => link.rel)).toEqual([
      'collection',
      'describedby',
      'enclosure',
      'related',
      'self',
    ]);
  });

  it('renames link rels with linkRels', async () => {
    sim.configure({ linkRels: { dump: 'item', log: 'alternate' }, pollsPerState: 0 });
    const jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;

    const rels = linksOf(await call(jobUrl)).map((link) => link.rel);

    expect(rels).toEqual(['collection', 'describedby', 'item', 'alternate', 'self']);
  });

  it('advances by the clock with msPerState', async () => {
    sim.configure({ msPerState: 10_000 });
    const jobUrl = (await postExport(sim)).headers.location as string;
    const stateAt = async (seconds: number) => {
      clock = new Date(START.getTime() + seconds * 1000);
      return (await call(jobUrl)).json<{ state: string }>().state;
    };

    expect([await stateAt(1), await stateAt(5), await stateAt(12), await stateAt(25)]).toEqual([
      'EXECUTING',
      'EXECUTING',
      'COMPLETING',
      'NOT RUNNING',
    ]);
    expect(sim.jobs()[0]?.logText).toMatch(
      /successfully completed at Mon Nov 23 02:00:20 2026 elapsed 0 00:00:20\n$/,
    );
  });

  it('shows NOT RUNNING at the first poll with notRunningFlickerAtStart', async () => {
    sim.configure({ notRunningFlickerAtStart: true });
    const jobUrl = (await postExport(sim)).headers.location as string;

    const first = await call(jobUrl);
    const second = (await call(jobUrl)).json();

    expect(first.json()).toMatchObject({ state: 'NOT RUNNING', job_state: 'DEFINING' });
    expect(linksOf(first).some((link) => link.href.endsWith('.DMP'))).toBe(false);
    expect(second).toMatchObject({ state: 'EXECUTING' });
  });

  it('leaves job_state out unless includeJobState and adds job_comment with includeJobComment', async () => {
    sim.configure({ includeJobState: false, includeJobComment: true, pollsPerState: 0 });
    const jobUrl = (await postExport(sim)).headers.location as string;

    const job = (await call(jobUrl)).json();

    expect(job).not.toHaveProperty('job_state');
    expect(job.job_comment).toBe(
      'Job "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020000" successfully completed at Mon Nov 23 02:00:00 2026 elapsed 0 00:00:00',
    );
  });

  it('blank-pads operation, job_mode and state in the list and the single GET with padValues', async () => {
    sim.configure({ padValues: true });
    const jobUrl = (await postExport(sim, { job_mode: 'full' })).headers.location as string;

    const single = (await call(jobUrl)).json();
    const item = (await call(`${datapump(sim)}jobs/`)).json<{ items: Record<string, unknown>[] }>().items[0];

    for (const job of [single, item]) {
      expect(job).toMatchObject({
        operation: 'EXPORT                        ',
        job_mode: 'FULL                          ',
        state: 'EXECUTING                     ',
      });
    }
  });

  it('generates absolute URLs on linkOrigin and locationOrigin, keeping the path', async () => {
    sim.configure({
      linkOrigin: 'https://ords.proxy.example:8443',
      locationOrigin: 'http://ords.proxy.example',
    });

    const answer = await postExport(sim);

    const path =
      '/ords/pdb1/dbapi_user/_/db-api/stable/database/datapump/jobs/DBAPI_USER,DATAPUMP_REST_EXPORT_20261123020000/';
    expect(answer.headers.location).toBe(`http://ords.proxy.example${path}`);
    expect(answer.headers['content-location']).toBe(`https://ords.proxy.example:8443${path}`);
    expect(
      linksOf(answer).every((link) => link.href.startsWith('https://ords.proxy.example:8443/ords/')),
    ).toBe(true);
  });

  it('points file links at a foreign host with foreignFileLinks', async () => {
    sim.configure({ foreignFileLinks: 'https://evil.example/steal/', pollsPerState: 0 });
    const jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;

    const links = linksOf(await call(jobUrl));

    expect(links.filter((link) => /\.(DMP|LOG)$/.test(link.href)).map((link) => link.href)).toEqual([
      'https://evil.example/steal/ORDERS-20261123T020000Z-1A2B-01.DMP',
      'https://evil.example/steal/ORDERS-20261123T020000Z-1A2B.LOG',
    ]);
  });

  it('answers on the latest API version too and links within it', async () => {
    const answer = await call(`${datapump(sim, 'latest')}export`, { method: 'POST', body: '{}' });

    expect(answer.status).toBe(201);
    expect(answer.headers.location).toContain('/_/db-api/latest/database/datapump/jobs/');
  });

  it('creates an export through POST jobs/ with operation EXPORT', async () => {
    const answer = await call(`${datapump(sim)}jobs/`, { method: 'POST', body: '{"operation":"EXPORT"}' });

    expect(answer.status).toBe(201);
    expect(answer.json()).toMatchObject({ operation: 'EXPORT' });
  });

  it('imports a dump file an earlier export wrote', async () => {
    await pollUntilFinished((await postExport(sim, { file_name: TEMPLATE })).headers.location as string);

    const answer = await call(`${datapump(sim)}import`, {
      method: 'POST',
      body: JSON.stringify({ file_name: TEMPLATE, remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }] }),
    });
    await pollUntilFinished(answer.headers.location as string);

    expect(answer.status).toBe(201);
    expect(answer.json()).toMatchObject({
      job_name: 'DATAPUMP_REST_IMPORT_20261123020000',
      operation: 'IMPORT',
    });
    expect(sim.jobs()[1]?.logText).toMatch(
      /Job "DBAPI_USER"\."DATAPUMP_REST_IMPORT_20261123020000" successfully completed at/,
    );
  });

  it('keeps links usable after configure changes the base path', async () => {
    sim.configure({ basePath: '/ords/other_alias/' });

    const answer = await postExport(sim);

    expect(sim.url).toBe(`${sim.origin}/ords/other_alias/`);
    expect(
      linksOf(answer).every((link) => link.href.startsWith(`${sim.origin}/ords/other_alias/_/db-api/`)),
    ).toBe(true);
  });
});

describe('job list', () => {
  it('pages with limit and offset and links the next page while hasMore', async () => {
    for (let second = 0; second < 3; second++) {
      clock = new Date(START.getTime() + second * 1000);
      await postExport(sim, { file_name: `F${second}-%U.DMP` });
    }

    const first = (await call(`${datapump(sim)}jobs/?limit=2`)).json<
      Record<string, unknown> & { links: Link[] }
    >();
    const second = (await call(`${datapump(sim)}jobs/?limit=2&offset=2`)).json<
      Record<string, unknown> & { links: Link[] }
    >();

    expect(first).toMatchObject({ hasMore: true, limit: 2, offset: 0, count: 2 });
    expect(first.links.find((link) => link.rel === 'next')?.href).toBe(
      `${datapump(sim)}jobs/?offset=2&limit=2`,
    );
    expect(second).toMatchObject({ hasMore: false, limit: 2, offset: 2, count: 1 });
    expect(second.links.some((link) => link.rel === 'next')).toBe(false);
  });

  it('defaults to 25 items per page', async () => {
    const list = (await call(`${datapump(sim)}jobs/`)).json();

    expect(list).toMatchObject({ items: [], hasMore: false, limit: 25, offset: 0, count: 0 });
  });
});

describe('outcomes', () => {
  const finalLines: Record<JobOutcome, RegExp> = {
    success:
      /\nJob "DBAPI_USER"\."DATAPUMP_REST_EXPORT_20261123020000" successfully completed at Mon Nov 23 02:00:31 2026 elapsed 0 00:00:31\n$/,
    errors:
      /\nORA-31693: [^\n]+\n[\s\S]*\nJob "DBAPI_USER"\."DATAPUMP_REST_EXPORT_20261123020000" completed with 2 error\(s\) at Mon Nov 23 02:00:31 2026 elapsed 0 00:00:31\n$/,
    fatal:
      /\nORA-39126: [^\n]+\nORA-01555: [\s\S]*\nJob "DBAPI_USER"\."DATAPUMP_REST_EXPORT_20261123020000" stopped due to fatal error at Mon Nov 23 02:00:31 2026 elapsed 0 00:00:31\n$/,
    stopped:
      /\nJob "DBAPI_USER"\."DATAPUMP_REST_EXPORT_20261123020000" stopped by user request at Mon Nov 23 02:00:31 2026 elapsed 0 00:00:31\n$/,
    'no-log': /^$/,
  };

  for (const outcome of ['success', 'errors', 'fatal', 'stopped'] as const) {
    it(`ends a '${outcome}' job's log with its verdict line`, async () => {
      sim.configure({ outcome, pollsPerState: 0 });
      const jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;
      clock = new Date(START.getTime() + 31_000);

      const finished = await call(jobUrl);
      const logHref = linksOf(finished).find((link) => link.href.endsWith('.LOG'))?.href ?? '';
      const log = await call(logHref);

      expect(log.text).toMatch(finalLines[outcome]);
      expect(log.text).toMatch(/^Export: Release 19\.0\.0\.0\.0 - Production on Mon Nov 23 02:00:00 2026\n/);
      expect(finished.json()).toMatchObject({
        state: 'NOT RUNNING',
        job_state: outcome === 'fatal' || outcome === 'stopped' ? 'STOPPED' : 'COMPLETED',
      });
    });
  }

  it('links no dump file for a fatal error', async () => {
    sim.configure({ outcome: 'fatal', pollsPerState: 0 });
    const jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;

    const links = linksOf(await call(jobUrl));

    expect(links.some((link) => link.href.endsWith('.DMP'))).toBe(false);
    expect(sim.jobs()[0]?.logText).not.toContain('Dump file set');
  });

  it("has no log and no link to one for 'no-log', and the log download answers 404", async () => {
    sim.configure({ outcome: 'no-log', pollsPerState: 0 });
    const jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;

    const links = linksOf(await call(jobUrl));
    const download = await call(`${jobUrl}ORDERS-20261123T020000Z-1A2B.LOG`);

    expect(links.map((link) => link.rel)).toEqual(['collection', 'describedby', 'self']);
    expect(download.status).toBe(404);
    expect(sim.jobs()[0]?.logText).toBeNull();
  });

  it('takes outcomes from a queue, then succeeds', async () => {
    sim.configure({ outcome: ['fatal', 'errors'] });
    for (let second = 0; second < 3; second++) {
      clock = new Date(START.getTime() + second * 1000);
      await postExport(sim, { file_name: `Q${second}-%U.DMP` });
    }

    expect(sim.jobs().map((job) => job.outcome)).toEqual(['fatal', 'errors', 'success']);
  });

  it('takes outcomes from a function of the export number', async () => {
    sim.configure({ outcome: (exportNumber) => (exportNumber % 2 === 0 ? 'stopped' : 'success') });
    for (let second = 0; second < 3; second++) {
      clock = new Date(START.getTime() + second * 1000);
      await postExport(sim, { file_name: `N${second}-%U.DMP` });
    }

    expect(sim.jobs().map((job) => job.outcome)).toEqual(['success', 'stopped', 'success']);
  });
});

describe('keep_master', () => {
  it('answers 404 for a finished job created with keep_master 0, and its files go with it', async () => {
    const jobUrl = (await postExport(sim, { file_name: TEMPLATE, keep_master: 0 })).headers
      .location as string;

    const states = [(await call(jobUrl)).status, (await call(jobUrl)).status, (await call(jobUrl)).status];
    const dump = await call(`${jobUrl}ORDERS-20261123T020000Z-1A2B-01.DMP`);
    const list = (await call(`${datapump(sim)}jobs/`)).json<{ items: unknown[] }>();

    expect(states).toEqual([200, 200, 404]);
    expect(dump.status).toBe(404);
    expect(list.items).toEqual([]);
    expect(sim.jobs()[0]).toMatchObject({ dropped: true, keepMaster: false });
  });

  it('keeps a failed job created with keep_master 0', async () => {
    sim.configure({ outcome: 'fatal', pollsPerState: 0 });
    const jobUrl = (await postExport(sim, { keep_master: 0 })).headers.location as string;

    expect((await call(jobUrl)).status).toBe(200);
  });
});

describe('validation', () => {
  it('fails with ORA-31634 when one owner starts two exports in the same second', async () => {
    await postExport(sim, { file_name: 'A-%U.DMP' });

    const second = await postExport(sim, { file_name: 'B-%U.DMP' });

    expect(second.status).toBe(400);
    expect(second.headers['content-type']).toBe('application/problem+json');
    expect(second.json()).toMatchObject({ code: 'BadRequest', message: 'ORA-31634: job already exists' });
    expect(sim.jobs()).toHaveLength(1);
  });

  it('fails with ORA-39087 for a directory the user cannot use', async () => {
    const answer = await postExport(sim, { datapump_dir: 'NOPE_DIR' });

    expect(answer.status).toBe(400);
    expect(answer.json<{ message: string }>().message).toContain(
      'ORA-39002: invalid operation\nORA-39070: Unable to open the log file.\nORA-39087: directory name NOPE_DIR is invalid',
    );
  });

  it('fails for a file_name with characters outside [A-Za-z0-9_.%-]', async () => {
    const answer = await postExport(sim, { file_name: "x'||drop table t--%U.DMP" });

    expect(answer.status).toBe(400);
    expect(sim.jobs()).toEqual([]);
  });

  it('fails for an unknown job_mode', async () => {
    const answer = await postExport(sim, { job_mode: 'EVERYTHING' });

    expect(answer.status).toBe(400);
    expect(answer.json<{ message: string }>().message).toContain('job_mode "EVERYTHING"');
  });

  it('fails with ORA-31641 when the dump files already exist from an earlier job', async () => {
    await postExport(sim, { file_name: TEMPLATE });
    clock = new Date(START.getTime() + 1000);

    const answer = await postExport(sim, { file_name: TEMPLATE });

    expect(answer.status).toBe(400);
    expect(answer.json<{ message: string }>().message).toContain(
      'ORA-31641: unable to create dump file "/u01/app/oracle/admin/ORCL/dpdump/ORDERS-20261123T020000Z-1A2B-01.DMP"',
    );
  });

  it('fails with ORA-39391 once maxConcurrentJobs jobs are running', async () => {
    sim.configure({ maxConcurrentJobs: 1 });
    await postExport(sim, { file_name: 'A-%U.DMP' });
    clock = new Date(START.getTime() + 1000);

    const answer = await postExport(sim, { file_name: 'B-%U.DMP' });

    expect(answer.status).toBe(400);
    expect(answer.json<{ message: string }>().message).toContain('ORA-39391');
  });

  it('fails when POST jobs/ has no operation', async () => {
    const answer = await call(`${datapump(sim)}jobs/`, { method: 'POST', body: '{"job_mode":"FULL"}' });

    expect(answer.status).toBe(400);
  });

  it('ignores unknown keys like the real server', async () => {
    const answer = await postExport(sim, { job_mod: 'FULL', compression: 'ALL' });

    expect(answer.status).toBe(201);
    expect(answer.json()).toMatchObject({ job_mode: 'SCHEMA' });
  });

  it('fails with 404 for unknown routes and trailing-slash variants', async () => {
    const base = datapump(sim);
    const urls = [
      `${base}export/`,
      `${base}jobs`,
      `${base}jobs/DBAPI_USER,NO_SUCH_JOB/`,
      `${base}jobs/DBAPI_USER,NO_SUCH_JOB`,
      `${sim.url}_/db-api/v1/database/datapump/jobs/`,
      `${sim.origin}/ords/other/`,
    ];

    const statuses = await Promise.all(urls.map(async (url) => (await call(url)).status));

    expect(statuses).toEqual([404, 404, 404, 404, 404, 404]);
  });
});
