import { describe, expect, it } from 'vitest';
import { OrdsResponseError } from '../../../../functions/core/base/errors.js';
import {
  fileNameOfHref,
  jobActivity,
  parseJob,
  parseJobList,
} from '../../../../functions/core/ords/ords-parse.js';
import { parseOrdsUrl } from '../../../../functions/core/ords/ords-url.js';
import { BASE, fixture } from './fixtures.js';

const base = parseOrdsUrl(BASE);
const JOBS = 'https://db.example.com:8443/ords/pdb1/dbapi_user/_/db-api/stable/database/datapump/jobs/';

describe('parseJob', () => {
  it('reads the job of a 201 answer', () => {
    expect(parseJob(fixture('job-created.json'), base)).toEqual({
      owner: 'DBAPI_USER',
      jobName: 'DATAPUMP_REST_EXPORT_20261123020001',
      operation: 'EXPORT',
      jobMode: 'SCHEMA',
      state: 'EXECUTING',
      jobState: 'EXECUTING',
      files: [],
    });
  });

  it('trims and upper-cases blank-padded values', () => {
    const job = parseJob(fixture('job-finished.json'), base);
    expect([job.operation, job.jobMode, job.state, job.jobState]).toEqual([
      'EXPORT',
      'SCHEMA',
      'NOT RUNNING',
      'COMPLETED',
    ]);
  });

  it('picks files by extension whatever the rel, deduplicated and in link order', () => {
    const job = parseJob(fixture('job-finished.json'), base);
    expect(job.files.map((file) => [file.kind, file.name])).toEqual([
      ['dump', 'ORDERS-20261123T020000Z-1A2B-01.DMP'],
      ['dump', 'ORDERS-20261123T020000Z-1A2B-02.dmp'],
      ['log', 'EXPDAT-2026-11-23-02_00_01.LOG'],
    ]);
  });

  it('rebases proxied file links onto the configured origin', () => {
    const job = parseJob(fixture('job-finished.json'), base);
    expect(job.files[0]?.url).toBe(
      `${JOBS}DBAPI_USER,DATAPUMP_REST_EXPORT_20261123020001/ORDERS-20261123T020000Z-1A2B-01.DMP`,
    );
  });

  it('ignores foreign links that are not files', () => {
    const json = fixture('job-foreign-link.json') as { links: unknown[] };
    const withoutDump = { ...json, links: json.links.filter((_, index) => index !== 1) };
    expect(parseJob(withoutDump, base).files).toEqual([]);
  });

  it('takes only the file name of a link to a foreign host and builds its URL from the configured one', () => {
    const job = parseJob(fixture('job-foreign-link.json'), base);
    expect(job.files).toEqual([
      {
        name: 'ORDERS-20261123T020000Z-1A2B-01.DMP',
        kind: 'dump',
        url: `${JOBS}DBAPI_USER,DATAPUMP_REST_EXPORT_20261123020001/ORDERS-20261123T020000Z-1A2B-01.DMP`,
      },
    ]);
  });

  it('reads file names from links behind a gateway with another path prefix', () => {
    const job = parseJob(fixture('job-gateway-links.json'), base);
    expect(job.files.map((file) => [file.kind, file.name])).toEqual([
      ['dump', 'ORDERS-20261123T020000Z-1A2B-A020005-01.DMP'],
      ['dump', '100%_FULL-01.DMP'],
      ['log', 'ORDERS-20261123T020000Z-1A2B-A020005.LOG'],
    ]);
    expect(job.files.every((file) => file.url.startsWith(JOBS))).toBe(true);
  });

  it('skips a malformed href with a warning that quotes it', () => {
    const warnings: Array<[string, Record<string, unknown>]> = [];
    parseJob(fixture('job-gateway-links.json'), base, (message, detail) => warnings.push([message, detail]));
    expect(warnings).toEqual([
      [
        'Skipping a job link whose file name cannot be read',
        { jobName: 'DATAPUMP_REST_EXPORT_20261123020001', href: 'http://[gateway/ORDERS-BROKEN-01.DMP' },
      ],
    ]);
  });

  it('leaves job_state out when ORDS does not send it', () => {
    const { job_state: _, ...json } = fixture('job-created.json') as Record<string, unknown>;
    expect(parseJob(json, base)).not.toHaveProperty('jobState');
  });

  it('keeps an unknown state as it is', () => {
    const json = { ...(fixture('job-created.json') as object), state: ' suspended ' };
    expect(parseJob(json, base).state).toBe('SUSPENDED');
  });

  it.each(['owner_name', 'job_name'])('fails when %s is missing and quotes the body', (key) => {
    const json = { ...(fixture('job-created.json') as Record<string, unknown>) };
    delete json[key];
    expect(() => parseJob(json, base)).toThrow(OrdsResponseError);
    expect(() => parseJob(json, base)).toThrow(new RegExp(`without "${key}": \\{"`));
  });

  it.each([[null], [[1, 2]], ['job'], [42]])('fails for the non-object body %j', (json) => {
    expect(() => parseJob(json, base)).toThrow(/not a JSON object/);
  });
});

