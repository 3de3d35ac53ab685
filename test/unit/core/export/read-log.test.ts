import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';

import { type ReadLogInput, readLog } from '../../../../functions/core/export/read-log.js';
import { exportLog, FakeJobApi, job, recordingLogger } from '../../../helpers/job-fakes.js';

const JOB = 'DATAPUMP_REST_EXPORT_20261123020000';
const ref = {
  owner: 'DBAPI_USER',
  jobName: JOB,
  runId: '20261123T020000Z-1A2B',
  fileName: 'ORDERS-20261123T020000Z-1A2B-%U.DMP',
  jobMode: 'SCHEMA',
  startedAt: '2026-11-23T02:00:00.000Z',
  adopted: false,
};
const payload: ReadLogInput = {
  executionName: 'exec-1',
  database: 'orders',
  job: ref,
  prefix: 'b/',
};
const FOLDER = `b/orders/2026/11/23/${JOB}/`;
const DUMPS = ['ORDERS-20261123T020000Z-1A2B-01.DMP', 'ORDERS-20261123T020000Z-1A2B-02.DMP'];
const LOG = 'ORDERS-20261123T020000Z-1A2B.LOG';
const deps = (ords: FakeJobApi) => ({
  ords,
  logger: recordingLogger(),
  now: () => new Date('2026-11-23T02:30:00Z'),
});

function finishedJob(ending: string, dumps = DUMPS, linked = DUMPS) {
  const ords = new FakeJobApi();
  ords.jobs.set(
    JOB,
    job({ state: 'NOT RUNNING', files: [...linked.map((name) => ({ name })), { name: LOG }] }),
  );
  ords.logs.set(LOG, exportLog('DBAPI_USER', JOB, dumps, ending));
  return ords;
}

describe('readLog', () => {
  it('lists every dump file and the log of a successful export under the backup folder', async () => {
    const ords = finishedJob(
      `Job "DBAPI_USER"."${JOB}" successfully completed at Mon Nov 23 02:00:31 2026 elapsed 0 00:00:31`,
    );
    const result = await readLog(deps(ords), payload);
    expect(result.verdict).toBe('succeeded');
    expect(result.files).toEqual([
      { name: DUMPS[0], kind: 'dump', key: `${FOLDER}${DUMPS[0]}` },
      { name: DUMPS[1], kind: 'dump', key: `${FOLDER}${DUMPS[1]}` },
      { name: LOG, kind: 'log', key: `${FOLDER}${LOG}` },
    ]);
    expect(result.exported).toEqual({
      schemas: [{ schema: 'HR', tables: 1, rows: 107 }],
      truncated: false,
      tables: 1,
      rows: 107,
    });
  });

  it('keeps the ORA- lines of an export that completed with errors, and stores its files', async () => {
    const ords = finishedJob(
      `ORA-39082: Object type VIEW:"HR"."V1" created with compilation warnings\nJob "DBAPI_USER"."${JOB}" completed with 1 error(s) at Mon Nov 23 02:00:31 2026 elapsed 0 00:00:31`,
    );
    const result = await readLog(deps(ords), payload);
    expect(result.verdict).toBe('completed-with-errors');
    expect(result.errors).toEqual([
      'ORA-39082: Object type VIEW:"HR"."V1" created with compilation warnings',
    ]);
    expect(result.files).toHaveLength(3);
    expect(result.cause).toContain('acceptCompletedWithErrors');
  });

  it('stores only the log of a failed export and explains the failure with its ORA- lines', async () => {
    const ords = finishedJob(
      `ORA-39126: Worker unexpected fatal error in KUPW$WORKER.MAIN\nORA-01555: snapshot too old\nJob "DBAPI_USER"."${JOB}" stopped due to fatal error at Mon Nov 23 02:00:31 2026 elapsed 0 00:00:31`,
      [],
      [],
    );
    const result = await readLog(deps(ords), payload);
    expect(result.verdict).toBe('failed');
    expect(result.files).toEqual([{ name: LOG, kind: 'log', key: `${FOLDER}${LOG}` }]);
    expect(result.cause).toContain('stopped due to fatal error');
    expect(result.cause).toContain('ORA-01555: snapshot too old');
  });

  it('judges an export without a log as failed', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(JOB, job({ state: 'NOT RUNNING', files: [] }));
    const result = await readLog(deps(ords), payload);
    expect(result).toMatchObject({ verdict: 'failed', files: [] });
    expect(result.cause).toContain('no log file');
  });

  it('judges a log without a final Job line as failed', async () => {
    const ords = finishedJob('ORA-39006: internal error');
    const result = await readLog(deps(ords), payload);
    expect(result.verdict).toBe('failed');
    expect(result.summary).toContain('without a final');
  });

  it('fails when the log names a dump file that ORDS does not link', async () => {
    const ords = finishedJob(
      `Job "DBAPI_USER"."${JOB}" successfully completed at Mon Nov 23 02:00:31 2026`,
      DUMPS,
      [DUMPS[0]!],
    );
    const error = await readLog(deps(ords), payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.OrdsResponse });
    expect((error as Error).message).toContain(DUMPS[1]);
  });

  it('fails, naming the incomplete log, when a success log lists no dump file set', async () => {
    // GIVEN a log cut off before its dump file set, whose final line still says success
    const ords = finishedJob(
      `Job "DBAPI_USER"."${JOB}" successfully completed at Mon Nov 23 02:00:31 2026`,
      DUMPS,
    );
    const text = exportLog('DBAPI_USER', JOB, DUMPS, `Job "DBAPI_USER"."${JOB}" successfully completed at …`);
    ords.logs.set(
      LOG,
      text
        .split('\n')
        .filter((line) => !/Dump file set|dpdump/.test(line))
        .join('\n'),
    );

    // WHEN the log is read
    const result = await readLog(deps(ords), payload);

    // THEN it is not a success: only the log is stored, and the verdict names the incomplete log
    expect(result.verdict).toBe('failed');
    expect(result.summary).toContain(`its log ${LOG} lists no dump file set`);
    expect(result.cause).toContain(`${FOLDER}${LOG}`);
    expect(result.files).toEqual([{ name: LOG, kind: 'log', key: `${FOLDER}${LOG}` }]);
    // AND the dump files are not removed from the server: nothing proves them bad
    expect(result).not.toHaveProperty('dumpFilesLeft');
  });

  it('says succeeded for a Japanese success log and reads its dump file set', async () => {
    const ords = new FakeJobApi();
    ords.jobs.set(
      JOB,
      job({ state: 'NOT RUNNING', files: [...DUMPS.map((name) => ({ name })), { name: LOG }] }),
    );
    ords.logs.set(
      LOG,
      [
        `"DBAPI_USER"."${JOB}"を起動しています:`,
        `DBAPI_USER.${JOB}に設定されたダンプ・ファイルは次のとおりです :`,
        ...DUMPS.map((name) => `  /u01/app/oracle/admin/ORCL/dpdump/${name}`),
        `ジョブ"DBAPI_USER"."${JOB}"が月 11月 23 02:00:31 2026 elapsed 0 00:00:31で正常に完了しました`,
      ].join('\n'),
    );
    const result = await readLog(deps(ords), payload);
    expect(result.verdict).toBe('succeeded');
    expect(result.files.map((file) => file.name)).toEqual([...DUMPS, LOG]);
  });

  it('fails with LogLanguageUnknownError quoting the line and saying how to get English logs', async () => {
    const line = `Le travail "DBAPI_USER"."${JOB}" a été exécuté avec succès le lun. nov. 23 02:00:31 2026`;
    const ords = finishedJob(line);
    const error = await readLog(deps(ords), payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.LogLanguageUnknown });
    expect((error as Error).message).toContain(`"${line}"`);
    expect((error as Error).message).toContain('-Duser.language=en -Duser.region=US');
  });

  it('quotes a user stop as the log states it and never calls it a fatal error', async () => {
    const ords = finishedJob(
      `Job "DBAPI_USER"."${JOB}" stopped by user request at Mon Nov 23 02:00:31 2026`,
      [],
      [],
    );
    const result = await readLog(deps(ords), payload);
    expect(result.verdict).toBe('failed');
    expect(result.cause).toContain('stopped by user request');
    expect(result.cause).not.toMatch(/fatal/i);
  });
});

