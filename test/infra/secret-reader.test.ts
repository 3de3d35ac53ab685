import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_DATABASE_TAG } from '../../functions/core/ords/index.js';
import { OrdsDatapumpBackup } from '../../infra/ords-datapump-backup.js';
import {
  configOf,
  logicalIdOf,
  newApp,
  roleOfFunction,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesize,
  type TemplateJson,
} from './synth.js';

/**
 * The secret grant, checked on the synthesized template: database A's session cannot read database
 * B's secret. The policies are evaluated offline with @cloud-copilot/iam-simulate, whose fidelity
 * on these conditions the first cases check (a session tag equal to the secret's tag is allowed, a
 * policy without the condition would let A read B's secret); a plain assertion on the policy
 * text stands beside it. (Version 0.1.173 knows `secretsmanager:ResourceTag/tag-key` only as a
 * literal key and refuses it as a context key, so the policy uses the equally documented global
 * `aws:ResourceTag/<key>`, which it evaluates.)
 */

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const ORDERS_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/ords/orders-AbC123`;
const BILLING_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/ords/billing-XyZ789`;

type Policy = { Version: string; Statement: Array<Statement & { Condition?: unknown }> };

/** Resolves the intrinsics the IAM policies use, with roles named after their logical ids. */
function resolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolved);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const name = String(object.Ref);
    if (!(name in pseudo)) throw new Error(`unresolved Ref ${name}`);
    return pseudo[name];
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(resolved).join(separator);
  }
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return attribute === 'Arn' ? roleArn(id) : `${id}.${attribute}`;
  }
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolved(inner)]));
}

