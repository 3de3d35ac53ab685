import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;

describe('a nightly backup through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() => h.simulator.configure({ dumpFiles: 1, dumpFileBytes: 3 * MiB, outcome: 'success' }));

  it('stores the dump file and the log byte for byte, then the manifest', async () => {
    const result = await h.run();

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    const manifest = result.manifest!;
    expect(manifest).toMatchObject({
      database: 'orders',
      owner: 'DBAPI_USER',
      jobMode: 'SCHEMA',
      verdict: 'succeeded',
      bucket: 'backups',
    });
    expect(manifest.files.map((file) => file.kind)).toEqual(['dump', 'log']);
    const ordsUrl = new URL(h.simulator.url);
    expect(manifest).toMatchObject({
      manifestVersion: 3,
      dumpFile: expect.stringMatching(/^ORDERS-.+-%U\.DMP$/),
      source: { database: 'orders', ordsHost: ordsUrl.host, ordsPath: ordsUrl.pathname },
      exported: { schemas: [{ schema: 'HR', tables: 7, rows: 215 }], truncated: false },
      toolVersion: expect.stringMatching(/^\d+\.\d+\.\d+/),
      // The launcher did not name this execution: a run by hand, whatever its input's scheduledTime.
      scheduledTime: null,
      startedBy: 'hand',
      // Never a silent per-table backup: the path and the reason are recorded.
      consistency: {
        path: 'ords-export',
        mode: 'per-table',
        reason: expect.stringMatching(/^point-in-time not enabled/),
      },
    });
    const folder = manifest.files[0]!.key.replace(/[^/]+$/, '');
    expect(folder).toMatch(new RegExp(`^orders/\\d{4}/\\d{2}/\\d{2}/${manifest.jobName}/$`));
    expect(await h.keys()).toEqual(expect.arrayContaining([`${folder}manifest.json`]));
  });

  it('records the FULL_OBJECT CRC-32 of every file and a SHA-256 only when the database asks for it', async () => {
    // GIVEN the default binding, then one with recordSha256
    const plain = await h.run();
    const hashed = await h.run({ recordSha256: true });

    // THEN both stored byte for byte; the manifest says which digests its files carry
    for (const result of [plain, hashed]) {
      expect(result.status).toBe('SUCCEEDED');
      await h.expectStoredAsServed(result);
      for (const file of result.manifest!.files) {
        expect(file.checksum).toMatchObject({ algorithm: 'CRC32', type: 'FULL_OBJECT' });
        expect(file).toMatchObject({
          transferSeconds: expect.any(Number),
          transferMiBps: expect.any(Number),
        });
      }
    }
    expect(plain.manifest!.digests).toEqual(['CRC32']);
    expect(plain.manifest!.files.map((file) => file.sha256)).toEqual([undefined, undefined]);
    expect(hashed.manifest!.digests).toEqual(['CRC32', 'SHA256']);
    for (const file of hashed.manifest!.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows a short summary as the execution output', async () => {
    const result = await h.run();

    expect(result.output).toMatchObject({
      database: 'orders',
      verdict: 'succeeded',
      manifest: expect.stringMatching(/^s3:\/\/backups\/orders\/.+\/manifest\.json$/),
      totalBytes: result.manifest!.totalBytes,
      consistency: 'per-table: point-in-time not enabled',
      files: [
        {
          name: expect.stringMatching(/^ORDERS-.+-01\.DMP$/),
          bytes: 3 * MiB,
          uri: expect.stringMatching(/^s3:\/\//),
        },
        {
          name: expect.stringMatching(/\.LOG$/),
          bytes: expect.any(Number),
          uri: expect.stringMatching(/^s3:\/\//),
        },
      ],
    });
  });

  it('stores every dump file of a %U set', async () => {
    h.simulator.configure({ dumpFiles: 3, dumpFileBytes: [2 * MiB, 1 * MiB, 5000] });
    const result = await h.run();

    expect(result.status).toBe('SUCCEEDED');
    expect(result.manifest!.files.map((file) => file.name.slice(-6))).toEqual([
      '01.DMP',
      '02.DMP',
      '03.DMP',
      expect.stringMatching(/\.LOG$/),
    ]);
    await h.expectStoredAsServed(result);
  });

  it('fails with the ORA- lines when the export stops on a fatal error, stores the log and writes no manifest', async () => {
    h.simulator.configure({ outcome: 'fatal' });
    const result = await h.run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.ExportFailed);
    expect(result.cause).toContain('stopped due to fatal error');
    expect(result.cause).toMatch(/ORA-\d{5}/);
    const jobName = h.simulator.jobs().at(-1)!.jobName;
    const keys = (await h.keys()).filter((key) => key.includes(jobName));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/\.LOG$/);
  });

  it('fails on a wrong password after exactly one request, never retrying', async () => {
    const before = h.simulator.requests.length;
    const result = await h.run({ secret: JSON.stringify({ username: 'DBAPI_USER', password: 'wrong' }) });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.OrdsAuth);
    expect(result.cause).toContain('DBAPI_USER');
    expect(result.cause).toContain('local/ords');
    const requests = h.simulator.requests.slice(before);
    expect(requests.map((request) => request.status)).toEqual([401]);
  });

  it('fails "Backup failed" with the handler\'s sentence as its cause, not the Lambda error JSON', async () => {
    // GIVEN a wrong password WHEN the run fails
    const result = await h.run({ secret: JSON.stringify({ username: 'DBAPI_USER', password: 'wrong' }) });

    // THEN the Fail state itself reports the error name and the plain message: what the console shows
    const failed = result.events.find((event) => event.type === 'ExecutionFailed') as
      | { Error?: string; Cause?: string }
      | undefined;
    expect(failed?.Error).toBe(ErrorName.OrdsAuth);
    expect(failed?.Cause).toMatch(
      /^ORDS answered 401 Unauthorized for user DBAPI_USER at GET .* check the secret "local\/ords\/orders"/,
    );
    expect(failed?.Cause).not.toContain('errorType');
    expect(failed?.Cause).toBe(result.cause);
    const path = result.events
      .filter((event) => event.type === 'StateEntered')
      .map((event) => (event as { state: { name: string } }).state.name)
      .slice(-4);
    expect(path).toEqual([
      'Error from a function?',
      'Read error message',
      'Keep error message',
      'Backup failed',
    ]);
  });
});
