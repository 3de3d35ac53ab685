import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import { type WriteManifestInput, writeManifest } from '../../../../functions/core/manifest/manifest.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const JOB = 'DATAPUMP_REST_EXPORT_20261123020000';
const FOLDER = `orders/2026/11/23/${JOB}/`;
const dump = { name: 'A-01.DMP', kind: 'dump' as const, key: `${FOLDER}A-01.DMP` };
const log = { name: 'A.LOG', kind: 'log' as const, key: `${FOLDER}A.LOG` };
const crc = (value: string) => ({ algorithm: 'CRC32' as const, type: 'FULL_OBJECT' as const, value });
const stored = (bytes: number, value: string) => ({
  ContentLength: bytes,
  ChecksumCRC32: value,
  ChecksumType: 'FULL_OBJECT' as const,
});
const payload: WriteManifestInput = {
  executionName: 'exec-1',
  database: 'orders',
  prefix: '',
  ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
  exportSpec: { jobMode: 'SCHEMA', schemas: ['HR'], datapumpDir: 'DATA_PUMP_DIR' },
  scheduledTime: '2026-11-23T02:00:00Z',
  startedBy: 'schedule',
  job: {
    owner: 'DBAPI_USER',
    jobName: JOB,
    runId: '20261123T020000Z-1A2B',
    fileName: 'A-%U.DMP',
    jobMode: 'SCHEMA',
    startedAt: '2026-11-23T02:00:00.000Z',
    adopted: false,
  },
  verdict: {
    verdict: 'succeeded',
    summary: 'Job … successfully completed',
    errors: [],
    cause: '',
    files: [dump, log],
    exported: { schemas: [{ schema: 'HR', tables: 7, rows: 215 }], truncated: false, tables: 7, rows: 215 },
    checkedAt: '2026-11-23T02:01:00.000Z',
  },
  stored: [
    { ...dump, bytes: 10 * 1024 * 1024, checksum: crc('AAECAw=='), invocations: 2 },
    { ...log, bytes: 100, checksum: crc('BAUGBw=='), sha256: 'b'.repeat(64), invocations: 1 },
  ],
};
const s3 = mockClient(S3Client);
const deps = () => ({
  s3: new S3Client({ region: 'us-east-1' }),
  bucket: 'backups',
  logger: recordingLogger(),
  now: () => new Date('2026-11-23T02:01:10Z'),
  toolVersion: '1.2.3',
});
const putManifest = () => JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body));

