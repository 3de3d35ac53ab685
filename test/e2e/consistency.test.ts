import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;

describe('point-in-time backups through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() =>
    h.simulator.configure({
      dumpFiles: 2,
      dumpFileBytes: 1 * MiB,
      outcome: 'success',
      servesSqlJobFiles: true,
      sqlExportUndoError: false,
      sqlAnswersLost: 0,
    }),
  );

  it('makes a point-in-time backup whose manifest carries the SCN the log proves', async () => {
    const result = await h.run({ consistency: 'point-in-time' });

    expect(result.status).toBe('SUCCEEDED');
    await h.expectStoredAsServed(result);
    const manifest = result.manifest!;
    expect(manifest.jobName).toMatch(/^ODBK_[A-Z2-7]{25}$/);
    expect(manifest.files.map((file) => file.kind)).toEqual(['dump', 'dump', 'log']);
    const scn = manifest.consistency.scn!;
    expect(scn).toMatch(/^[1-9]\d*$/);
    expect(manifest.consistency).toMatchObject({
      path: 'rest-sql',
      mode: 'point-in-time',
      licensedOptions: [],
      evidence: [
        `ords-datapump-backup run=${manifest.runId} FLASHBACK_SCN=${scn}`,
        expect.stringMatching(/successfully completed/),
      ],
    });
    // The database time at which the SCN was read, in the same block, within the run.
    expect(Date.parse(manifest.consistency.scnReadAt!)).toBeGreaterThanOrEqual(
      Date.parse(manifest.startedAt) - 60_000,
    );
    expect(manifest.consistency.scnReadAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(manifest.consistency.parameters).toContainEqual({
      call: 'SET_PARAMETER',
      name: 'FLASHBACK_SCN',
      value: 'scn_out',
    });
    expect(result.output).toMatchObject({ consistency: `point-in-time at SCN ${scn}` });
    // The stored log itself proves the SCN.
    const log = manifest.files.find((file) => file.kind === 'log')!;
    expect((await h.read(log.key)).toString('utf8')).toContain(`FLASHBACK_SCN=${scn}`);
    // The run's server cleanup removed the files and the control table of this job by its name.
    expect(result.output).toMatchObject({
      serverCleanup: { serverCleanup: 'done', droppedControlTable: `DBAPI_USER.${manifest.jobName}` },
    });
  });

  it('adopts the job by name when the start answer was lost, and exactly one job exists', async () => {
    h.simulator.configure({ sqlAnswersLost: 1 });
    const before = h.simulator.jobs().length;

    const result = await h.run({ consistency: 'point-in-time', keepServerFiles: true });

    expect(result.status).toBe('SUCCEEDED');
    const manifest = result.manifest!;
    expect(h.simulator.jobs().length - before).toBe(1);
    expect(h.simulator.requests.filter((request) => request.fault === 'sql-answer-lost')).toHaveLength(1);
    expect(manifest.consistency).toMatchObject({
      mode: 'point-in-time',
      scn: expect.stringMatching(/^\d+$/),
    });
  });

  it('fails naming undo when the log shows ORA-01555, even with acceptCompletedWithErrors', async () => {
    h.simulator.configure({ sqlExportUndoError: true });

    const result = await h.run({ consistency: 'point-in-time', acceptCompletedWithErrors: true });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.ExportFailed);
    expect(result.cause).toMatch(/ORA-01555/);
    expect(result.cause).toMatch(/UNDO_RETENTION/);
    expect(result.manifest).toBeUndefined();
  });

  it('fails at probe time naming the reason when ORDS does not serve the files of the job, never falling back', async () => {
    h.simulator.configure({ servesSqlJobFiles: false });
    const before = h.simulator.jobs().length;

    const result = await h.run({ consistency: 'point-in-time' });

    expect(result.status).toBe('FAILED');
    expect(result.cause).toMatch(
      /ORDS answers 404 for the log \S+\.LOG of the Data Pump job DBAPI_USER\.ODBK_\w+/,
    );
    expect(result.cause).toMatch(/this ORDS does not serve the files of jobs it did not create/);
    // The job is stopped at once and its files removed from the server: a failed point-in-time run
    // leaves none, and no ORDS export was started.
    const made = h.simulator.jobs().slice(before);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ stoppedByClient: true, dropped: true });
    const dump = made[0]!.files.find((file) => file.kind === 'dump')!.name;
    expect(
      h.simulator.requests.some(
        (request) =>
          request.path.endsWith('/_/sql') &&
          /FREMOVE/i.test(request.body ?? '') &&
          request.body?.includes(dump),
      ),
    ).toBe(true);
    expect(result.manifest).toBeUndefined();
  });

  it("sizes the dump files from the last backup's totalBytes: a 1 TiB record sends an 18 GiB FILESIZE", async () => {
    const GiB = 1024 ** 3;
    // The last backup stored 1 TiB: at 8 GiB a file, one and a half times that needs 192 files, past %U's 99.
    await h.s3.client.send(
      new PutObjectCommand({
        Bucket: h.s3.bucket,
        Key: 'orders/last-backup.json',
        ContentType: 'application/json',
        Body: JSON.stringify({
          lastBackupVersion: 1,
          database: 'orders',
          finishedAt: '2026-12-06T03:00:00.000Z',
          jobName: 'ODBK_EARLIER',
          verdict: 'succeeded',
          manifest: 's3://backups/orders/2026-12-06/ODBK_EARLIER/manifest.json',
          totalBytes: 1024 * GiB,
        }),
      }),
    );
    const since = h.simulator.requests.length;

    const result = await h.run({ consistency: 'point-in-time' });

    expect(result.status).toBe('SUCCEEDED');
    const block = h.simulator.requests
      .slice(since)
      .find((request) => request.path.endsWith('/_/sql') && /DBMS_DATAPUMP\.OPEN/.test(request.body ?? ''));
    const binds = (JSON.parse(block!.body!) as { binds: Array<{ name: string; value?: unknown }> }).binds;
    expect(binds).toContainEqual(expect.objectContaining({ name: 'filesize', value: String(18 * GiB) }));
    // The manifest shows what was really sent.
    expect(result.manifest!.consistency.parameters).toContainEqual({
      call: 'ADD_FILE',
      name: 'FILESIZE',
      value: String(18 * GiB),
    });
  });
});
