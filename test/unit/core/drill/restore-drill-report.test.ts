import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import type { DrillOutcome, DrillStarted } from '../../../../functions/core/drill/restore-drill-payloads.js';
import { recordRestoreDrill } from '../../../../functions/core/drill/restore-drill-report.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const s3 = mockClient(S3Client);
const FOLDER = 'orders/2026/12/06/DATAPUMP_REST_EXPORT_20261206020000/';
const exportJob = {
  owner: 'DBAPI_USER',
  jobName: 'DATAPUMP_REST_EXPORT_20261206020000',
  runId: '20261206T020000Z-1A2B',
  fileName: 'ORDERS-20261206T020000Z-1A2B-A020000-%U.DMP',
  jobMode: 'SCHEMA',
  startedAt: '2026-12-06T02:00:00.000Z',
  adopted: false,
};
const drill: DrillStarted = {
  job: {
    ...exportJob,
    jobName: 'DATAPUMP_REST_IMPORT_20261206021000',
    startedAt: '2026-12-06T02:10:00.000Z',
  },
  schema: 'HR',
  targetSchema: 'HR_DRILL',
  dbTimeAtStart: '2026-12-06T02:10:00',
};
const outcome = (changes: Partial<DrillOutcome> = {}): DrillOutcome => ({
  verdict: 'succeeded',
  summary: 'Job "DBAPI_USER"."DATAPUMP_REST_IMPORT_20261206021000" successfully completed at …',
  errors: [],
  tables: 7,
  rows: 215,
  tableRows: [{ table: 'EMPLOYEES', exported: 107, imported: 107 }],
  tableRowsTruncated: false,
  mismatchCount: 0,
  mismatches: [],
  schemaDropped: true,
  finishedAt: '2026-12-06T02:12:30.000Z',
  ...changes,
});
const deps = () => ({
  s3: new S3Client({ region: 'eu-central-1' }),
  bucket: 'backups',
  logger: recordingLogger(),
  now: () => new Date('2026-12-06T02:12:31Z'),
});
const base = {
  database: 'orders',
  run: { job: exportJob, scheduledTime: '2026-12-06T02:00:00Z' },
  prefix: '',
  targetSchema: 'HR_DRILL',
};
const body = (value: unknown) => ({ transformToString: async () => JSON.stringify(value) }) as never;
const put = (key: string) =>
  JSON.parse(
    String(
      s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === key)?.args[0].input.Body,
    ),
  );

beforeEach(() => {
  s3.reset();
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
  s3.on(PutObjectCommand).resolves({});
});

