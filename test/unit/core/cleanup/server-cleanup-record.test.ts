import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import {
  type CleanupRecord,
  writeCleanupReport,
} from '../../../../functions/core/cleanup/server-cleanup-report.js';

/** Issue 18: server-cleanup.json is a conditional create; a retry keeps its earlier try's record, never a foreign one. */

const JOB = 'DATAPUMP_REST_EXPORT_20261201020000';
const TABLE = `DBAPI_USER.${JOB}`;
const KEY = `orders/2026/12/01/${JOB}/server-cleanup.json`;
const FILES = ['ORDERS-20261201T020000Z-1A2B-A020000-01.DMP'];

const s3 = mockClient(S3Client);
const deps = () => ({
  s3: new S3Client({ region: 'us-east-1' }),
  bucket: 'backups',
  now: () => new Date('2026-12-01T02:11:00Z'),
});
const record = (changes: Partial<CleanupRecord> = {}): CleanupRecord => ({
  database: 'orders',
  jobName: JOB,
  serverCleanup: 'done',
  removedFiles: FILES,
  droppedControlTable: TABLE,
  ...changes,
});
const preconditionFailed = () =>
  Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
    name: 'PreconditionFailed',
    $metadata: { httpStatusCode: 412 },
  });
/** S3 holds `body` under the key already: the conditional create answers 412. */
const alreadyHolds = (body: string) => {
  s3.on(PutObjectCommand).rejects(preconditionFailed());
  s3.on(GetObjectCommand, { Key: KEY }).resolves({ Body: { transformToString: async () => body } as never });
};
const stored = (value: CleanupRecord, writtenAt = '2026-12-01T02:10:00.000Z') =>
  `${JSON.stringify({ ...value, writtenAt }, null, 2)}\n`;

describe('writeCleanupReport', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('creates the record only if nothing is under the key (If-None-Match: *)', async () => {
    s3.on(PutObjectCommand).resolves({});

    const result = await writeCleanupReport(deps(), KEY, record(), TABLE);

    expect(result).toEqual({ serverCleanup: 'done', removedFiles: FILES, droppedControlTable: TABLE });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Key: KEY, IfNoneMatch: '*' });
    expect(JSON.parse(String(put.Body))).toMatchObject({
      ...record(),
      writtenAt: '2026-12-01T02:11:00.000Z',
    });
  });

  it("keeps its earlier try's record (same result, written a minute before) and writes nothing over it", async () => {
    alreadyHolds(stored(record()));

    const result = await writeCleanupReport(deps(), KEY, record(), TABLE);

    expect(result).toEqual({ serverCleanup: 'done', removedFiles: FILES, droppedControlTable: TABLE });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('recognises the earlier try that dropped the control table when this try finds the job gone, and returns its result', async () => {
    alreadyHolds(stored(record()));

    const result = await writeCleanupReport(deps(), KEY, record({ droppedControlTable: null }), TABLE);

    expect(result.droppedControlTable).toBe(TABLE);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it.each([
    [
      'another result: "done" over this try\'s "failed"',
      record(),
      record({ serverCleanup: 'failed', reason: 'ORA-29289' }),
    ],
    ['files this try did not remove', record({ removedFiles: [...FILES, 'OTHER.DMP'] }), record()],
    ['another database', record({ database: 'billing' }), record()],
    [
      'another control table claimed dropped',
      record({ droppedControlTable: 'HR.OTHER' }),
      record({ droppedControlTable: null }),
    ],
    [
      'a dropped table while this try drops none and failed',
      record(),
      record({ serverCleanup: 'failed', droppedControlTable: null, reason: 'x' }),
    ],
  ])('fails loudly and keeps a foreign record under the key: %s', async (_case, foreign, ours) => {
    alreadyHolds(stored(foreign));

    await expect(writeCleanupReport(deps(), KEY, ours, TABLE)).rejects.toMatchObject({
      name: ErrorName.StorageRejected,
      message: expect.stringContaining(
        `s3://backups/${KEY} already holds an object that is not this run's cleanup record`,
      ),
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('fails loudly on an object under the key that is not a cleanup record at all', async () => {
    alreadyHolds('not json');

    await expect(writeCleanupReport(deps(), KEY, record(), TABLE)).rejects.toMatchObject({
      name: ErrorName.StorageRejected,
      message: expect.stringContaining('(8 bytes)'),
    });
  });
});
