import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { MAX_DATABASES_PER_STACK } from '../../infra/config/index.js';
import {
  MANAGED_POLICY_MAX_CHARS,
  policyLength,
  ROLE_INLINE_POLICIES_MAX_CHARS,
} from '../../infra/policy-size.js';
import {
  MAX_RESOURCES_PER_STACK,
  MAX_TEMPLATE_BYTES,
  type StackTemplate,
  stackLimitProblems,
  templatesOf,
} from '../../infra/stack-limits.js';
import { configOf, logicalIdOf, newApp, type Synthesized, synthesize } from './synth.js';

/**
 * 300 databases with longer-than-usual values: ids, host names, schema lists and secret names.
 * Every tenth is disabled, every seventh names its secret by complete ARN.
 */
function manyDatabases(count: number, secretName = (n: number) => `production/oracle/ords/backup-db-${n}`) {
  return Array.from({ length: count }, (_, index) => {
    const n = index + 1;
    const id = `customer-db-${String(n).padStart(3, '0')}-prod`;
    const name = secretName(n);
    return {
      id,
      ordsUrl: `https://oracle-${n}.databases.corp.example.com:8443/ords/pdb${n}/backup_user/`,
      secret: n % 7 === 0 ? `arn:aws:secretsmanager:eu-central-1:123456789012:secret:${name}-AbC123` : name,
      export: { jobMode: 'SCHEMA', schemas: ['HR', 'SALES', 'FINANCE', 'INVENTORY'], threads: 2 },
      ...(n % 10 === 0 ? { enabled: false } : {}),
    };
  });
}

/** Every managed policy of the app with its stack, size and roles. */
function managedPolicies(templates: readonly StackTemplate[]) {
  return templates.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {})
      .filter(([, resource]) => resource.Type === 'AWS::IAM::ManagedPolicy')
      .map(([id, resource]) => ({
        stackName,
        id,
        length: policyLength(resource.Properties!.PolicyDocument),
        roles: resource.Properties!.Roles as unknown[],
        secrets: (
          resource.Properties!.PolicyDocument as { Statement: Array<{ Resource: unknown }> }
        ).Statement.flatMap((statement) =>
          Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource],
        ),
      })),
  );
}

/** Characters of each role's inline policies, per stack and role reference. */
function inlinePolicyLengths(templates: readonly StackTemplate[]): number[] {
  const byRole = new Map<string, number>();
  for (const { stackName, template } of templates) {
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const length = policyLength(resource.Properties!.PolicyDocument);
      for (const role of resource.Properties!.Roles as unknown[]) {
        const key = `${stackName} ${JSON.stringify(role)}`;
        byRole.set(key, (byRole.get(key) ?? 0) + length);
      }
    }
  }
  return [...byRole.values()];
}

describe.each([
  ['the default of 100', undefined, 3],
  [`the largest allowed ${MAX_DATABASES_PER_STACK}`, MAX_DATABASES_PER_STACK, 3],
])('300 databases with databasesPerStack %s', (_, databasesPerStack, stackCount) => {
  const databases = manyDatabases(300);
  let synthesized: Synthesized;
  let templates: StackTemplate[];
  beforeAll(() => {
    synthesized = synthesize(configOf({ ...(databasesPerStack ? { databasesPerStack } : {}), databases }));
    templates = templatesOf(synthesized.app.synth());
  });
  afterAll(() => synthesized.cleanup());

  it('splits the databases into stacks in configuration order', () => {
    const { built } = synthesized;
    const perStack = databasesPerStack ?? 100;

    expect(built.databaseStacks.map((stack) => stack.stackName)).toEqual(
      Array.from({ length: stackCount }, (_, index) => `OrdsDatapumpBackup-Databases-${index + 1}`),
    );
    expect(built.databaseSlices.flatMap((slice) => slice.databaseIds)).toEqual(databases.map((d) => d.id));
    expect(built.databaseSliceOf(databases[perStack]!.id)).toBe(built.databaseSlices[1]);
  });

  it('keeps every stack under 500 resources and 1 MB of template', () => {
    for (const { stackName, template, bytes } of templates) {
      expect(Object.keys(template.Resources ?? {}).length, stackName).toBeLessThan(MAX_RESOURCES_PER_STACK);
      expect(bytes, stackName).toBeLessThan(MAX_TEMPLATE_BYTES);
    }
    expect(stackLimitProblems(templates)).toEqual([]);
  });

  it("keeps every managed policy under 6,144 characters and every role's inline policies under 10,240", () => {
    for (const policy of managedPolicies(templates)) {
      expect(policy.length, `${policy.stackName} ${policy.id}`).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    }
    for (const length of inlinePolicyLengths(templates)) {
      expect(length).toBeLessThanOrEqual(ROLE_INLINE_POLICIES_MAX_CHARS);
    }
  });

  it('grants the secrets with one policy of the same size as for a single database (no list of secrets)', () => {
    const single = synthesize(configOf({ databases: manyDatabases(1) }));
    try {
      const readerPolicy = ({ json, built }: Synthesized) =>
        JSON.stringify(
          json.Resources[logicalIdOf(built.backup.functions.secretReader.role)]!.Properties.Policies,
        );

      expect(readerPolicy(synthesized)).toEqual(readerPolicy(single));
      expect(
        managedPolicies(templates).filter((policy) => JSON.stringify(policy).includes('secretsmanager')),
      ).toEqual([]);
      expect(JSON.stringify(templates)).not.toContain('backup-db-1-??????');
    } finally {
      single.cleanup();
    }
  });
});

describe('scale limits', () => {
  it('synthesizes 300 databases with long secret names, which once needed more than 10 managed policies per role', () => {
    const databases = manyDatabases(300, (n) => `${'very-long-secret-path/'.repeat(18)}database-${n}`);
    const { app, cleanup } = newApp();
    try {
      expect(() => buildApp(app, configOf({ databases }))).not.toThrow();
    } finally {
      cleanup();
    }
  });

  it('fails the limit check for a stack of 500 resources or a template over 1 MB', () => {
    const resources = Object.fromEntries(
      Array.from({ length: 500 }, (_, index) => [`Alarm${index}`, { Type: 'AWS::CloudWatch::Alarm' }]),
    );

    expect(
      stackLimitProblems([{ stackName: 'Big', template: { Resources: resources }, bytes: 1_200_000 }]),
    ).toEqual([
      'stack Big has 500 resources; CloudFormation allows fewer than 500: lower databasesPerStack in the configuration',
      'stack Big has a template of 1200000 bytes; CloudFormation allows 1000000: lower databasesPerStack in the configuration',
    ]);
  });

  it('fails the limit check for a managed policy over 6,144 characters', () => {
    const resource = Array.from(
      { length: 100 },
      (_, index) => `arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-${index}-??????`,
    );
    const template = {
      Resources: {
        Secrets: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: resource }],
            },
          },
        },
      },
    };

    expect(stackLimitProblems([{ stackName: 'Policies', template, bytes: 1_000 }])).toEqual([
      expect.stringMatching(
        /^stack Policies: managed policy Secrets has up to \d+ characters; IAM allows 6144$/,
      ),
    ]);
  });
});