describe('recordRestoreDrill', () => {
  it('records a drill that imported and dropped its schema as a success, beside the manifest', async () => {
    const result = await recordRestoreDrill(deps(), { ...base, drill, drillOutcome: outcome() });

    expect(result).toMatchObject({
      succeeded: true,
      verdict: 'succeeded',
      tables: 7,
      rows: 215,
      durationSeconds: 150,
    });
    expect(result.report).toBe(`s3://backups/${FOLDER}restore-drill.json`);
    const writes = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(writes.find((input) => input.Key === `${FOLDER}restore-drill.json`)?.IfNoneMatch).toBe('*');
    expect(put('orders/last-restore-drill.json')).toMatchObject({
      succeeded: true,
      attemptedFor: '2026-12-06T02:00:00.000Z',
      lastSuccessAt: '2026-12-06T02:12:31.000Z',
    });
    expect(writes.some((input) => /manifest\.json|last-backup\.json/.test(input.Key ?? ''))).toBe(false);
  });

  it('fails the drill when the schema could not be dropped, even though the import succeeded', async () => {
    const result = await recordRestoreDrill(deps(), {
      ...base,
      drill,
      drillOutcome: outcome({
        schemaDropped: false,
        dropReason: 'DROP USER "HR_DRILL" CASCADE failed: ORA-01031',
      }),
    });

    expect(result.succeeded).toBe(false);
    expect(result.cause).toMatch(/ORA-01031/);
    expect(result.cause).toMatch(/The backup itself is stored/);
  });

  it('fails a drill whose import loaded no table, although its log says success and the schema was dropped', async () => {
    const result = await recordRestoreDrill(deps(), {
      ...base,
      drill,
      drillOutcome: outcome({ tables: 0, rows: 0 }),
    });

    expect(result.succeeded).toBe(false);
    expect(result.cause).toContain('loaded no table into HR_DRILL');
  });

  it('fails a drill whose tables did not all come back, naming them', async () => {
    const result = await recordRestoreDrill(deps(), {
      ...base,
      drill,
      drillOutcome: outcome({
        tableRows: [{ table: 'EMPLOYEES', exported: 108, imported: 107 }],
        mismatchCount: 1,
        mismatches: ['HR.EMPLOYEES: 108 row(s) exported, 107 imported into HR_DRILL.EMPLOYEES'],
      }),
    });

    expect(result.succeeded).toBe(false);
    expect(result.cause).toContain('1 table(s) did not come back with the rows exported');
    expect(result.cause).toContain('HR.EMPLOYEES: 108 row(s) exported, 107 imported');
  });

  it('fails a drill whose rows were not compared (an outcome without a comparison, or an unreadable export log)', async () => {
    const { tableRows: _rows, mismatchCount: _count, ...uncompared } = outcome();
    const none = await recordRestoreDrill(deps(), { ...base, drill, drillOutcome: uncompared });
    const unread = await recordRestoreDrill(deps(), {
      ...base,
      drill,
      drillOutcome: outcome({ rowsUnchecked: "the export's log could not be read: 503" }),
    });

    expect(none.succeeded).toBe(false);
    expect(none.cause).toContain('could not be compared');
    expect(unread.succeeded).toBe(false);
    expect(unread.cause).toContain("export's log could not be read: 503");
  });

  it('records a drill step caught with an error, keeping the last success', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: body({
        lastRestoreDrillVersion: 1,
        database: 'orders',
        attemptedFor: '2026-11-29T02:00:00.000Z',
        attemptedAt: '2026-11-29T02:12:00.000Z',
        succeeded: true,
        lastSuccessAt: '2026-11-29T02:12:00.000Z',
        report: 's3://backups/x/restore-drill.json',
      }),
    });
    const cause = JSON.stringify({
      errorType: 'RestoreDrillFailedError',
      errorMessage: 'HR_DRILL already exists',
    });

    const result = await recordRestoreDrill(deps(), {
      ...base,
      drillError: { Error: ErrorName.RestoreDrillFailed, Cause: cause },
    });

    expect(result).toMatchObject({ succeeded: false, verdict: 'not-run', importJobName: null });
    expect(result.cause).toMatch(/failed: HR_DRILL already exists/);
    expect(put('orders/last-restore-drill.json')).toMatchObject({
      succeeded: false,
      lastSuccessAt: '2026-11-29T02:12:00.000Z',
    });
  });

  it("keeps its own record on a retry, and refuses another drill's record", async () => {
    s3.on(PutObjectCommand, { Key: `${FOLDER}restore-drill.json` }).rejects(
      Object.assign(new Error('PreconditionFailed'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    s3.on(GetObjectCommand, { Key: `${FOLDER}restore-drill.json` }).resolves({
      Body: body({ importJobName: drill.job.jobName }),
    });
    await expect(
      recordRestoreDrill(deps(), { ...base, drill, drillOutcome: outcome() }),
    ).resolves.toMatchObject({
      succeeded: true,
    });

    s3.on(GetObjectCommand, { Key: `${FOLDER}restore-drill.json` }).resolves({
      Body: body({ importJobName: 'DATAPUMP_REST_IMPORT_20261206030000' }),
    });
    await expect(
      recordRestoreDrill(deps(), { ...base, drill, drillOutcome: outcome() }),
    ).rejects.toMatchObject({
      name: ErrorName.StorageRejected,
    });
  });

  describe('last-restore-drill.json', () => {
    const LAST = 'orders/last-restore-drill.json';
    const earlier = {
      lastRestoreDrillVersion: 1,
      database: 'orders',
      attemptedFor: '2026-11-29T02:00:00.000Z',
      attemptedAt: '2026-11-29T02:12:00.000Z',
      succeeded: true,
      lastSuccessAt: '2026-11-29T02:12:00.000Z',
      report: 's3://backups/x/restore-drill.json',
    };
    const putOf = (key: string) =>
      s3.commandCalls(PutObjectCommand).filter((call) => call.args[0].input.Key === key);
    const preconditionFailed = () =>
      Object.assign(new Error('PreconditionFailed'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      });

    it('creates the first record only where none is (If-None-Match)', async () => {
      await recordRestoreDrill(deps(), { ...base, drill, drillOutcome: outcome() });

      expect(putOf(LAST)[0]!.args[0].input).toMatchObject({ IfNoneMatch: '*' });
      expect(putOf(LAST)[0]!.args[0].input.IfMatch).toBeUndefined();
    });

    it('replaces the record only over the version it read (If-Match on its ETag)', async () => {
      s3.on(GetObjectCommand, { Key: LAST }).resolves({ Body: body(earlier), ETag: '"e1"' });

      await recordRestoreDrill(deps(), { ...base, drill, drillOutcome: outcome() });

      expect(putOf(LAST)[0]!.args[0].input).toMatchObject({ IfMatch: '"e1"' });
      expect(putOf(LAST)[0]!.args[0].input.IfNoneMatch).toBeUndefined();
    });

    it('reads again and keeps the last success of a record written in between, on a 412', async () => {
      // GIVEN a record without a success when first read, and one with a success written just before our PUT
      const noSuccess = { ...earlier, succeeded: false, lastSuccessAt: null };
      s3.on(GetObjectCommand, { Key: LAST })
        .resolvesOnce({ Body: body(noSuccess), ETag: '"e1"' })
        .resolves({ Body: body(earlier), ETag: '"e2"' });
      s3.on(PutObjectCommand, { Key: LAST, IfMatch: '"e1"' }).rejects(preconditionFailed());

      // WHEN a failed drill is recorded
      await recordRestoreDrill(deps(), {
        ...base,
        drillError: { Error: ErrorName.RestoreDrillFailed, Cause: '{"errorMessage":"x"}' },
      });

      // THEN the second write matches the new ETag and keeps the success written in between
      expect(putOf(LAST)).toHaveLength(2);
      expect(putOf(LAST)[1]!.args[0].input).toMatchObject({ IfMatch: '"e2"' });
      expect(JSON.parse(String(putOf(LAST)[1]!.args[0].input.Body))).toMatchObject({
        succeeded: false,
        lastSuccessAt: earlier.lastSuccessAt,
      });
    });

    it('fails naming the key when the record keeps changing under it, and never writes unconditionally', async () => {
      s3.on(GetObjectCommand, { Key: LAST }).resolves({ Body: body(earlier), ETag: '"e1"' });
      s3.on(PutObjectCommand, { Key: LAST }).rejects(preconditionFailed());

      await expect(
        recordRestoreDrill(deps(), { ...base, drill, drillOutcome: outcome() }),
      ).rejects.toMatchObject({
        name: ErrorName.StorageRejected,
        message: expect.stringContaining('s3://backups/orders/last-restore-drill.json'),
      });
      expect(putOf(LAST).every((call) => call.args[0].input.IfMatch === '"e1"')).toBe(true);
    });
  });
});

describe('isBackupFailure', () => {
  it('counts every failed execution against its backup except a failed restore drill', async () => {
    const { isBackupFailure } = await import('../../../../functions/core/base/errors.js');
    expect(isBackupFailure('ExportFailedError')).toBe(true);
    expect(isBackupFailure(undefined)).toBe(true);
    expect(isBackupFailure(ErrorName.RestoreDrillFailed)).toBe(false);
  });
});