describe('writeManifest', () => {
  beforeEach(() => s3.reset());

  it('writes the manifest last, beside the files, and returns the console summary', async () => {
    s3.on(HeadObjectCommand, { Key: dump.key }).resolves(stored(10 * 1024 * 1024, 'AAECAw=='));
    s3.on(HeadObjectCommand, { Key: log.key }).resolves(stored(100, 'BAUGBw=='));
    s3.on(PutObjectCommand).resolves({});
    const summary = await writeManifest(deps(), payload);

    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put.Key).toBe(`${FOLDER}manifest.json`);
    const manifest = JSON.parse(String(put.Body));
    expect(manifest).toMatchObject({
      database: 'orders',
      jobName: JOB,
      owner: 'DBAPI_USER',
      jobMode: 'SCHEMA',
      verdict: 'succeeded',
      bucket: 'backups',
    });
    expect(manifest.files).toEqual(payload.stored);
    expect(manifest.digests).toEqual(['CRC32', 'SHA256']);
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input.ChecksumMode).toBe('ENABLED');
    expect(put.ChecksumSHA256).toBeTruthy();
    expect(summary).toMatchObject({
      manifest: `s3://backups/${FOLDER}manifest.json`,
      totalBytes: 10 * 1024 * 1024 + 100,
      durationSeconds: 70,
      throughputMiBps: 1,
    });
  });

  it("says the files carry CRC-32 alone when none has a SHA-256, and keeps each file's transfer rate", async () => {
    s3.on(HeadObjectCommand, { Key: dump.key }).resolves(stored(10 * 1024 * 1024, 'AAECAw=='));
    s3.on(HeadObjectCommand, { Key: log.key }).resolves(stored(100, 'BAUGBw=='));
    s3.on(PutObjectCommand).resolves({});
    const [first, second] = payload.stored;
    const { sha256: _sha256, ...withoutSha256 } = second!;
    const files = [{ ...first!, transferSeconds: 0.1, transferMiBps: 100 }, withoutSha256];

    await writeManifest(deps(), { ...payload, stored: files });

    const manifest = putManifest();
    expect(manifest.digests).toEqual(['CRC32']);
    expect(manifest.files[0]).toMatchObject({ transferSeconds: 0.1, transferMiBps: 100 });
  });

  it('fails without writing a manifest when a stored file has another size than counted', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 5 });
    const error = await writeManifest(deps(), payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.StorageRejected });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('fails without writing a manifest when S3 shows another checksum than the copy recorded', async () => {
    s3.on(HeadObjectCommand, { Key: dump.key }).resolves(stored(10 * 1024 * 1024, 'AAAAAA=='));
    s3.on(HeadObjectCommand, { Key: log.key }).resolves(stored(100, 'BAUGBw=='));
    const error = await writeManifest(deps(), payload).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: ErrorName.StorageRejected,
      message: expect.stringContaining('CRC32 AAAAAA== (FULL_OBJECT); the copy recorded'),
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('fails without writing a manifest when a listed file was not stored', async () => {
    const error = await writeManifest(deps(), { ...payload, stored: payload.stored.slice(0, 1) }).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toContain(log.key);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('fails as retryable when S3 is slowing down', async () => {
    s3.on(HeadObjectCommand, { Key: dump.key }).resolves(stored(10 * 1024 * 1024, 'AAECAw=='));
    s3.on(HeadObjectCommand, { Key: log.key }).resolves(stored(100, 'BAUGBw=='));
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('Please reduce your request rate.'), {
        name: 'SlowDown',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const error = await writeManifest(deps(), payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.StorageUnavailable });
  });

  describe('what a restore needs', () => {
    beforeEach(() => {
      s3.on(HeadObjectCommand, { Key: dump.key }).resolves(stored(10 * 1024 * 1024, 'AAECAw=='));
      s3.on(HeadObjectCommand, { Key: log.key }).resolves(stored(100, 'BAUGBw=='));
      s3.on(PutObjectCommand).resolves({});
    });

    it('records the source, export spec, exported schemas, tool version and scheduled time', async () => {
      // GIVEN a scheduled run whose log listed HR's tables
      // WHEN the manifest is written
      await writeManifest(deps(), payload);

      // THEN it carries everything an impdp needs, under manifest version 3
      expect(putManifest()).toMatchObject({
        manifestVersion: 3,
        dumpFile: 'A-%U.DMP',
        source: { database: 'orders', ordsHost: 'db.example.com', ordsPath: '/ords/pdb1/dbapi_user/' },
        exportSpec: { jobMode: 'SCHEMA', schemas: ['HR'], datapumpDir: 'DATA_PUMP_DIR' },
        exported: { schemas: [{ schema: 'HR', tables: 7, rows: 215 }], tables: 7, rows: 215 },
        toolVersion: '1.2.3',
        scheduledTime: '2026-11-23T02:00:00Z',
        startedBy: 'schedule',
      });
    });

    it('records no scheduled time for a run started by hand', async () => {
      // GIVEN a run by hand, whose scheduledTime is the execution's start time
      // WHEN the manifest is written
      await writeManifest(deps(), { ...payload, startedBy: 'hand', scheduledTime: '2026-11-23T01:59:58Z' });

      // THEN it says so and claims no schedule
      expect(putManifest()).toMatchObject({ scheduledTime: null, startedBy: 'hand' });
    });

    it('records null for the fields an execution started before them does not send', async () => {
      // GIVEN a payload from an older state machine: no scheduledTime, startedBy or exported
      const { scheduledTime: _time, startedBy: _by, ...old } = payload;
      const { exported: _exported, ...verdict } = payload.verdict;
      // WHEN the manifest is written
      await writeManifest(deps(), { ...old, verdict });

      // THEN the fields read null rather than a guess
      expect(putManifest()).toMatchObject({ scheduledTime: null, startedBy: null, exported: null });
    });

    it('fails when the ORDS URL carries a user and password, and writes nothing', async () => {
      // GIVEN a binding whose ORDS URL was written with credentials in it
      const ordsUrl = 'https://admin:hunter2@db.example.com/ords/pdb1/dbapi_user/';
      // WHEN the manifest is written
      const error = await writeManifest(deps(), { ...payload, ordsUrl }).catch((e: Error) => e);

      // THEN it refuses, without quoting the password
      expect(error).toMatchObject({ name: ErrorName.InvalidInput });
      expect((error as Error).message).not.toContain('hunter2');
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    });
  });

  describe('consistency', () => {
    beforeEach(() => {
      s3.on(HeadObjectCommand, { Key: dump.key }).resolves(stored(10 * 1024 * 1024, 'AAECAw=='));
      s3.on(HeadObjectCommand, { Key: log.key }).resolves(stored(100, 'BAUGBw=='));
      s3.on(PutObjectCommand).resolves({});
    });

    it('records a job of the ORDS export POST as per-table with the reason, and says so in the console', async () => {
      // GIVEN a job started by the ORDS export POST (an execution of an earlier version has no path)
      const logger = recordingLogger();
      // WHEN the manifest is written
      const summary = await writeManifest({ ...deps(), logger }, payload);

      // THEN the manifest, the execution output and a warning all say per-table, never silently
      expect(putManifest().consistency).toEqual({
        path: 'ords-export',
        mode: 'per-table',
        reason: expect.stringMatching(/^point-in-time not enabled: .*FLASHBACK_SCN/),
      });
      expect(summary.consistency).toBe('per-table: point-in-time not enabled');
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ level: 'warn', message: 'Backup is per-table: point-in-time not enabled' }),
      );
    });

    it('refuses a REST-enabled SQL job whose log proves another SCN than the run read, writing nothing', async () => {
      const job = {
        ...payload.job,
        path: 'rest-sql' as const,
        jobName: 'ODBK_ABCDEFGHIJKLMNOPQRSTUVWXY',
        scn: '1001',
      };
      const verdict = {
        ...payload.verdict,
        consistentEvidence: { scn: '1002', markerLine: 'ords-datapump-backup run=r FLASHBACK_SCN=1002' },
      };
      const error = await writeManifest(deps(), { ...payload, job, verdict }).catch((e: Error) => e);
      expect(error).toMatchObject({
        name: ErrorName.InvalidInput,
        message: expect.stringMatching(/SCN 1001/),
      });
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    });

    it('records a proved REST-enabled SQL job as point-in-time with the SCN, its log lines and the settings sent', async () => {
      const job = {
        ...payload.job,
        path: 'rest-sql' as const,
        jobName: 'ODBK_ABCDEFGHIJKLMNOPQRSTUVWXY',
        scn: '1001',
      };
      const markerLine = 'ords-datapump-backup run=20261123T020000Z-1A2B FLASHBACK_SCN=1001';
      const verdict = { ...payload.verdict, consistentEvidence: { scn: '1001', markerLine } };
      const summary = await writeManifest(deps(), { ...payload, job, verdict });
      expect(putManifest().consistency).toMatchObject({
        path: 'rest-sql',
        mode: 'point-in-time',
        scn: '1001',
        evidence: [markerLine, payload.verdict.summary],
        licensedOptions: [],
      });
      expect(putManifest().consistency.parameters).toContainEqual({
        call: 'SET_PARAMETER',
        name: 'FLASHBACK_SCN',
        value: 'scn_out',
      });
      expect(summary.consistency).toBe('point-in-time at SCN 1001');
    });

    it('refuses to record a REST-enabled SQL job as anything, writing nothing', async () => {
      // GIVEN a job this version cannot prove the SCN of
      const job = { ...payload.job, path: 'rest-sql' as const, jobName: 'ODBK_ABCDEFGHIJKLMNOPQRSTUVWXY' };
      // WHEN the manifest is written, THEN it fails naming the job and writes no manifest
      const error = await writeManifest(deps(), { ...payload, job }).catch((e: Error) => e);
      expect(error).toMatchObject({ name: ErrorName.InvalidInput, message: expect.stringMatching(/ODBK_/) });
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    });
  });

  describe('when a manifest already exists at the key', () => {
    const existing = (files: unknown, runId = payload.job.runId) =>
      JSON.stringify({
        manifestVersion: 1,
        runId,
        jobName: JOB,
        files,
        finishedAt: '2026-11-23T02:01:00.000Z',
      });
    beforeEach(() => {
      s3.on(HeadObjectCommand, { Key: dump.key }).resolves(stored(10 * 1024 * 1024, 'AAECAw=='));
      s3.on(HeadObjectCommand, { Key: log.key }).resolves(stored(100, 'BAUGBw=='));
      s3.on(PutObjectCommand).rejects(
        Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        }),
      );
    });
    const answer = (body: string) =>
      s3.on(GetObjectCommand).resolves({
        Body: { transformToString: async () => body } as never,
      });

    it('writes only if none exists (If-None-Match: *)', async () => {
      answer(existing(payload.stored));
      await writeManifest(deps(), payload);

      expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.IfNoneMatch).toBe('*');
    });

    it("succeeds with the earlier attempt's manifest of the same run", async () => {
      // GIVEN the manifest a first attempt wrote before its invocation was cut off
      s3.reset();
      s3.on(HeadObjectCommand, { Key: dump.key }).resolves(stored(10 * 1024 * 1024, 'AAECAw=='));
      s3.on(HeadObjectCommand, { Key: log.key }).resolves(stored(100, 'BAUGBw=='));
      s3.on(PutObjectCommand).resolves({});
      await writeManifest(deps(), payload);
      const written = String(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body);
      s3.on(PutObjectCommand).rejects(
        Object.assign(new Error('pre-condition'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        }),
      );
      answer(written);

      // WHEN the retry writes it again, THEN it succeeds with that manifest
      const summary = await writeManifest(deps(), payload);
      expect(summary).toMatchObject({ manifest: `s3://backups/${FOLDER}manifest.json`, files: [{}, {}] });
    });

    it('fails with ManifestExistsError, never overwriting, when it lists other files', async () => {
      answer(existing([{ ...payload.stored[0], bytes: 1 }]));
      const error = await writeManifest(deps(), payload).catch((e: Error) => e);

      expect(error).toMatchObject({ name: ErrorName.ManifestExists });
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    });

    it('fails with ManifestExistsError when it belongs to another run', async () => {
      answer(existing(payload.stored, '20261122T020000Z-FFFF'));
      await expect(writeManifest(deps(), payload)).rejects.toMatchObject({ name: ErrorName.ManifestExists });
    });

    it('fails with ManifestExistsError when it is not JSON', async () => {
      answer('garbage');
      await expect(writeManifest(deps(), payload)).rejects.toMatchObject({ name: ErrorName.ManifestExists });
    });
  });
});
