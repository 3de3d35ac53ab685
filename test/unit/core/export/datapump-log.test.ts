import { describe, expect, it } from 'vitest';
import { parseExportLog as parse } from '../../../../functions/core/export/datapump-log.js';

const ID = { owner: 'DBAPI_USER', jobName: 'DATAPUMP_REST_EXPORT_20261123020001' };
const JOB = 'Job "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020001"';
const parseExportLog = (text: string) => parse(text, ID);
const WHEN = 'at Mon Nov 23 02:14:31 2026 elapsed 0 00:14:30';

function log(...tail: string[]): string {
  return [
    'Export: Release 19.0.0.0.0 - Production on Mon Nov 23 02:00:01 2026',
    'Version 19.18.0.0.0',
    '',
    'Connected to: Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production',
    'Starting "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020001":',
    'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA',
    '. . exported "HR"."EMPLOYEES"                         17.08 KB     107 rows',
    'Master table "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020001" successfully loaded/unloaded',
    '******************************************************************************',
    'Dump file set for DBAPI_USER.DATAPUMP_REST_EXPORT_20261123020001 is:',
    '  /u01/app/oracle/admin/ORCL/dpdump/B0F0E1/ORDERS-20261123T020000Z-1A2B-01.DMP',
    '  /u01/app/oracle/admin/ORCL/dpdump/B0F0E1/ORDERS-20261123T020000Z-1A2B-02.DMP',
    ...tail,
  ].join('\n');
}

