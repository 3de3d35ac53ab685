import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileContent, type OrdsSimulator, startOrdsSimulator } from '../../../simulator/index.js';
import { basic, call, datapump, postExport } from './http.js';

const START = new Date('2026-11-23T02:00:00Z');
const JOB = 'DATAPUMP_REST_EXPORT_20261123020000';
const DUMP = 'ORDERS-01.DMP';
const SIZE = 1_000_000;

let sim: OrdsSimulator;

beforeEach(async () => {
  sim = await startOrdsSimulator({ now: () => START, dumpFileBytes: SIZE, pollsPerState: 0 });
});

afterEach(async () => {
  await sim.stop();
});

async function finishedExport(): Promise<string> {
  const jobUrl = (await postExport(sim, { file_name: 'ORDERS-%U.DMP' })).headers.location as string;
  await call(jobUrl);
  return jobUrl;
}

/** Reads a download chunk by chunk; returns the bytes received and the error that ended it, if any. */
async function receive(url: string): Promise<{ status: number; bytes: Buffer; error: unknown }> {
  const answer = await request(url, { headers: { authorization: basic() } });
  const chunks: Buffer[] = [];
  let error: unknown = null;
  try {
    for await (const chunk of answer.body) chunks.push(chunk as Buffer);
  } catch (caught) {
    error = caught;
  }
  return { status: answer.statusCode, bytes: Buffer.concat(chunks), error };
}

describe('transient failures', () => {
  it('answers 503 to the next N matching requests, then serves again', async () => {
    sim.configure({ transientFailures: { count: 2, route: 'post' } });

    const list = await call(`${datapump(sim)}jobs/`);
    const first = await postExport(sim);
    const second = await postExport(sim);
    const third = await postExport(sim);

    expect([list.status, first.status, second.status, third.status]).toEqual([200, 503, 503, 201]);
    expect(first.json()).toMatchObject({ code: 'ServiceUnavailable' });
    expect(sim.jobs()).toHaveLength(1);
    expect(sim.requests.map((recorded) => recorded.fault)).toEqual([
      undefined,
      'transient',
      'transient',
      undefined,
    ]);
  });

  it('fails only downloads when the route kind is download', async () => {
    const jobUrl = await finishedExport();
    sim.configure({ transientFailures: { count: 1, route: 'download', status: 502 } });

    const job = await call(jobUrl);
    const download = await call(`${jobUrl}${DUMP}`);
    const retry = await call(`${jobUrl}${DUMP}`);

    expect([job.status, download.status, retry.status]).toEqual([200, 502, 200]);
  });
});

describe('broken downloads', () => {
  it('destroys the socket after resetDownloadAfterBytes, once by default', async () => {
    const jobUrl = await finishedExport();
    sim.configure({ resetDownloadAfterBytes: 300_000 });

    const broken = await receive(`${jobUrl}${DUMP}`);
    const next = await receive(`${jobUrl}${DUMP}`);

    expect(broken.error).toBeTruthy();
    expect(broken.bytes.length).toBe(300_000);
    expect(broken.bytes.equals(fileContent(JOB, DUMP, 0, 300_000))).toBe(true);
    expect(next.error).toBeNull();
    expect(next.bytes.length).toBe(SIZE);
  });

  it('resets the next resetCount downloads, ranged ones too', async () => {
    const jobUrl = await finishedExport();
    sim.configure({ resetDownloadAfterBytes: 1000, resetCount: 2 });

    const first = await receive(`${jobUrl}${DUMP}`);
    const resumed = await request(`${jobUrl}${DUMP}`, {
      headers: { authorization: basic(), range: 'bytes=1000-' },
    });
    let resumedError: unknown = null;
    await resumed.body.arrayBuffer().catch((error: unknown) => {
      resumedError = error;
    });

    expect(first.error).toBeTruthy();
    expect(resumed.statusCode).toBe(206);
    expect(resumedError).toBeTruthy();
  });

  it('ends the body early under a longer Content-Length with truncateDownloadAfterBytes', async () => {
    const jobUrl = await finishedExport();
    sim.configure({ truncateDownloadAfterBytes: 4096 });

    const truncated = await receive(`${jobUrl}${DUMP}`);

    expect(truncated.error).toBeTruthy();
    expect(truncated.bytes.length).toBe(4096);
    expect(sim.requests.at(-1)?.fault).toBe('truncate');
  });

  it('ends a chunked body cleanly and short with truncateDownloadAfterBytes', async () => {
    sim.configure({ contentLength: false });
    const jobUrl = await finishedExport();
    sim.configure({ truncateDownloadAfterBytes: 4096 });

    const truncated = await receive(`${jobUrl}${DUMP}`);

    expect(truncated.error).toBeNull();
    expect(truncated.bytes.length).toBe(4096);
  });
});