const roleArn = (logicalId: string) => `arn:aws:iam::${ACCOUNT}:role/${logicalId}`;
const sessionArn = (logicalId: string, database: string) =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/${logicalId}/ords-backup-${database}`;

/** The reader role's inline policy, resolved. */
function readerPolicy(json: TemplateJson, reader: string): Policy {
  const policies = json.Resources[reader]!.Properties.Policies as Array<{ PolicyDocument: Policy }>;
  expect(policies).toHaveLength(1);
  return resolved(policies[0]!.PolicyDocument) as Policy;
}

async function decide(simulation: Omit<Simulation, 'serviceControlPolicies' | 'resourceControlPolicies'>) {
  const answer = await runSimulation(
    { serviceControlPolicies: [], resourceControlPolicies: [], ...simulation } as Simulation,
    {},
  );
  if (answer.resultType === 'error') throw new Error(JSON.stringify(answer.errors));
  return answer.overallResult;
}

describe('the secret reader role (ABAC)', () => {
  let synthesized: Synthesized;
  let reader: string;
  let policy: Policy;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        databases: [
          { id: 'orders', ordsUrl: 'https://orders.example.com/ords/hr/', secret: ORDERS_SECRET },
          { id: 'billing', ordsUrl: 'https://billing.example.com/ords/hr/', secret: BILLING_SECRET },
        ],
      }),
    );
    reader = logicalIdOf(synthesized.built.backup.functions.secretReader.role);
    policy = readerPolicy(synthesized.json, reader);
  });
  afterAll(() => synthesized.cleanup());

  /** Whether a session of the reader role tagged `sessionTag` may read a secret tagged `secretTag`. */
  const read = (secret: string, sessionTag: string | undefined, secretTag: string | undefined, p = policy) =>
    decide({
      identityPolicies: [{ name: 'ReadOwnDatabaseSecret', policy: p }],
      request: {
        principal: sessionArn(reader, sessionTag ?? 'untagged'),
        action: 'secretsmanager:GetSecretValue',
        resource: { resource: secret, accountId: ACCOUNT },
        contextVariables: {
          ...(sessionTag ? { [`aws:PrincipalTag/${SECRET_DATABASE_TAG}`]: sessionTag } : {}),
          ...(secretTag ? { [`aws:ResourceTag/${SECRET_DATABASE_TAG}`]: secretTag } : {}),
        },
      },
    });

  it("lets database A's session read A's secret (the simulator evaluates the tag condition)", async () => {
    expect(await read(ORDERS_SECRET, 'orders', 'orders')).toBe('Allowed');
    expect(await read(BILLING_SECRET, 'billing', 'billing')).toBe('Allowed');
  });

  it("would let A read B's secret without the tag condition: the simulator is not denying by default", async () => {
    const unconditioned = {
      ...policy,
      Statement: policy.Statement.map(({ Condition: _, ...statement }) => statement),
    } as Policy;

    expect(await read(BILLING_SECRET, 'orders', 'billing', unconditioned)).toBe('Allowed');
  });

  it("denies database A's session B's secret, an untagged secret, and an untagged session", async () => {
    expect(await read(BILLING_SECRET, 'orders', 'billing')).toBe('ImplicitlyDenied');
    expect(await read(ORDERS_SECRET, 'billing', 'orders')).toBe('ImplicitlyDenied');
    expect(await read(BILLING_SECRET, 'orders', undefined)).toBe('ImplicitlyDenied');
    expect(await read(ORDERS_SECRET, undefined, 'orders')).toBe('ImplicitlyDenied');
    expect(await read(ORDERS_SECRET, undefined, undefined)).toBe('ImplicitlyDenied');
  });

  it('grants GetSecretValue only under the tag condition, and KMS only through Secrets Manager (plain check)', () => {
    const [secrets, kms, ...others] = policy.Statement;

    expect(others).toEqual([]);
    expect(secrets).toEqual({
      Sid: 'SecretOfTheSessionDatabaseOnly',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:*`,
      Condition: {
        StringEquals: {
          [`aws:ResourceTag/${SECRET_DATABASE_TAG}`]: `\${aws:PrincipalTag/${SECRET_DATABASE_TAG}}`,
        },
      },
    });
    expect(kms).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
    });
  });

  describe('assuming it', () => {
    const trust = () =>
      resolved(synthesized.json.Resources[reader]!.Properties.AssumeRolePolicyDocument) as Policy;
    const roleOf = (fn: { node: { path: string } }) =>
      roleOfFunction(synthesized.json, logicalIdOf(fn as Parameters<typeof logicalIdOf>[0]));
    const callerPolicy = (role: string): Policy => ({
      Version: '2012-10-17',
      Statement: resolved(statementsOfRole(synthesized.json, role)) as Statement[],
    });
    const assume = (role: string, action: string, tags: Record<string, string>) =>
      decide({
        identityPolicies: [{ name: 'Caller', policy: callerPolicy(role) }],
        resourcePolicy: trust(),
        request: {
          principal: roleArn(role),
          action,
          resource: { resource: roleArn(reader), accountId: ACCOUNT },
          contextVariables: {
            ...Object.fromEntries(
              Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value]),
            ),
            'aws:TagKeys': Object.keys(tags),
          },
        },
      });

    it('lets each function that calls ORDS assume it with the database tag', async () => {
      for (const fn of synthesized.built.backup.functions.ordsCallers) {
        for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
          expect(await assume(roleOf(fn), action, { [SECRET_DATABASE_TAG]: 'orders' }), action).toBe(
            'Allowed',
          );
        }
      }
    });

    it('refuses a session without the database tag, with an empty one, or with another tag beside it', async () => {
      const startExport = roleOf(synthesized.built.backup.functions.startExport);

      expect(await assume(startExport, 'sts:AssumeRole', {})).not.toBe('Allowed');
      expect(await assume(startExport, 'sts:TagSession', { [SECRET_DATABASE_TAG]: '' })).not.toBe('Allowed');
      expect(
        await assume(startExport, 'sts:TagSession', { [SECRET_DATABASE_TAG]: 'orders', Project: 'other' }),
      ).not.toBe('Allowed');
    });

    it('refuses the functions that do not call ORDS, even with the tag', async () => {
      const { writeManifest, recordRestoreDrill } = synthesized.built.backup.functions;
      for (const fn of [writeManifest, recordRestoreDrill]) {
        expect(await assume(roleOf(fn), 'sts:AssumeRole', { [SECRET_DATABASE_TAG]: 'orders' })).not.toBe(
          'Allowed',
        );
      }
    });
  });
});

describe('the secrets of the databases', () => {
  it('tags a secret created in the app with its database', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');
      const secret = new Secret(stack, 'OrdersSecret');
      new OrdsDatapumpBackup(stack, 'Backup', {
        databases: [{ id: 'orders', ordsUrl: 'https://orders.example.com/ords/hr/', secret }],
      });

      Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
        Tags: [{ Key: SECRET_DATABASE_TAG, Value: 'orders' }],
      });
    } finally {
      cleanup();
    }
  });

  it('refuses one secret for two databases: its tag can name only one', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');
      const shared = Secret.fromSecretCompleteArn(stack, 'Shared', ORDERS_SECRET);
      expect(
        () =>
          new OrdsDatapumpBackup(stack, 'Backup', {
            databases: [
              { id: 'orders', ordsUrl: 'https://orders.example.com/ords/hr/', secret: shared },
              { id: 'billing', ordsUrl: 'https://billing.example.com/ords/hr/', secret: shared },
            ],
          }),
      ).toThrow(
        `Test/Backup/Databases: database "billing" uses the secret of database "orders" (${ORDERS_SECRET}); allowed: a secret of its own per database`,
      );
    } finally {
      cleanup();
    }
  });
});
