import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;

/** Settings that every test starts from: a healthy simulator. */
const HEALTHY = {
  pollsPerState: 1,
  dumpFiles: 1,
  dumpFileBytes: 2 * MiB,
  outcome: 'success',
  transientFailures: undefined,
  htmlErrors: false,
  linkOrigin: undefined,
  foreignFileLinks: undefined,
  postHangAfterCreate: false,
  padValues: false,
  notRunningFlickerAtStart: false,
  truncateDownloadAfterBytes: undefined,
} as const;

describe('faults a real ORDS shows', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  let database = 0;
  // Each test backs up its own database: a run that fails mid-export leaves that export running.
  const run = (options: Parameters<Harness['run']>[0] = {}) =>
    h.run({ database: `db${++database}`, ...options });
  beforeEach(() => h.simulator.configure(HEALTHY));

  it('retries transient 503s while starting, polling and copying, then succeeds', async () => {
    h.simulator.configure({ transientFailures: { count: 2, route: 'any' } });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(h.simulator.requests.filter((r) => r.fault === 'transient')).toHaveLength(2);
    await h.expectStoredAsServed(result);
  });

  it('fails with a clear error when ORDS stays unavailable', async () => {
    h.simulator.configure({ transientFailures: { count: 1000, route: 'post' } });
    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.OrdsUnavailable);
    expect(result.cause).toMatch(/503/);
  });

  it('reads an HTML error page as a readable failure', async () => {
    h.simulator.configure({ htmlErrors: true });
    const result = await run({ secret: JSON.stringify({ username: 'DBAPI_USER', password: 'nope' }) });

    expect(result.error).toBe(ErrorName.OrdsAuth);
    expect(result.cause).not.toMatch(/<html|<title/i);
  });

  it('completes an export whose values are blank-padded and which flickers NOT RUNNING at start-up', async () => {
    h.simulator.configure({ padValues: true, notRunningFlickerAtStart: true });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
  });

  it('follows links that a proxy rewrote to another origin, rebased onto the configured ORDS URL', async () => {
    h.simulator.configure({ linkOrigin: 'https://ords.proxy.example:8443' });
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
  });

  it('adopts the job a timed-out POST created instead of starting a second export', async () => {
    h.simulator.configure({ postHangAfterCreate: { destroyAfterMs: 100, count: 1 } });
    const before = h.simulator.jobs().length;
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(h.simulator.jobs().length - before).toBe(1);
    await h.expectStoredAsServed(result);
  });

  it('fails with the ORA- lines when the export completed with errors, keeping files and manifest', async () => {
    h.simulator.configure({ outcome: 'errors' });
    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.ExportCompletedWithErrors);
    expect(result.cause).toMatch(/completed with \d+ error\(s\)/);
    expect(result.cause).toMatch(/ORA-\d{5}/);
    const jobName = h.simulator.jobs().at(-1)!.jobName;
    const manifestKey = (await h.keys()).find(
      (key) => key.includes(jobName) && key.endsWith('manifest.json'),
    );
    expect(JSON.parse((await h.read(manifestKey!)).toString())).toMatchObject({
      verdict: 'completed-with-errors',
    });
  });

  it('succeeds on an export that completed with errors when the database accepts them', async () => {
    h.simulator.configure({ outcome: 'errors' });
    const result = await run({ acceptCompletedWithErrors: true });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.manifest?.verdict).toBe('completed-with-errors');
  });

  it('fails when the export leaves no log', async () => {
    h.simulator.configure({ outcome: 'no-log' });
    const result = await run();

    expect(result.error).toBe(ErrorName.ExportFailed);
    expect(result.cause).toContain('no log file');
  });

  it('refuses to start a second export while an earlier run of the database is still exporting, or adopts it', async () => {
    // GIVEN a run that started its export, then failed because ORDS refused its job reads (an
    // outage would not do: the poll loop rides those out until the export's timeout)
    // Jobs advance by single-job GETs here: each next run's "Start export" reads the earlier job once
    // to see whether its leftovers can be removed (still running: left alone), so it runs for more
    // GETs, as a real export runs on through a second run's start.
    h.simulator.configure({ pollsPerState: 3 });
    const failJobReads = (line: string) => {
      if (line.startsWith('  job '))
        h.simulator.configure({ transientFailures: { count: 1000, route: 'job', status: 403 } });
    };
    const abandoned = await h.run({ database: 'overlap', onProgress: failJobReads });
    expect(abandoned.error).toBe(ErrorName.OrdsAuth);
    h.simulator.configure({ transientFailures: undefined });
    const jobs = h.simulator.jobs().length;

    // WHEN the next night's run starts, THEN it fails without a second export
    const refused = await h.run({ database: 'overlap' });
    expect(refused.error).toBe(ErrorName.ExportAlreadyRunning);
    expect(refused.cause).toContain(h.simulator.jobs().at(-1)!.jobName);
    expect(h.simulator.jobs()).toHaveLength(jobs);

    // AND with onRunningExport "adopt" it backs up that export instead
    const adopted = await h.run({ database: 'overlap', onRunningExport: 'adopt' });
    expect(adopted.status).toBe('SUCCEEDED');
    expect(adopted.manifest?.jobName).toBe(h.simulator.jobs().at(-1)!.jobName);
    expect(h.simulator.jobs()).toHaveLength(jobs);
    await h.expectStoredAsServed(adopted);
    // AND the abandoned run is no longer recorded as unfinished: the adopter cleaned up its job
    expect(await h.keys()).not.toContain('_locks/overlap.unfinished.json');
  });

  it('fails on a missing secret, naming it', async () => {
    const result = await run({ secret: 'not json {' });

    expect(result.error).toBe(ErrorName.Secret);
    expect(result.cause).toContain('local/ords');
    expect(result.cause).not.toContain('not json');
  });
});

describe('a job link to a foreign host', () => {
  let h: Harness;
  let foreign: Server;
  let foreignRequests = 0;
  beforeAll(async () => {
    foreign = createServer((_req, res) => {
      foreignRequests += 1;
      res.end('gotcha');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const { port } = foreign.address() as AddressInfo;
    h = await startHarness({ foreignFileLinks: `http://127.0.0.1:${port}/steal/` });
  });
  afterAll(async () => {
    await h.stop();
    await new Promise((resolve) => foreign.close(resolve));
  });

  it('gives only its file name: the backup downloads from the configured ORDS URL and the foreign host receives nothing', async () => {
    const result = await h.run();

    expect(result.status).toBe('SUCCEEDED');
    expect(foreignRequests).toBe(0);
    await h.expectStoredAsServed(result);
  });
});