describe('readLog of a job that answers 404 (keep_master ignored)', () => {
  const SUCCESS = `Job "DBAPI_USER"."${JOB}" successfully completed at Mon Nov 23 02:00:31 2026 elapsed 0 00:00:31`;
  const gone = (ending = SUCCESS) => {
    const ords = new FakeJobApi();
    ords.logs.set(LOG, exportLog('DBAPI_USER', JOB, DUMPS, ending));
    for (const name of DUMPS) ords.files.add(name);
    return ords;
  };

  it('reads the log by the name seen at the start and takes the dump files from its dump file set', async () => {
    const result = await readLog(deps(gone()), { ...payload, job: { ...ref, logFileName: LOG } });
    expect(result.verdict).toBe('succeeded');
    expect(result.files).toEqual([
      { name: DUMPS[0], kind: 'dump', key: `${FOLDER}${DUMPS[0]}` },
      { name: DUMPS[1], kind: 'dump', key: `${FOLDER}${DUMPS[1]}` },
      { name: LOG, kind: 'log', key: `${FOLDER}${LOG}` },
    ]);
  });

  it('derives the log name from the file name template when none was seen', async () => {
    const result = await readLog(deps(gone()), payload);
    expect(result.files.at(-1)?.name).toBe(LOG);
  });

  it('fails explaining keep_master and the ORDS version when the log answers 404 too', async () => {
    const error = await readLog(deps(new FakeJobApi()), payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.JobNotFound });
    expect((error as Error).message).toContain(`its log ${LOG}`);
    expect((error as Error).message).toMatch(/keep_master.*25\.x/);
  });

  it('fails explaining keep_master when a dump file answers 404', async () => {
    const ords = gone();
    ords.files.delete(DUMPS[1]!);
    const error = await readLog(deps(ords), payload).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.JobNotFound });
    expect((error as Error).message).toContain(`its dump file ${DUMPS[1]}`);
    expect((error as Error).message).toContain('keep_master');
  });
});