describe('hanging POST', () => {
  it('creates the job but never answers with postHangAfterCreate', async () => {
    sim.configure({ postHangAfterCreate: { count: 1 } });

    const hanging = request(`${datapump(sim)}export`, {
      method: 'POST',
      headers: { authorization: basic() },
      body: '{}',
      signal: AbortSignal.timeout(100),
    });

    await expect(hanging).rejects.toThrow(/abort|timeout/i);
    expect(sim.jobs()).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({ status: null, fault: 'hang' });
  });

  it('destroys the hanging socket after destroyAfterMs', async () => {
    sim.configure({ postHangAfterCreate: { destroyAfterMs: 20 } });

    const hanging = request(`${datapump(sim)}export`, {
      method: 'POST',
      headers: { authorization: basic() },
      body: '{}',
    });

    await expect(hanging).rejects.toThrow();
    expect(sim.jobs()).toHaveLength(1);
  });
});

describe('odd answers', () => {
  it('sends error bodies as an HTML page with htmlErrors', async () => {
    sim.configure({ htmlErrors: true });

    const answer = await call(`${datapump(sim)}jobs/`, { auth: null });

    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.text).toContain('<html><head><title>401 Unauthorized</title>');
  });

  it('answers the job route with cut-off JSON with invalidJson', async () => {
    const jobUrl = (await postExport(sim)).headers.location as string;
    sim.configure({ invalidJson: true });

    const answer = await call(jobUrl);

    expect(answer.status).toBe(200);
    expect(() => answer.json()).toThrow();
  });

  it('shows unknownState instead of the running states', async () => {
    sim.configure({ unknownState: 'HIBERNATING', pollsPerState: 1 });
    const jobUrl = (await postExport(sim)).headers.location as string;

    const states = [];
    for (let poll = 0; poll < 3; poll++) states.push((await call(jobUrl)).json<{ state: string }>().state);

    expect(states).toEqual(['HIBERNATING', 'HIBERNATING', 'NOT RUNNING']);
  });

  it('leaves links out with missingLinks', async () => {
    sim.configure({ missingLinks: true });

    const answer = await postExport(sim);

    expect(answer.json()).not.toHaveProperty('links');
  });

  it('delays every answer by latencyMs', async () => {
    sim.configure({ latencyMs: 60 });

    const started = performance.now();
    await call(`${datapump(sim)}jobs/`);

    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe('stop', () => {
  it('closes open downloads and keep-alive connections at once', async () => {
    sim.configure({ dumpFileBytes: 1024 ** 3 });
    // The export's requests leave a keep-alive connection open (undici's global agent).
    const jobUrl = await finishedExport();
    const answer = await request(`${jobUrl}${DUMP}`, { headers: { authorization: basic() } });
    const chunks = answer.body[Symbol.asyncIterator]();
    // The download is open once its first bytes arrived; it then waits on backpressure, as nothing
    // more is read before the stop: it cannot end by itself, so stop() returns only if it closes it
    // (a stop that waited for it would never return, and the test would fail on its timeout).
    const first = await chunks.next();
    expect(first.done).toBe(false);

    await sim.stop();

    let bytes = (first.value as Buffer).length;
    let error: unknown = null;
    try {
      for (let chunk = await chunks.next(); !chunk.done; chunk = await chunks.next()) {
        bytes += (chunk.value as Buffer).length;
      }
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeTruthy();
    expect(bytes).toBeLessThan(1024 ** 3);
  });
});
