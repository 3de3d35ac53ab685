import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import {
  dropControlTableStatement,
  removeFileStatement,
} from '../../../../functions/core/cleanup/server-cleanup-sql.js';

describe('cleanup SQL', () => {
  it('removes a file with UTL_FILE.FREMOVE, the directory in upper case', () => {
    expect(removeFileStatement('data_pump_dir', 'ORDERS-20261201T020000Z-1A2B-01.DMP', 'utl-file')).toBe(
      "BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', 'ORDERS-20261201T020000Z-1A2B-01.DMP'); END;",
    );
  });

  it('removes a file with DBMS_CLOUD.DELETE_FILE on Autonomous Database', () => {
    expect(removeFileStatement('DATA_PUMP_DIR', 'ORDERS-X.LOG', 'dbms-cloud')).toBe(
      "BEGIN DBMS_CLOUD.DELETE_FILE(directory_name => 'DATA_PUMP_DIR', file_name => 'ORDERS-X.LOG'); END;",
    );
  });

  it('drops a control table by its quoted owner and name, with PURGE', () => {
    expect(dropControlTableStatement('DBAPI_USER', 'DATAPUMP_REST_EXPORT_20261201020000')).toBe(
      'DROP TABLE "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261201020000" PURGE',
    );
  });

  it.each([
    "X.DMP'); EXECUTE IMMEDIATE 'DROP USER HR CASCADE'; --",
    "X'.DMP",
    '../../etc/passwd',
    'sub/X.DMP',
    'X.DMP;',
    'X DMP',
    '..',
    '',
    'A'.repeat(256),
  ])('fails to build a file removal for the file name %j, naming it', (fileName) => {
    expect(() => removeFileStatement('DATA_PUMP_DIR', fileName, 'utl-file')).toThrow(
      expect.objectContaining({
        name: ErrorName.InvalidInput,
        message: expect.stringContaining(JSON.stringify(fileName)),
      }),
    );
  });

  it.each(["DATA_PUMP_DIR', 'X'); END; --", 'DATA PUMP', '1DIR', ''])(
    'fails to build a file removal in the directory %j',
    (directory) => {
      expect(() => removeFileStatement(directory, 'X.DMP', 'dbms-cloud')).toThrow(
        /Refusing to use the directory object/,
      );
    },
  );

  it.each([
    ['DBAPI_USER"."X" PURGE; DROP TABLE "HR"."EMPLOYEES', 'JOB'],
    ['DBAPI_USER', 'JOB" PURGE; DROP USER "HR'],
    ['DBAPI_USER', 'BIN$abc==$0'],
    ['', 'JOB'],
  ])('fails to build a table drop for owner %j and name %j', (owner, jobName) => {
    expect(() => dropControlTableStatement(owner, jobName)).toThrow(
      expect.objectContaining({
        name: ErrorName.InvalidInput,
        message: expect.stringContaining('Refusing to drop'),
      }),
    );
  });
});
