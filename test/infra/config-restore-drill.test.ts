import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../infra/config/index.js';
import { ConfigError, parseConfig } from '../../infra/config/index.js';
import { databasePropsOf } from '../../infra/config-to-props.js';
import { bindingOf } from '../../infra/database-binding.js';
import { resolveDatabase } from '../../infra/database-settings.js';

const ORDERS = {
  id: 'orders',
  ordsUrl: 'https://db.example.com:8443/ords/pdb1/dbapi_user/',
  secret: 'prod/ords/orders',
  export: { jobMode: 'SCHEMA', schemas: ['HR', 'SALES'] },
};
const SUNDAYS = { cron: '0 2 ? * SUN *' };

/** The binding the functions would read for a parsed database (through the construct's props). */
function bound(database: DatabaseConfig) {
  const [props] = databasePropsOf(new Stack(), [database]);
  return bindingOf('test', resolveDatabase('test', props!));
}

function parse(changes: Record<string, unknown>) {
  return parseConfig({ databases: [{ ...ORDERS, ...changes }] }, 'config/test.json');
}

function problemsOf(changes: Record<string, unknown>): string[] {
  try {
    parse(changes);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('restoreDrill configuration', () => {
  it('drills the first exported schema by default, in UTC, and binds the drill at deploy time', () => {
    const database = parse({ restoreDrill: { schedule: SUNDAYS, targetSchema: 'hr_drill' } }).databases[0]!;

    expect(database.restoreDrill).toEqual({
      schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' },
      targetSchema: 'HR_DRILL',
      schema: 'HR',
    });
    expect(bound(database).restoreDrill).toEqual(database.restoreDrill);
  });

  it('has no drill unless configured', () => {
    expect(parse({}).databases[0]!.restoreDrill).toBeUndefined();
    expect(bound(parse({}).databases[0]!)).not.toHaveProperty('restoreDrill');
  });

  it('fails for a FULL export without schema, naming the database', () => {
    expect(
      problemsOf({
        export: { jobMode: 'FULL' },
        restoreDrill: { schedule: SUNDAYS, targetSchema: 'HR_DRILL' },
      }),
    ).toEqual([
      expect.stringMatching(
        /^config\/test\.json: database "orders": restoreDrill\.schema is missing for export\.jobMode FULL/,
      ),
    ]);
  });

  it('accepts a FULL export with the schema to drill', () => {
    const database = parse({
      export: { jobMode: 'FULL' },
      restoreDrill: { schedule: SUNDAYS, targetSchema: 'HR_DRILL', schema: 'hr' },
    }).databases[0]!;
    expect(database.restoreDrill?.schema).toBe('HR');
  });

  it('fails for a schema that is not exported, listing the exported ones', () => {
    expect(
      problemsOf({ restoreDrill: { schedule: SUNDAYS, targetSchema: 'X_DRILL', schema: 'SCOTT' } }),
    ).toEqual([
      expect.stringMatching(
        /restoreDrill\.schema is "SCOTT"; allowed: one of the exported schemas HR, SALES/,
      ),
    ]);
  });

  it.each([
    ['SALES', /exported schemas/],
    ['SYSTEM', /Oracle maintains/],
    ['APEX_240100', /Oracle maintains/],
    ['ADMIN', /Oracle maintains/],
  ])('fails for the target schema %s, naming it', (targetSchema, why) => {
    const problems = problemsOf({ restoreDrill: { schedule: SUNDAYS, targetSchema } });
    expect(problems).toEqual([expect.stringContaining(`restoreDrill.targetSchema is "${targetSchema}"`)]);
    expect(problems[0]).toMatch(why);
  });

  it.each(['HR_DRILL"; DROP USER SYS --', 'hr drill', '1X'])(
    'fails for the quoted or odd target %j',
    (targetSchema) => {
      expect(problemsOf({ restoreDrill: { schedule: SUNDAYS, targetSchema } })).toEqual([
        expect.stringMatching(/restoreDrill\.targetSchema is .*allowed: an unquoted Oracle identifier/),
      ]);
    },
  );

  it('fails for a bad drill cron or time zone', () => {
    const problems = problemsOf({
      restoreDrill: { schedule: { cron: '0 2 * * * *', timeZone: 'Mars/Base' }, targetSchema: 'HR_DRILL' },
    });
    expect(problems).toEqual([
      expect.stringMatching(/restoreDrill\.schedule\.cron is "0 2 \* \* \* \*"/),
      expect.stringMatching(/restoreDrill\.schedule\.timeZone is "Mars\/Base"/),
    ]);
  });

  it('is not a setting of defaults', () => {
    expect(() =>
      parseConfig(
        { defaults: { restoreDrill: { schedule: SUNDAYS, targetSchema: 'HR_DRILL' } }, databases: [ORDERS] },
        'config/test.json',
      ),
    ).toThrow(/defaults\.restoreDrill is not a known key/);
  });
});