describe('parseExportLog', () => {
  it('says succeeded for "successfully completed at"', () => {
    const result = parseExportLog(log(`${JOB} successfully completed ${WHEN}`));
    expect(result).toEqual({
      verdict: 'succeeded',
      summary: `${JOB} successfully completed ${WHEN}`,
      language: 'en',
      unknownLine: null,
      errors: [],
      dumpFiles: ['ORDERS-20261123T020000Z-1A2B-01.DMP', 'ORDERS-20261123T020000Z-1A2B-02.DMP'],
    });
  });

  it('says completed-with-errors for "completed with N error(s) at"', () => {
    const text = log(`${JOB} completed with 2 error(s) ${WHEN}`).replace(
      'Master table',
      'ORA-39082: Object type ALTER_PROCEDURE:"HR"."ADD_JOB_HISTORY" created with compilation warnings\nMaster table',
    );
    const result = parseExportLog(text);
    expect(result.verdict).toBe('completed-with-errors');
    expect(result.errors).toEqual([
      'ORA-39082: Object type ALTER_PROCEDURE:"HR"."ADD_JOB_HISTORY" created with compilation warnings',
    ]);
  });

  it('says failed for "stopped due to fatal error at"', () => {
    expect(
      parseExportLog(`ORA-39126: Worker unexpected fatal error\n${JOB} stopped due to fatal error ${WHEN}\n`),
    ).toEqual({
      verdict: 'failed',
      summary: `${JOB} stopped due to fatal error ${WHEN}`,
      language: 'en',
      unknownLine: null,
      errors: ['ORA-39126: Worker unexpected fatal error'],
      dumpFiles: [],
    });
  });

  it('says failed for "stopped by user request at"', () => {
    expect(parseExportLog(`${JOB} stopped by user request ${WHEN}`).verdict).toBe('failed');
  });

  it('reports an English Job line in no known form as unknown, never as a failure it does not state', () => {
    const line = `${JOB} ended in a way nobody has seen ${WHEN}`;
    expect(parseExportLog(line)).toMatchObject({ verdict: null, summary: null, unknownLine: line });
  });

  it('decides by the last Job line', () => {
    const text = `${JOB} stopped by user request ${WHEN}\n${JOB} has been reopened ${WHEN}\n${JOB} successfully completed ${WHEN}`;
    expect(parseExportLog(text).verdict).toBe('succeeded');
  });

  it('returns no verdict and no summary without a final Job line', () => {
    const result = parseExportLog(
      'Starting "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020001":\nProcessing object type SCHEMA_EXPORT/TABLE/TABLE_DATA\n',
    );
    expect(result.verdict).toBeNull();
    expect(result.summary).toBeNull();
    expect(result.unknownLine).toBeNull();
  });

  it('returns no verdict for an empty log', () => {
    expect(parseExportLog('')).toEqual({
      verdict: null,
      summary: null,
      language: null,
      unknownLine: null,
      errors: [],
      dumpFiles: [],
    });
  });

  it('handles CRLF line ends, trailing spaces and a BOM', () => {
    const text = `\uFEFF${log(`${JOB} successfully completed ${WHEN}   `).replaceAll('\n', '  \r\n')}\r\n`;
    const result = parseExportLog(text);
    expect(result.verdict).toBe('succeeded');
    expect(result.summary).toBe(`${JOB} successfully completed ${WHEN}`);
    expect(result.dumpFiles).toEqual([
      'ORDERS-20261123T020000Z-1A2B-01.DMP',
      'ORDERS-20261123T020000Z-1A2B-02.DMP',
    ]);
  });

  it('reads lines prefixed with LOGTIME timestamps', () => {
    const text = [
      '23-NOV-26 02:00:02.118: Dump file set for DBAPI_USER.J1 is:',
      '23-NOV-26 02:00:02.119:   /u01/dpdump/X-01.DMP',
      `23-NOV-26 02:14:31.007: ${JOB} successfully completed ${WHEN}`,
    ].join('\n');
    expect(parseExportLog(text)).toMatchObject({ verdict: 'succeeded', dumpFiles: ['X-01.DMP'] });
  });

  it('reads the error lines of METRICS workers behind their W-n prefix', () => {
    const text = [
      '23-NOV-26 02:00:04.900: W-1 ORA-31693: Table data object "HR"."ORDERS" failed to load/unload and is being skipped due to error:',
      '23-NOV-26 02:00:04.902: ORA-01555: snapshot too old: rollback segment number 9 with name "_SYSSMU9_1$" too small',
      `23-NOV-26 02:14:31.007: ${JOB} completed with 1 error(s) ${WHEN}`,
    ].join('\n');
    expect(parseExportLog(text)).toMatchObject({
      verdict: 'completed-with-errors',
      errors: [
        'ORA-31693: Table data object "HR"."ORDERS" failed to load/unload and is being skipped due to error:',
        'ORA-01555: snapshot too old: rollback segment number 9 with name "_SYSSMU9_1$" too small',
      ],
    });
  });

  it('ends the dump file set at a blank line', () => {
    const text = 'Dump file set for A.B is:\n  /d/X-01.DMP\n\nnot a file\n';
    expect(parseExportLog(text).dumpFiles).toEqual(['X-01.DMP']);
  });

  it('reads dump files from Windows paths and object storage URIs', () => {
    const text = [
      'Dump file set for A.B is:',
      '  C:\\app\\oracle\\admin\\orcl\\dpdump\\X-01.DMP',
      '  https://objectstorage.eu-frankfurt-1.oraclecloud.com/n/ns/b/backups/o/X-02.DMP',
      `${JOB} successfully completed ${WHEN}`,
    ].join('\n');
    expect(parseExportLog(text).dumpFiles).toEqual(['X-01.DMP', 'X-02.DMP']);
  });

  it('keeps ORA-, UDE- and LRM- lines in order, deduplicated', () => {
    const text = [
      "UDE-00014: invalid value for parameter, 'schemas'.",
      'ORA-39002: invalid operation',
      'ORA-39002: invalid operation',
      "LRM-00101: unknown parameter name 'x'",
      'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA',
    ].join('\n');
    expect(parseExportLog(text).errors).toEqual([
      "UDE-00014: invalid value for parameter, 'schemas'.",
      'ORA-39002: invalid operation',
      "LRM-00101: unknown parameter name 'x'",
    ]);
  });

  it('keeps at most 20 error lines', () => {
    const text = Array.from(
      { length: 30 },
      (_, index) => `ORA-${String(31_000 + index)}: error ${index}`,
    ).join('\n');
    const { errors } = parseExportLog(text);
    expect(errors).toHaveLength(20);
    expect(errors[19]).toBe('ORA-31019: error 19');
  });

  it('finds the final line by the quoted owner and job, not by the word Job', () => {
    const other = 'Job "SYSTEM"."SYS_EXPORT_FULL_01" stopped due to fatal error at Mon Nov 23 02:20:00 2026';
    const result = parseExportLog(log(`${JOB} successfully completed ${WHEN}`, other));
    expect(result).toMatchObject({ verdict: 'succeeded', summary: `${JOB} successfully completed ${WHEN}` });
  });

  it("does not take another job's final line for its own", () => {
    const other = 'Job "SYSTEM"."SYS_EXPORT_FULL_01" successfully completed at Mon Nov 23 02:20:00 2026';
    expect(
      parseExportLog(`Starting "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020001":\n${other}`).verdict,
    ).toBeNull();
  });

  it('fails to recognise a line in an unknown language and returns it as unknown', () => {
    const line = 'Le travail "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020001" a été exécuté avec succès';
    expect(parseExportLog(log(line))).toMatchObject({ verdict: null, summary: null, unknownLine: line });
  });
});

