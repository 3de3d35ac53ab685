import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileContent, type OrdsSimulator, startOrdsSimulator } from '../../../simulator/index.js';
import { call, postExport } from './http.js';

const START = new Date('2026-11-23T02:00:00Z');
const JOB = 'DATAPUMP_REST_EXPORT_20261123020000';
const DUMP = 'ORDERS-01.DMP';
const SIZE = 200_000;

let sim: OrdsSimulator;
let jobUrl: string;

async function finishedExport(): Promise<void> {
  jobUrl = (await postExport(sim, { file_name: 'ORDERS-%U.DMP' })).headers.location as string;
  await call(jobUrl);
}

beforeEach(async () => {
  sim = await startOrdsSimulator({ now: () => START, dumpFileBytes: SIZE, pollsPerState: 0 });
});

afterEach(async () => {
  await sim.stop();
});

describe('downloads', () => {
  it('honours Range: bytes=N- with 206 and Content-Range', async () => {
    await finishedExport();

    const answer = await call(`${jobUrl}${DUMP}`, { headers: { range: 'bytes=70000-' } });

    expect(answer.status).toBe(206);
    expect(answer.headers['content-range']).toBe(`bytes 70000-${SIZE - 1}/${SIZE}`);
    expect(answer.headers['content-length']).toBe(String(SIZE - 70_000));
    expect(answer.body.equals(fileContent(JOB, DUMP, 70_000, SIZE))).toBe(true);
  });

  it('honours Range: bytes=N-M', async () => {
    await finishedExport();

    const answer = await call(`${jobUrl}${DUMP}`, { headers: { range: 'bytes=65530-65545' } });

    expect(answer.status).toBe(206);
    expect(answer.headers['content-range']).toBe(`bytes 65530-65545/${SIZE}`);
    expect(answer.body.equals(fileContent(JOB, DUMP, 65_530, 65_546))).toBe(true);
  });

  it('ignores Range and sends the whole file with 200 when range is off', async () => {
    sim.configure({ range: false });
    await finishedExport();

    const answer = await call(`${jobUrl}${DUMP}`, { headers: { range: 'bytes=70000-' } });

    expect(answer.status).toBe(200);
    expect(answer.headers['content-range']).toBeUndefined();
    expect(answer.headers['accept-ranges']).toBeUndefined();
    expect(answer.body.equals(fileContent(JOB, DUMP, 0, SIZE))).toBe(true);
  });

  it('fails with 416 for a range starting past the end', async () => {
    await finishedExport();

    const answer = await call(`${jobUrl}${DUMP}`, { headers: { range: `bytes=${SIZE}-` } });

    expect(answer.status).toBe(416);
    expect(answer.headers['content-range']).toBe(`bytes */${SIZE}`);
  });

  it('sends Content-Length by default', async () => {
    await finishedExport();

    const answer = await call(`${jobUrl}${DUMP}`);

    expect(answer.headers['content-length']).toBe(String(SIZE));
    expect(answer.headers['transfer-encoding']).toBeUndefined();
  });

  it('sends a chunked body without Content-Length when contentLength is off', async () => {
    sim.configure({ contentLength: false });
    await finishedExport();

    const answer = await call(`${jobUrl}${DUMP}`);

    expect(answer.headers['content-length']).toBeUndefined();
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.body.equals(fileContent(JOB, DUMP, 0, SIZE))).toBe(true);
  });

  it('serves what exists while the job runs: half the dump file and the log without its verdict', async () => {
    sim.configure({ pollsPerState: 1 });
    jobUrl = (await postExport(sim, { file_name: 'ORDERS-%U.DMP' })).headers.location as string;

    const dump = await call(`${jobUrl}${DUMP}`);
    const log = await call(`${jobUrl}ORDERS.LOG`);

    expect(dump.body.equals(fileContent(JOB, DUMP, 0, SIZE / 2))).toBe(true);
    expect(log.status).toBe(200);
    expect(log.text).toContain('Starting "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020000":');
    expect(log.text).not.toMatch(/^Job "/m);
  });

  it('fails with 404 for a file the job does not have', async () => {
    await finishedExport();

    const answer = await call(`${jobUrl}ORDERS-02.DMP`);

    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('application/problem+json');
  });

  it('streams a file larger than the content block, matching fileContent across chunk stamps', async () => {
    sim.configure({ dumpFileBytes: 3 * 1024 * 1024 + 17 });
    await finishedExport();

    const answer = await call(`${jobUrl}${DUMP}`);

    expect(answer.body.length).toBe(3 * 1024 * 1024 + 17);
    expect(answer.body.equals(fileContent(JOB, DUMP, 0, 3 * 1024 * 1024 + 17))).toBe(true);
  });
});
