import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkBackupAge } from '../../../../functions/core/run/backup-age.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const PATH = '/ords-datapump-backup/databases';
const NOW = new Date('2026-12-01T12:00:00Z');

const binding = (id: string, prefix: string, lastModified = '2026-11-01T00:00:00Z') => ({
  Name: `${PATH}/${id}`,
  Type: 'String' as const,
  Value: JSON.stringify({ database: id, prefix, ordsUrl: `https://${id}.example.com/ords/hr/` }),
  LastModifiedDate: new Date(lastModified),
});

const record = (database: string, finishedAt: string) => ({
  Body: {
    transformToString: async () =>
      JSON.stringify({
        lastBackupVersion: 1,
        database,
        finishedAt,
        jobName: 'DATAPUMP_REST_EXPORT_1',
        verdict: 'succeeded',
        manifest: `s3://backups/${database}/manifest.json`,
      }),
  } as never,
});

const noSuchKey = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });

describe('checkBackupAge', () => {
  const ssm = mockClient(SSMClient);
  const s3 = mockClient(S3Client);
  let published: Array<[string, number]>;
  beforeEach(() => {
    ssm.reset();
    s3.reset();
    published = [];
  });
  const deps = (logger = recordingLogger()) => ({
    ssm: new SSMClient({ region: 'eu-central-1' }),
    s3: new S3Client({ region: 'eu-central-1' }),
    bucket: 'backups',
    parameterPath: PATH,
    logger,
    now: () => NOW,
    publish: (database: string, hours: number) => published.push([database, hours]),
  });

  it('publishes nothing for a database whose prefix was edited out of band, so its alarm goes off', async () => {
    // GIVEN a deployment that pinned prefix oracle/, and a parameter edited to point at a fresher record
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [binding('orders', 'forged/')] });
    s3.on(GetObjectCommand, { Key: 'forged/orders/last-backup.json' }).resolves(
      record('orders', '2026-12-01T11:00:00Z'),
    );
    const pins = { orders: { ordsUrl: 'https://orders.example.com/ords/hr/', prefix: 'oracle/' } };

    const report = await checkBackupAge({ ...deps(), pins });

    expect(published).toEqual([]);
    expect(report.problems).toEqual([expect.stringContaining('prefix "forged/" instead of "oracle/"')]);
    expect(s3.commandCalls(GetObjectCommand)).toEqual([]);
  });

  it('publishes nothing for a parameter of a database the deployment does not pin', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [binding('rogue', '')] });

    const report = await checkBackupAge({ ...deps(), pins: {} });

    expect(published).toEqual([]);
    expect(report.problems).toEqual([expect.stringContaining('does not pin')]);
  });

  it('publishes the hours since the last verified backup of each bound database', async () => {
    // GIVEN two bindings with last-backup records 10 and 170 hours old
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [binding('orders', 'oracle/'), binding('warehouse', '')],
    });
    s3.on(GetObjectCommand, { Key: 'oracle/orders/last-backup.json' }).resolves(
      record('orders', '2026-12-01T02:00:00Z'),
    );
    s3.on(GetObjectCommand, { Key: 'warehouse/last-backup.json' }).resolves(
      record('warehouse', '2026-11-24T10:00:00Z'),
    );

    // WHEN the hourly check runs
    const report = await checkBackupAge(deps());

    // THEN each database's age is published from its record
    expect(published).toEqual([
      ['orders', 10],
      ['warehouse', 170],
    ]);
    expect(report.ages.map((age) => age.since)).toEqual(['last-backup', 'last-backup']);
    expect(report.problems).toEqual([]);
    expect(ssm.commandCalls(GetParametersByPathCommand)[0]!.args[0].input).toMatchObject({
      Path: PATH,
      Recursive: true,
    });
  });

  it('ages a database that was never backed up from the time its binding was written', async () => {
    // GIVEN a binding written 30 days ago and no last-backup record
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [binding('orders', 'oracle/', '2026-11-01T12:00:00Z')],
    });
    s3.on(GetObjectCommand).rejects(noSuchKey());

    // WHEN the check runs
    const report = await checkBackupAge(deps());

    // THEN the age counts from the binding: 30 days
    expect(published).toEqual([['orders', 720]]);
    expect(report.ages[0]).toMatchObject({ since: 'binding', sinceTime: '2026-11-01T12:00:00.000Z' });
  });

  it('reads every page of bindings', async () => {
    ssm
      .on(GetParametersByPathCommand, { NextToken: undefined })
      .resolves({ Parameters: [binding('orders', '')], NextToken: 'page-2' })
      .on(GetParametersByPathCommand, { NextToken: 'page-2' })
      .resolves({ Parameters: [binding('billing', '')] });
    s3.on(GetObjectCommand).resolves(record('x', '2026-12-01T11:00:00Z'));

    await checkBackupAge(deps());

    expect(published).toEqual([
      ['orders', 1],
      ['billing', 1],
    ]);
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(2);
  });

  it('publishes no age for a database whose record cannot be read, and names the object', async () => {
    // GIVEN S3 refuses one record and serves the other
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [binding('orders', ''), binding('billing', '')],
    });
    s3.on(GetObjectCommand, { Key: 'orders/last-backup.json' }).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
    );
    s3.on(GetObjectCommand, { Key: 'billing/last-backup.json' }).resolves(
      record('billing', '2026-12-01T06:00:00Z'),
    );
    const logger = recordingLogger();

    // WHEN the check runs
    const report = await checkBackupAge(deps(logger));

    // THEN orders gets no data point (its alarm treats that as breaching), billing gets its age
    expect(published).toEqual([['billing', 6]]);
    expect(report.problems).toEqual([
      's3://backups/orders/last-backup.json could not be read (AccessDenied)',
    ]);
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it.each([
    [
      { ...binding('orders', ''), Value: 'not json' },
      'Parameter "/ords-datapump-backup/databases/orders" does not hold JSON',
    ],
    [{ ...binding('orders', ''), Value: '{"prefix":"/abs"}' }, 'has no valid "prefix"'],
    [
      { ...binding('orders', ''), Name: `${PATH}/Orders` },
      'is not named /ords-datapump-backup/databases/<database id>',
    ],
  ])('fails to age a malformed binding and says which parameter (%#)', async (parameter, problem) => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [parameter] });

    const report = await checkBackupAge(deps());

    expect(published).toEqual([]);
    expect(report.problems).toEqual([expect.stringContaining(problem)]);
  });

  it('fails to age a database whose record is not a last-backup record', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [binding('orders', '')] });
    s3.on(GetObjectCommand).resolves({
      Body: { transformToString: async () => '{"finishedAt":"x"}' } as never,
    });

    const report = await checkBackupAge(deps());

    expect(published).toEqual([]);
    expect(report.problems).toEqual([
      's3://backups/orders/last-backup.json is not a last-backup record (version 1)',
    ]);
  });
});