describe('parseJobList', () => {
  it('reads a page, its paging fields and no link to follow', () => {
    const page = parseJobList(fixture('job-list-page-1.json'));
    expect(page.items.map((item) => [item.jobName, item.operation, item.state])).toEqual([
      ['DATAPUMP_REST_EXPORT_20261121020003', 'EXPORT', 'NOT RUNNING'],
      ['DATAPUMP_REST_EXPORT_20261122020002', 'EXPORT', 'NOT RUNNING'],
    ]);
    expect(page).toEqual({ items: page.items, pageCount: 2, hasMore: true, offset: 0, limit: 2 });
  });

  it('reads the last page', () => {
    const page = parseJobList(fixture('job-list-page-2.json'));
    expect(page.hasMore).toBe(false);
    expect(page.items[1]).toEqual({
      owner: 'ADMIN',
      jobName: 'SYS_IMPORT_SCHEMA_01',
      operation: 'IMPORT',
      jobMode: 'SCHEMA',
      state: 'NOT RUNNING',
    });
  });

  it('leaves out BIN$ rows but counts them for the next offset', () => {
    const page = parseJobList(fixture('job-list-noise.json'));
    expect(page.items.map((item) => `${item.owner}.${item.jobName}`)).toEqual([
      'SYSTEM.SYS_EXPORT_FULL_01',
      'DBAPI_USER.DATAPUMP_REST_EXPORT_20261123020001',
    ]);
    expect(page).toMatchObject({ pageCount: 3, offset: 3, limit: 3, hasMore: true });
  });

  it('fails without an items array', () => {
    expect(() => parseJobList({ hasMore: false })).toThrow(/without an "items" array/);
  });

  it('fails for an item without job_name', () => {
    expect(() =>
      parseJobList({ items: [{ owner_name: 'A', operation: 'EXPORT', job_mode: 'FULL', state: 'X' }] }),
    ).toThrow(/job list item 0 without "job_name"/);
  });
});

describe('fileNameOfHref', () => {
  it('keeps a raw % instead of throwing', () => {
    expect(fileNameOfHref('https://h/x/ORDERS-%U.DMP')).toBe('ORDERS-%U.DMP');
  });

  it('decodes valid percent-encoding', () => {
    expect(fileNameOfHref('/x/EXPDAT%2D2026.LOG')).toBe('EXPDAT-2026.LOG');
  });

  it.each([['http://[bad/X.DMP'], ['/x/A%2FB.DMP'], ['/x/A%0AB.DMP']])('fails to read %s', (href) => {
    expect(fileNameOfHref(href)).toBeNull();
  });
});

describe('jobActivity', () => {
  it.each(['DEFINING', 'EXECUTING', 'COMPLETING', 'STOP PENDING', 'STOPPING', 'IDLING', 'executing   '])(
    'says %j is running',
    (state) => {
      expect(jobActivity({ state })).toBe('running');
    },
  );

  it('says NOT RUNNING is finished', () => {
    expect(jobActivity({ state: 'NOT RUNNING' })).toBe('finished');
  });

  it.each(['COMPLETED', 'STOPPED'])('says a job whose state itself reads %s is finished', (state) => {
    expect(jobActivity({ state, jobState: 'EXECUTING' })).toBe('finished');
  });

  it('says a job whose job_state is EXECUTING is running', () => {
    expect(jobActivity({ state: 'NOT RUNNING', jobState: 'EXECUTING' })).toBe('running');
  });

  it('says a job flickering NOT RUNNING while its job_state reads DEFINING is running', () => {
    expect(jobActivity({ state: 'NOT RUNNING', jobState: 'DEFINING' })).toBe('running');
  });

  it.each(['COMPLETED', 'STOPPED'])('says an unknown state with job_state %s is finished', (jobState) => {
    expect(jobActivity({ state: 'UNDEFINED', jobState })).toBe('finished');
  });

  it('says an unknown state is unknown rather than guessing', () => {
    expect(jobActivity({ state: 'SUSPENDED' })).toBe('unknown');
  });
});