describe('parseExportLog in Japanese', () => {
  const JA = { owner: 'SYS', jobName: 'SYS_EXPORT_FULL_01' };
  const jaLog = (...tail: string[]) =>
    [
      '"SYS"."SYS_EXPORT_FULL_01"を起動しています:  "/******** AS SYSDBA" directory=DATA_PUMP_DIR full=y',
      '処理オブジェクト型DATABASE_EXPORT/SCHEMA/TABLE/TABLE_DATA',
      'マスター表"SYS"."SYS_EXPORT_FULL_01"は正常にロード/アンロードされました',
      '******************************************************************************',
      'SYS.SYS_EXPORT_FULL_01に設定されたダンプ・ファイルは次のとおりです :',
      '  /u01/app/oracle/admin/ORCL/dpdump/FULL-01.DMP',
      '  /u01/app/oracle/admin/ORCL/dpdump/FULL-02.DMP',
      ...tail,
    ].join('\n');

  it('says succeeded for 正常に完了しました and reads the dump file set', () => {
    const line =
      'ジョブ"SYS"."SYS_EXPORT_FULL_01"が水 12月 11 10:31:41 2024 elapsed 0 00:00:47で正常に完了しました';
    expect(parse(jaLog(line), JA)).toEqual({
      verdict: 'succeeded',
      summary: line,
      language: 'ja',
      unknownLine: null,
      errors: [],
      dumpFiles: ['FULL-01.DMP', 'FULL-02.DMP'],
    });
  });

  it('says failed for 致命的なエラーのため…で停止しました', () => {
    const line =
      'ジョブ"SYS"."SYS_EXPORT_FULL_01"は致命的なエラーのため水 12月 11 10:31:41 2024 elapsed 0 00:00:02で停止しました';
    expect(parse(`ORA-39126: ワーカーで予期しない致命的エラーが発生しました\n${line}`, JA)).toMatchObject({
      verdict: 'failed',
      summary: line,
      language: 'ja',
      errors: ['ORA-39126: ワーカーで予期しない致命的エラーが発生しました'],
    });
  });

  it('says completed-with-errors for N個のエラー…完了しました', () => {
    const line =
      'ジョブ"SYS"."SYS_EXPORT_FULL_01"が2個のエラーで水 12月 11 10:31:41 2024 elapsed 0 00:00:47で完了しました';
    expect(parse(jaLog(line), JA)).toMatchObject({ verdict: 'completed-with-errors', language: 'ja' });
  });

  it('returns no verdict while the job has only started', () => {
    expect(parse(jaLog(), JA)).toMatchObject({ verdict: null, unknownLine: null });
  });

  it('reads LOGTIME timestamps with Japanese month names', () => {
    const text =
      '11-12月-24 10:31:41.123: ジョブ"SYS"."SYS_EXPORT_FULL_01"が水 12月 11 10:31:41 2024 elapsed 0 00:00:47で正常に完了しました';
    expect(parse(text, JA).verdict).toBe('succeeded');
  });
});
