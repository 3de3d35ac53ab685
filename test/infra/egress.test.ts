import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { EGRESS_TO_ANY_WARNING } from '../../infra/constructs/backup-network.js';
import { type DatabaseProps, OrdsDatapumpBackup, type OrdsDatapumpBackupProps } from '../../infra/index.js';
import { nagViolationsOf } from './nag.js';
import { type Json, logicalIdOf, newApp, type TemplateJson } from './synth.js';

const ENV = { account: '123456789012', region: 'eu-central-1' };

/** A deployment in an imported VPC with these databases and network props. */
function deploy(
  databases: (stack: Stack) => DatabaseProps[],
  props: Partial<OrdsDatapumpBackupProps>,
): {
  json: TemplateJson;
  backup: OrdsDatapumpBackup;
  stack: Stack;
  nag: () => string[];
  cleanup: () => void;
} {
  const { app, cleanup } = newApp();
  const stack = new Stack(app, 'Main', { env: ENV });
  const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    availabilityZones: ['eu-central-1a', 'eu-central-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    privateSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
  });
  try {
    const backup = new OrdsDatapumpBackup(stack, 'Backup', { vpc, databases: databases(stack), ...props });
    const json = app.synth().getStackByName(stack.stackName).template as TemplateJson;
    return { json, backup, stack, nag: () => nagViolationsOf(app), cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

const db = (stack: Stack, id: string, host: string, ordsCidrs?: string[]): DatabaseProps => ({
  id,
  ordsUrl: `https://${host}/ords/pdb1/backup_user/`,
  secret: Secret.fromSecretNameV2(stack, `${id}Secret`, `prod/ords/${id}`),
  ...(ordsCidrs ? { ordsCidrs } : {}),
});

/** The created group's egress rules, as `<destination> <port>` lines. */
function egressOf(json: TemplateJson, backup: OrdsDatapumpBackup): string[] {
  const group = json.Resources[logicalIdOf(backup.network!.securityGroup!)]!.Properties;
  const inline: Json[] = group.SecurityGroupEgress ?? [];
  const separate = Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress')
    .map((r) => r.Properties);
  return [...inline, ...separate]
    .map((rule) => {
      const to =
        rule.CidrIp ??
        (rule.DestinationPrefixListId
          ? 'prefix-list'
          : rule.DestinationSecurityGroupId
            ? 'endpoint-group'
            : '?');
      return `${to} ${rule.FromPort}`;
    })
    .sort();
}

describe('egress of the functions that call ORDS', () => {
  it('goes to any address on 443 and the ORDS ports without ordsCidrs, with a warning at synth', () => {
    const built = deploy((s) => [db(s, 'orders', 'orders.db.internal:8443')], {});
    try {
      expect(egressOf(built.json, built.backup)).toEqual(['0.0.0.0/0 443', '0.0.0.0/0 8443']);
      const warnings = Annotations.fromStack(built.stack).findWarning(
        '*',
        Match.stringLikeRegexp(EGRESS_TO_ANY_WARNING),
      );

      expect(warnings.map((warning) => warning.id)).toEqual([
        `/${built.backup.network!.securityGroup!.node.path}`,
      ]);
    } finally {
      built.cleanup();
    }
  });

  it('goes only to the ORDS ranges and the AWS endpoints with ordsCidrs, a database using its own ranges', () => {
    const built = deploy(
      (s) => [
        db(s, 'orders', 'orders.db.internal'),
        db(s, 'billing', 'billing.db.internal:8443', ['10.30.4.0/24']),
      ],
      { vpcEndpoints: true, ordsCidrs: ['10.20.0.0/16'] },
    );
    try {
      const egress = egressOf(built.json, built.backup);

      expect(egress).not.toContainEqual(expect.stringMatching(/^0\.0\.0\.0\/0/));
      expect(egress).toEqual(
        [
          '10.20.0.0/16 443',
          '10.30.4.0/24 8443',
          // Secrets Manager, SSM, Step Functions and STS (the secret reader role's sessions).
          'endpoint-group 443',
          'endpoint-group 443',
          'endpoint-group 443',
          'endpoint-group 443',
          'prefix-list 443',
        ].sort(),
      );
      expect(built.nag()).toEqual([]);
    } finally {
      built.cleanup();
    }
  });

  it('gives no egress-to-any warning with ordsCidrs', () => {
    const built = deploy((s) => [db(s, 'orders', 'orders.db.internal')], {
      vpcEndpoints: true,
      ordsCidrs: ['10.20.0.0/16'],
    });
    try {
      expect(
        Annotations.fromStack(built.stack).findWarning('*', Match.stringLikeRegexp(EGRESS_TO_ANY_WARNING)),
      ).toEqual([]);
    } finally {
      built.cleanup();
    }
  });

  it('fails with ordsCidrs but no VPC endpoints, saying the AWS APIs would need 443 to any address', () => {
    expect(() =>
      deploy((s) => [db(s, 'orders', 'orders.db.internal')], { ordsCidrs: ['10.20.0.0/16'] }),
    ).toThrow(/ordsCidrs needs vpcEndpoints/);
  });

  it('fails for a database without a range when the deployment narrows with an empty list', () => {
    expect(() =>
      deploy((s) => [db(s, 'orders', 'orders.db.internal')], { vpcEndpoints: true, ordsCidrs: [] }),
    ).toThrow(/database "orders" has no ORDS address range/);
  });

  it("fails for a database's ranges when the deployment does not narrow", () => {
    expect(() =>
      deploy((s) => [db(s, 'orders', 'orders.db.internal', ['10.20.0.0/16'])], { vpcEndpoints: true }),
    ).toThrow(/database "orders" gives ordsCidrs, but the deployment does not/);
  });

  it('fails on a range that is not an IPv4 CIDR block, naming it', () => {
    expect(() =>
      deploy((s) => [db(s, 'orders', 'orders.db.internal')], {
        vpcEndpoints: true,
        ordsCidrs: ['10.20.0.0'],
      }),
    ).toThrow(/"10\.20\.0\.0" is not an IPv4 CIDR block/);
    expect(() =>
      deploy((s) => [db(s, 'orders', 'orders.db.internal')], {
        vpcEndpoints: true,
        ordsCidrs: ['0.0.0.0/33'],
      }),
    ).toThrow(/"0\.0\.0\.0\/33"/);
  });

  it('fails when the ranges need more egress rules than a security group holds', () => {
    const many = Array.from({ length: 57 }, (_, i) => `10.${i}.0.0/16`);
    expect(() =>
      deploy((s) => [db(s, 'orders', 'orders.db.internal')], { vpcEndpoints: true, ordsCidrs: many }),
    ).toThrow(/57 egress rules/);
  });
});
