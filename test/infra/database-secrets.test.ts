import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOf, type Json, type Synthesized, synthesize } from './synth.js';

const ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:';

const database = (id: string, secret: string) => ({
  id,
  ordsUrl: `https://${id}.example.com/ords/hr/`,
  secret,
});

describe('DatabaseSecrets', () => {
  let synthesized: Synthesized;
  let granted: string[];
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        databases: [
          database('orders', `${ARN}prod/ords/orders-reader`),
          database('billing', `${ARN}prod/ords/billing`),
          database('hr', 'prod/ords/hr'),
        ],
      }),
    );
    const json = synthesized.jsonOf(synthesized.built.databaseSlices[0]!);
    granted = Object.values(json.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy')
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Json[])
      .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]))
      .map((resource) => JSON.stringify(resource));
  });
  afterAll(() => synthesized.cleanup());

  it('grants an ARN ending in - and 6 letters both as written and as a partial ARN', () => {
    // GIVEN `…:secret:prod/ords/orders-reader`: the complete ARN of "prod/ords/orders", or a partial
    // ARN of "prod/ords/orders-reader"; THEN both readings are granted
    expect(granted).toContain(JSON.stringify(`${ARN}prod/ords/orders-reader`));
    expect(granted).toContain(JSON.stringify(`${ARN}prod/ords/orders-reader-??????`));
  });

  it('grants a partial ARN only with the suffix wildcard', () => {
    expect(granted).toContain(JSON.stringify(`${ARN}prod/ords/billing-??????`));
    expect(granted).not.toContain(JSON.stringify(`${ARN}prod/ords/billing`));
  });

  it('grants a name with the suffix wildcard in this account and region', () => {
    const byName = granted.filter((resource) => resource.includes(':secret:prod/ords/hr-??????'));

    expect(byName).toHaveLength(1);
    expect(granted.filter((resource) => resource.includes('prod/ords/hr'))).toEqual(byName);
  });
});
