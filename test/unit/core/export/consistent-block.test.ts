import { describe, expect, it } from 'vitest';
import {
  type ConsistentExportInput,
  consistentExportPlan,
  consistentJobName,
  ExportSpecSchema,
  filesizeForRun,
  MAX_DUMP_FILES,
} from '../../../../functions/core/export/index.js';

const RUN = 'arn:aws:states:eu-west-1:123456789012:execution:Backup:run-1';
const JOB = consistentJobName(RUN);

function input(overrides: Partial<ConsistentExportInput> = {}): ConsistentExportInput {
  return {
    runId: RUN,
    jobName: JOB,
    spec: ExportSpecSchema.parse({ schemas: ['PAYROLL', 'sales'] }),
    dumpFileTemplate: `${JOB}-%U.DMP`,
    logFileName: `${JOB}.LOG`,
    scnSource: 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)',
    ...overrides,
  };
}

const bind = (plan: ReturnType<typeof consistentExportPlan>, name: string) =>
  plan.request.binds.find((b) => b.name === name);

describe('consistentExportPlan', () => {
  it('sends every value as a named bind and none in the block text', () => {
    const plan = consistentExportPlan(input());
    const text = plan.request.statementText;
    for (const value of [JOB, RUN, 'PAYROLL', 'SALES', 'DATA_PUMP_DIR', `${JOB}-%U.DMP`]) {
      expect(text).not.toContain(value);
    }
    expect(bind(plan, 'job')?.value).toBe(JOB);
    expect(bind(plan, 'schema1')?.value).toBe('PAYROLL');
    expect(bind(plan, 'schema2')?.value).toBe('SALES');
    expect(bind(plan, 'dumpfile')?.value).toBe(`${JOB}-%U.DMP`);
    expect(bind(plan, 'filesize')?.value).toBe(String(8 * 1024 ** 3));
    expect(bind(plan, 'run')?.value).toBe(RUN);
  });

  it('returns the SCN through an OUT bind', () => {
    expect(bind(consistentExportPlan(input()), 'scn_out')).toEqual({
      name: 'scn_out',
      data_type: 'NUMBER',
      mode: 'out',
    });
  });

  it('makes the calls of the documented block in order, ending in START_JOB and DETACH', () => {
    const text = consistentExportPlan(input()).request.statementText;
    const order = [
      'SELECT TIMESTAMP_TO_SCN(SYSTIMESTAMP) INTO scn FROM dual;',
      ':scn_out := scn;',
      "DBMS_DATAPUMP.OPEN('EXPORT', 'SCHEMA', NULL, :job, 'COMPATIBLE')",
      'DBMS_DATAPUMP.KU$_FILE_TYPE_LOG_FILE',
      'DBMS_DATAPUMP.ADD_FILE(h, :dumpfile, :dir, :filesize, DBMS_DATAPUMP.KU$_FILE_TYPE_DUMP_FILE, 0)',
      "'SCHEMA_EXPR', 'IN (' || DBMS_ASSERT.ENQUOTE_LITERAL(:schema1) || ',' || DBMS_ASSERT.ENQUOTE_LITERAL(:schema2) || ')'",
      "SET_PARAMETER(h, 'FLASHBACK_SCN', scn)",
      "SET_PARAMETER(h, 'KEEP_MASTER', 1)",
      "SET_PARAMETER(h, 'METRICS', 1)",
      "SET_PARAMETER(h, 'LOGTIME', 'ALL')",
      'SET_PARALLEL(h, :degree)',
      "LOG_ENTRY(h, 'ords-datapump-backup run=' || :run || ' FLASHBACK_SCN=' || scn)",
      'DBMS_DATAPUMP.START_JOB(h);',
      'DBMS_DATAPUMP.DETACH(h);',
      'IF started THEN RAISE; END IF;',
      'RAISE_APPLICATION_ERROR(-20001, msg);',
    ];
    const positions = order.map((part) => text.indexOf(part));
    expect(positions.every((at) => at >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('reads the SCN with DBMS_FLASHBACK when that variant is chosen', () => {
    const text = consistentExportPlan(input({ scnSource: 'DBMS_FLASHBACK' })).request.statementText;
    expect(text).toContain('SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER INTO scn FROM dual;');
    expect(text).not.toContain('TIMESTAMP_TO_SCN');
  });

  it('contains no & in any variant, so SQLcl substitutes nothing', () => {
    const plan = consistentExportPlan(
      input({
        scnSource: 'DBMS_FLASHBACK',
        spec: ExportSpecSchema.parse({
          schemaExpressions: ["LIKE 'HR%'"],
          nameExpressions: ["!='TMP'"],
          threads: 4,
        }),
        options: {
          excludeStatistics: true,
          compression: 'ALL',
          encryption: 'ALL',
          licensedOptions: ['advanced-compression', 'advanced-security', 'enterprise-edition'],
        },
      }),
    );
    expect(plan.request.statementText).not.toContain('&');
  });

  it('binds schema and name expressions and excludes statistics when asked', () => {
    const plan = consistentExportPlan(
      input({
        spec: ExportSpecSchema.parse({ schemaExpressions: ["IN ('HR')"], nameExpressions: ["LIKE 'EMP%'"] }),
        options: { excludeStatistics: true },
      }),
    );
    const text = plan.request.statementText;
    expect(text).toMatch(/METADATA_FILTER\(h, 'SCHEMA_EXPR', :schema_expr\d+\)/);
    expect(text).toMatch(/METADATA_FILTER\(h, 'NAME_EXPR', :name_expr\d+\)/);
    expect(text).toContain("METADATA_FILTER(h, 'EXCLUDE_PATH_EXPR', 'IN (''STATISTICS'')')");
    expect(plan.request.binds.map((b) => b.value)).toContain("LIKE 'EMP%'");
    expect(plan.settings).toContainEqual({
      call: 'METADATA_FILTER',
      name: 'EXCLUDE_PATH_EXPR',
      value: "IN ('STATISTICS')",
    });
  });

  it('records the exact Data Pump settings it sends, and no licensed option by default', () => {
    const plan = consistentExportPlan(input({ options: { filesizeBytes: 1024 ** 3 } }));
    expect(plan.settings.map((s) => s.name)).toEqual([
      'LOG_FILE',
      'DUMP_FILE',
      'FILESIZE',
      'SCHEMA_EXPR',
      'FLASHBACK_SCN',
      'KEEP_MASTER',
      'METRICS',
      'LOGTIME',
      'DEGREE',
    ]);
    expect(plan.settings).toContainEqual({ call: 'ADD_FILE', name: 'FILESIZE', value: String(1024 ** 3) });
    expect(plan.licensedOptionsUsed).toEqual([]);
    expect(plan.request.statementText).not.toMatch(/COMPRESSION|ENCRYPTION/);
  });

  it.each([
    ['compression', { compression: 'ALL' as const }, 'advanced-compression'],
    ['encryption', { encryption: 'DATA_ONLY' as const }, 'advanced-security'],
  ])('fails for %s without its licence acknowledged, naming the licence', (_, options, licence) => {
    expect(() => consistentExportPlan(input({ options }))).toThrow(licence);
  });

  it('fails for a parallel degree above 1 without the enterprise-edition acknowledgement', () => {
    const spec = ExportSpecSchema.parse({ schemas: ['HR'], threads: 2 });
    expect(() => consistentExportPlan(input({ spec }))).toThrow(/parallel degree of 2.*enterprise-edition/);
  });

  it('sends acknowledged licensed options as binds and records them', () => {
    const plan = consistentExportPlan(
      input({
        options: {
          compression: 'DATA_ONLY',
          encryption: 'ALL',
          licensedOptions: ['advanced-compression', 'advanced-security'],
        },
      }),
    );
    expect(bind(plan, 'compression')?.value).toBe('DATA_ONLY');
    expect(plan.request.statementText).toContain("SET_PARAMETER(h, 'ENCRYPTION_MODE', 'TRANSPARENT')");
    expect(plan.licensedOptionsUsed).toEqual(['advanced-compression', 'advanced-security']);
  });

  it('fails for a schema name with a quote, whatever way it comes in', () => {
    const spec = { jobMode: 'SCHEMA', schemas: ["HR'||DROP"], datapumpDir: 'DATA_PUMP_DIR' } as never;
    expect(() => consistentExportPlan(input({ spec }))).toThrow(/export spec is not valid/);
    const filter = { jobMode: 'SCHEMA', filter: "HR%,X'Y", datapumpDir: 'DATA_PUMP_DIR' } as never;
    expect(() => consistentExportPlan(input({ spec: filter }))).toThrow();
  });

  it('fails for a wildcard in filter, which SCHEMA_EXPR IN (…) would take literally', () => {
    const spec = ExportSpecSchema.parse({ filter: 'HR%' });
    expect(() => consistentExportPlan(input({ spec }))).toThrow('"HR%"');
  });

  it.each([
    ['a job name with a quote', { jobName: 'ODBK_X"' }, 'ODBK_X\\"'],
    ['another job mode', { spec: ExportSpecSchema.parse({ jobMode: 'FULL' }) }, 'jobMode FULL'],
    ['a dump template without %U', { dumpFileTemplate: 'X.DMP' }, 'X.DMP'],
    ['a log file with a path', { logFileName: '../X.LOG' }, '../X.LOG'],
    ['a run id with a quote', { runId: "run'1" }, "run'1"],
    ['a run id with &', { runId: 'run&x' }, 'run&x'],
    ['a filesize below 10 MiB', { options: { filesizeBytes: 4096 } }, 'filesize 4096'],
    ['a fractional filesize', { options: { filesizeBytes: 10485760.5 } }, 'filesize'],
  ])('fails for %s and names the value', (_, overrides, named) => {
    expect(() => consistentExportPlan(input(overrides as Partial<ConsistentExportInput>))).toThrow(named);
  });
});

describe('consistentExportPlan without schemas', () => {
  it('exports the schema of the REST user: no SCHEMA_EXPR filter and no schema bind', () => {
    const plan = consistentExportPlan(input({ spec: ExportSpecSchema.parse({}) }));
    expect(plan.request.statementText).not.toContain('SCHEMA_EXPR');
    expect(plan.request.binds.some((b) => b.name.startsWith('schema'))).toBe(false);
  });
});

describe('filesizeForRun', () => {
  const GiB = 1024 ** 3;

  it('is 8 GiB without an earlier run, or for a small one', () => {
    expect(filesizeForRun(null)).toBe(8 * GiB);
    expect(filesizeForRun(100 * GiB)).toBe(8 * GiB);
  });

  it('grows with the last run so that half again as much stays under 99 files', () => {
    const last = 2000 * GiB;
    const size = filesizeForRun(last);
    expect(size % GiB).toBe(0);
    expect(Math.ceil((last * 1.5) / size)).toBeLessThanOrEqual(MAX_DUMP_FILES);
    expect(size).toBeGreaterThan(8 * GiB);
  });

  it('never exceeds 1 TiB, the largest FILESIZE accepted', () => {
    expect(filesizeForRun(500 * 1024 * GiB)).toBe(1024 * GiB);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('is the default for a nonsense size %s', (bytes) => {
    expect(filesizeForRun(bytes)).toBe(8 * GiB);
  });

  it('gives a size the plan accepts', () => {
    expect(() =>
      consistentExportPlan(input({ options: { filesizeBytes: filesizeForRun(5000 * GiB) } })),
    ).not.toThrow();
  });
});
