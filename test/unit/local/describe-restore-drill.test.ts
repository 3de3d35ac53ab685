import { describe, expect, it } from 'vitest';
import { describeRestoreDrill, localRestoreDrill } from '../../../local/local-drill.js';

describe('describeRestoreDrill', () => {
  it('says nothing when the run did not drill', () => {
    expect(describeRestoreDrill({ manifest: 's3://b/k' })).toEqual([]);
  });

  it('says the verdict, the counts and that the drill schema was removed', () => {
    const lines = describeRestoreDrill({
      restoreDrill: {
        succeeded: true,
        targetSchema: 'HR_DRILL',
        schemaDropped: true,
        tables: 7,
        rows: 215,
        durationSeconds: 6,
        report: 's3://b/x/restore-drill.json',
      },
    });
    expect(lines).toEqual([
      '  drill    succeeded: 7 table(s), 215 row(s) imported into HR_DRILL in 6 s',
      '           drill schema HR_DRILL removed',
      '           recorded in s3://b/x/restore-drill.json',
    ]);
  });

  it('says why the drill failed and that the schema was not removed', () => {
    const lines = describeRestoreDrill({
      restoreDrill: { succeeded: false, targetSchema: 'HR_DRILL', schemaDropped: false, cause: 'ORA-01031' },
    });
    expect(lines[0]).toBe('  drill    FAILED: ORA-01031');
    expect(lines[1]).toMatch(/HR_DRILL NOT removed/);
  });
});

describe('localRestoreDrill', () => {
  it('drills the first exported schema, or HR on the simulator, or the user’s own schema', () => {
    const schemaOf = (spec: object, simulator: boolean) =>
      localRestoreDrill(
        'x_drill',
        { jobMode: 'SCHEMA', datapumpDir: 'DATA_PUMP_DIR', ...spec },
        {
          simulator,
          username: 'scott',
        },
      ).schema;
    expect(schemaOf({ schemas: ['SALES'] }, false)).toBe('SALES');
    expect(schemaOf({}, true)).toBe('HR');
    expect(schemaOf({}, false)).toBe('SCOTT');
  });

  it('refuses a target that is the drilled schema or an Oracle schema', () => {
    const spec = { jobMode: 'SCHEMA' as const, datapumpDir: 'DATA_PUMP_DIR', schemas: ['HR'] };
    expect(() => localRestoreDrill('hr', spec, { simulator: true, username: undefined })).toThrow(/exported/);
    expect(() => localRestoreDrill('SYS', spec, { simulator: true, username: undefined })).toThrow(/Oracle/);
  });
});
