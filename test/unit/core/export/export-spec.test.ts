import { describe, expect, it } from 'vitest';
import { ExportSpecSchema, toExportRequestBody } from '../../../../functions/core/export/export-spec.js';

const TEMPLATE = 'ORDERS-20261123T020000Z-1A2B-%U.DMP';

describe('export spec', () => {
  it('sends schemas as the comma-separated filter, with the run file name and keep_master 1', () => {
    const spec = ExportSpecSchema.parse({ schemas: ['hr', 'SALES'], threads: 2 });
    expect(toExportRequestBody(spec, TEMPLATE)).toEqual({
      job_mode: 'SCHEMA',
      datapump_dir: 'DATA_PUMP_DIR',
      file_name: TEMPLATE,
      filter: 'HR,SALES',
      threads: 2,
      keep_master: 1,
    });
  });

  it('sends expressions as arrays of {expression}', () => {
    const spec = ExportSpecSchema.parse({ jobMode: 'FULL', schemaExpressions: ["NOT IN ('SYS','SYSTEM')"] });
    expect(toExportRequestBody(spec, TEMPLATE).schema_expressions).toEqual([
      { expression: "NOT IN ('SYS','SYSTEM')" },
    ]);
  });

  it('sends a SCHEMA export given only by schema_expressions with the filter the 19c docs require', () => {
    const spec = ExportSpecSchema.parse({ schemaExpressions: ["IN ('hr', 'SALES')"] });
    const body = toExportRequestBody(spec, TEMPLATE);
    expect(body.filter).toBe('HR,SALES');
    expect(body.schema_expressions).toEqual([{ expression: "IN ('hr', 'SALES')" }]);
  });

  it.each([["NOT IN ('SYS')"], ["LIKE 'APP%'"], ["IN ('APP%')"]])(
    'sends no filter for schema expression %s, whose schemas a name list cannot give',
    (expression) => {
      const spec = ExportSpecSchema.parse({ schemaExpressions: [expression] });
      expect(toExportRequestBody(spec, TEMPLATE)).not.toHaveProperty('filter');
    },
  );

  it('sends no derived filter for two expressions: they combine with AND, not as a list', () => {
    const spec = ExportSpecSchema.parse({ schemaExpressions: ["IN ('HR','SALES')", "!='SALES'"] });
    expect(toExportRequestBody(spec, TEMPLATE)).not.toHaveProperty('filter');
  });

  it('fails on an expression that could carry SQL', () => {
    const result = ExportSpecSchema.safeParse({ nameExpressions: ["IN ('A') OR 1=1 --"] });
    expect(result.success).toBe(false);
  });

  it('fails on a directory that is not an Oracle identifier', () => {
    expect(ExportSpecSchema.safeParse({ datapumpDir: "DATA'; DROP" }).success).toBe(false);
  });

  it('fails on an unknown key instead of ignoring a typo', () => {
    expect(ExportSpecSchema.safeParse({ jobMode: 'FULL', thread: 2 }).success).toBe(false);
  });

  it('fails on a file name outside the allow-list', () => {
    const spec = ExportSpecSchema.parse({ jobMode: 'FULL' });
    expect(() => toExportRequestBody(spec, "X'||%U.DMP")).toThrow(/not allowed/);
  });
});
