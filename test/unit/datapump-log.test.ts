import { describe, expect, it } from 'vitest';
import { parseExportLog } from '../../functions/core/datapump-log.js';

const JOB = 'Job "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020001"';
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
      errors: ['ORA-39126: Worker unexpected fatal error'],
      dumpFiles: [],
    });
  });

  it('says failed for "stopped by user request at"', () => {
    expect(parseExportLog(`${JOB} stopped by user request ${WHEN}`).verdict).toBe('failed');
  });

  it('says failed for any other final Job line', () => {
    expect(parseExportLog(`${JOB} has been reopened ${WHEN}`).verdict).toBe('failed');
  });

  it('decides by the last Job line', () => {
    const text = `${JOB} stopped by user request ${WHEN}\n${JOB} has been reopened ${WHEN}\n${JOB} successfully completed ${WHEN}`;
    expect(parseExportLog(text).verdict).toBe('succeeded');
  });

  it('returns no verdict and no summary without a final Job line', () => {
    const result = parseExportLog(
      'Starting "DBAPI_USER"."J1":\nProcessing object type SCHEMA_EXPORT/TABLE/TABLE_DATA\n',
    );
    expect(result.verdict).toBeNull();
    expect(result.summary).toBeNull();
  });

  it('returns no verdict for an empty log', () => {
    expect(parseExportLog('')).toEqual({ verdict: null, summary: null, errors: [], dumpFiles: [] });
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
});
