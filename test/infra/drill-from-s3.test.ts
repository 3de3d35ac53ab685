import { Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestoreDrillBindingSchema } from '../../functions/core/drill/restore-drill-payloads.js';
import { ConfigError, parseConfig } from '../../infra/config/index.js';
import { databasePropsOf } from '../../infra/config-to-props.js';
import { bindingOf } from '../../infra/database-binding.js';
import { resolveDatabase } from '../../infra/database-settings.js';
import { nagViolationsOf } from './nag.js';
import {
  actionsOf,
  logicalIdOf,
  resourcesOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

const ORDERS = {
  id: 'orders',
  ordsUrl: 'https://db.example.com:8443/ords/pdb1/dbapi_user/',
  secret: 'prod/ords/orders',
  export: { jobMode: 'SCHEMA', schemas: ['HR'] },
};
const drill = (source?: string) => ({
  schedule: { cron: '0 2 ? * SUN *' },
  targetSchema: 'HR_DRILL',
  ...(source === undefined ? {} : { source }),
});
const configWith = (source?: string) =>
  parseConfig(
    { defaults: { prefix: 'oracle/' }, databases: [{ ...ORDERS, restoreDrill: drill(source) }] },
    'config/test.json',
  );

describe('restoreDrill.source', () => {
  it('reaches the binding as "s3", and a binding without it (an earlier deployment) reads as the server drill', () => {
    const [s3Props] = databasePropsOf(new Stack(), configWith('s3').databases);
    const [serverProps] = databasePropsOf(new Stack(), configWith().databases);

    expect(bindingOf('test', resolveDatabase('test', s3Props!)).restoreDrill).toMatchObject({ source: 's3' });
    const earlier = bindingOf('test', resolveDatabase('test', serverProps!)).restoreDrill!;
    expect(earlier).not.toHaveProperty('source');
    expect(RestoreDrillBindingSchema.parse(earlier).source ?? 'server').toBe('server');
  });

  it('refuses another source, naming the value and what is allowed', () => {
    expect(() => configWith('vault')).toThrow(ConfigError);
    expect(() => configWith('vault')).toThrow(/source[\s\S]*"server" or "s3"/);
  });
});

describe('grants of a drill from S3', () => {
  const s3ActionsOfDrill = (synthesized: Synthesized) => {
    const { json } = synthesized;
    const fn = synthesized.built.backup.functions.restoreDrill;
    return statementsOfRole(json, roleOfFunction(json, logicalIdOf(fn))).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('s3:')),
    );
  };
  let withS3: Synthesized;
  let withoutS3: Synthesized;
  beforeAll(() => {
    withS3 = synthesize(configWith('s3'));
    withoutS3 = synthesize(configWith());
  });
  afterAll(() => {
    withS3.cleanup();
    withoutS3.cleanup();
  });

  it('lets the drill function read the backups and keep its restore records only when a database drills from S3', () => {
    const keysFor = (statements: ReturnType<typeof s3ActionsOfDrill>, action: string) =>
      JSON.stringify(
        statements.filter((statement) => actionsOf(statement).includes(action)).flatMap(resourcesOf),
      );

    const granted = s3ActionsOfDrill(withS3);
    // Under the deployment's prefix only, and deletes of restore records only.
    expect(keysFor(granted, 's3:GetObjectVersion')).toContain('"/oracle/*"');
    expect(keysFor(granted, 's3:DeleteObject')).toContain('"/oracle/*/restores/*"');
    expect(keysFor(granted, 's3:DeleteObject')).not.toContain('"/oracle/*"');
    expect(keysFor(granted, 's3:GetObjectVersion')).not.toContain('"/*"');
    const without = s3ActionsOfDrill(withoutS3);
    // Changed on purpose: s3:DeleteObject of the ORDS slots only (a redriven drill step holds its slot again).
    expect(new Set(without.flatMap(actionsOf))).toEqual(
      new Set(['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject']),
    );
    expect(
      JSON.parse(keysFor(without, 's3:DeleteObject')).map((key: unknown) => JSON.stringify(key)),
    ).toEqual([expect.stringContaining('"/oracle/_slots/*"')]);
  });

  it('has no cdk-nag finding with a drill from S3', () => {
    expect(nagViolationsOf(withS3.app)).toEqual([]);
  });
});
