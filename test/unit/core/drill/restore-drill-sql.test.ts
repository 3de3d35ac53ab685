import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import { toImportRequestBody } from '../../../../functions/core/drill/restore-drill-import.js';
import {
  checkDrillTarget,
  drillTargetProblem,
  drillUserQuery,
  dropDrillUserStatement,
  parseDrillUserRow,
} from '../../../../functions/core/drill/restore-drill-sql.js';

describe('drill schema names', () => {
  it.each([
    'HR_DRILL"; DROP USER SYS CASCADE; --',
    "HR' OR '1'='1",
    '"HR_DRILL"',
    'HR DRILL',
    '1DRILL',
    '',
    'A'.repeat(129),
  ])('refuses %j in every statement', (name) => {
    expect(() => drillUserQuery(name)).toThrow(expect.objectContaining({ name: ErrorName.InvalidInput }));
    expect(() => dropDrillUserStatement(name)).toThrow(/Refusing/);
  });

  it.each(['SYS', 'system', 'ADMIN', 'XDB', 'ORDS_METADATA', 'APEX_230200', 'GSMADMIN_INTERNAL', 'AUDSYS'])(
    'refuses the Oracle-maintained schema %s',
    (name) => {
      expect(drillTargetProblem(name, [])).toMatch(/Oracle maintains/);
    },
  );

  it('refuses an exported schema, in any case', () => {
    expect(drillTargetProblem('hr', ['HR', 'SALES'])).toMatch(/exported schemas/);
  });

  it('names the bad value in the error', () => {
    expect(() => checkDrillTarget('SYS')).toThrow(/Refusing "SYS" as the restore drill's schema/);
  });

  it('builds the statements with the name upper-cased', () => {
    expect(dropDrillUserStatement('hr_drill')).toBe('DROP USER "HR_DRILL" CASCADE');
    expect(drillUserQuery('hr_drill')).toContain("WHERE username = 'HR_DRILL'");
  });
});

describe('parseDrillUserRow', () => {
  const ok = (rows: unknown[]) => ({ ok: true as const, statement: 'SELECT …', rows: rows as never });

  it('reads the clock and the creation time', () => {
    expect(
      parseDrillUserRow(ok([{ db_time: '2026-12-06T02:10:00', created: '2026-12-06T02:10:05' }])),
    ).toEqual({
      dbTime: '2026-12-06T02:10:00',
      created: '2026-12-06T02:10:05',
    });
  });

  it('reads a missing user as created null', () => {
    expect(parseDrillUserRow(ok([{ DB_TIME: '2026-12-06T02:10:00', CREATED: null }]))?.created).toBeNull();
  });

  it('is null when the statement failed', () => {
    const failed = { ok: false as const, statement: 'SELECT …', errorCode: 942, errorDetails: 'ORA-00942' };
    expect(parseDrillUserRow(failed)).toBeNull();
  });

  it.each([
    [[]],
    [[{ db_time: 'yesterday', created: null }]],
    [[{ db_time: '2026-12-06T02:10:00', created: 42 }]],
    [
      [
        { db_time: '2026-12-06T02:10:00', created: null },
        { db_time: '2026-12-06T02:10:00', created: null },
      ],
    ],
  ])('fails on an answer of another shape: %j', (rows) => {
    expect(() => parseDrillUserRow(ok(rows))).toThrow(/expected one row/);
  });
});

describe('toImportRequestBody', () => {
  it('imports one schema of this run’s dump files, remapped to the drill schema, keeping its job', () => {
    expect(toImportRequestBody('DATA_PUMP_DIR', 'ORDERS-X-%U.DMP', 'hr', 'hr_drill')).toEqual({
      job_mode: 'SCHEMA',
      datapump_dir: 'DATA_PUMP_DIR',
      file_name: 'ORDERS-X-%U.DMP',
      schema_expressions: [{ expression: "IN ('HR')" }],
      remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }],
      keep_master: 1,
    });
  });

  it('refuses to remap a schema onto itself', () => {
    expect(() => toImportRequestBody('DATA_PUMP_DIR', 'ORDERS-X-%U.DMP', 'HR', 'HR')).toThrow(
      /exported schemas/,
    );
  });

  it("refuses a file name that is not this project's template", () => {
    expect(() => toImportRequestBody('DATA_PUMP_DIR', "X'.DMP", 'HR', 'HR_DRILL')).toThrow(/file_name/);
  });
});
