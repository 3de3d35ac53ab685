import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../infra/config/index.js';
import { nagViolationsOf } from './nag.js';
import {
  configOf,
  type Json,
  logicalIdOf,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth.js';

const ORDERS = { id: 'orders', ordsUrl: 'https://db.example.com/ords/hr/', secret: 'prod/ords/orders' };
const WAREHOUSE = {
  id: 'warehouse',
  ordsUrl: 'https://warehouse.example.com:8443/ords/wh/',
  secret: 'prod/ords/warehouse',
};
const SUBNETS = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'];
const NETWORK = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: SUBNETS,
  availabilityZones: ['eu-central-1a', 'eu-central-1b'],
  routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
};

/** The Lambda functions of a template by logical id. */
function functionsOf(json: TemplateJson): Map<string, Json> {
  return new Map(
    Object.entries(json.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id, resource]) => [id, resource.Properties]),
  );
}

/** The resources of one type, by logical id. */
function resourcesOfType(json: TemplateJson, type: string): Array<[string, Json]> {
  return Object.entries(json.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties]);
}

describe('a network block', () => {
  let synthesized: Synthesized;
  let ordsCallers: string[];
  beforeAll(() => {
    synthesized = synthesize(
      configOf({ network: { ...NETWORK, createVpcEndpoints: true }, databases: [ORDERS, WAREHOUSE] }),
    );
    ordsCallers = synthesized.built.backup.functions.ordsCallers.map(logicalIdOf);
  });
  afterAll(() => synthesized.cleanup());

  it('puts every function that calls ORDS, and only those, in the subnets with the created security group', () => {
    const { json, built } = synthesized;
    const group = { 'Fn::GetAtt': [logicalIdOf(built.backup.network!.securityGroup!), 'GroupId'] };
    const inVpc = [...functionsOf(json)].filter(([, fn]) => fn.VpcConfig !== undefined);

    expect(inVpc.map(([id]) => id).sort()).toEqual([...ordsCallers].sort());
    expect(ordsCallers).toHaveLength(8);
    for (const [id, fn] of inVpc) {
      expect(fn.VpcConfig, id).toEqual({ SubnetIds: SUBNETS, SecurityGroupIds: [group] });
    }
  });

  it('keeps the functions that do not call ORDS outside the VPC', () => {
    const { json, built } = synthesized;
    const others = [
      built.backup.functions.writeManifest,
      built.backup.alerts.notifier,
      built.backup.launcher.function,
      built.backup.backupAge.function,
    ].map(logicalIdOf);

    for (const id of others) expect(functionsOf(json).get(id)?.VpcConfig, id).toBeUndefined();
  });

  it('lets the created security group out only to 443 and the ORDS ports, and nothing in', () => {
    const { json, built } = synthesized;
    const group = json.Resources[logicalIdOf(built.backup.network!.securityGroup!)]!.Properties;
    const egress = (group.SecurityGroupEgress as Json[]).map((rule) => [
      rule.IpProtocol,
      rule.FromPort,
      rule.ToPort,
      rule.CidrIp,
    ]);

    expect(egress.sort()).toEqual([
      ['tcp', 443, 443, '0.0.0.0/0'],
      ['tcp', 8443, 8443, '0.0.0.0/0'],
    ]);
    expect(group.SecurityGroupIngress).toBeUndefined();
    // Into the four interface endpoints (Secrets Manager, SSM, Step Functions, STS) only.
    expect(resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress').map(([, rule]) => rule.FromPort)).toEqual([
      443, 443, 443, 443,
    ]);
  });

  it('gives the roles of the functions in the VPC the network interface permissions Lambda needs', () => {
    const { json } = synthesized;
    const withVpcPolicy = resourcesOfType(json, 'AWS::IAM::Role')
      .filter(([, role]) =>
        JSON.stringify(role.ManagedPolicyArns ?? []).includes('AWSLambdaVPCAccessExecutionRole'),
      )
      .map(([id]) => id)
      .sort();
    const roles = ordsCallers.map((id) => functionsOf(json).get(id)!.Role['Fn::GetAtt'][0]).sort();

    expect(withVpcPolicy).toEqual(roles);
  });

  it('creates the S3 gateway endpoint on the route tables and private interface endpoints for the AWS APIs', () => {
    const endpoints = resourcesOfType(synthesized.json, 'AWS::EC2::VPCEndpoint').map(
      ([, endpoint]) => endpoint,
    );
    const gateway = endpoints.find((endpoint) => endpoint.VpcEndpointType === 'Gateway');
    const services = endpoints
      .filter((endpoint) => endpoint.VpcEndpointType === 'Interface')
      .map((endpoint) => {
        expect(endpoint.PrivateDnsEnabled).toBe(true);
        expect(endpoint.SubnetIds).toEqual(SUBNETS);
        return JSON.stringify(endpoint.ServiceName).match(/\.([a-z]+)"\]\]\}$/)?.[1];
      });

    expect(JSON.stringify(gateway.ServiceName)).toContain('.s3');
    expect(gateway.RouteTableIds).toEqual(NETWORK.routeTableIds);
    expect(gateway.VpcId).toBe(NETWORK.vpcId);
    expect(services.sort()).toEqual(['secretsmanager', 'ssm', 'states', 'sts']);
  });

  it('limits the S3 gateway endpoint to the backup bucket and its objects', () => {
    const { json, built } = synthesized;
    const gateway = resourcesOfType(json, 'AWS::EC2::VPCEndpoint').find(
      ([, endpoint]) => endpoint.VpcEndpointType === 'Gateway',
    )![1];
    const bucket = logicalIdOf(built.backup.bucket);

    expect(gateway.PolicyDocument.Statement).toEqual([
      {
        Sid: 'BackupBucketOnly',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: [
          { 'Fn::GetAtt': [bucket, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] },
        ],
      },
    ]);
  });

  it("limits the Secrets Manager endpoint to the secret reader role and this account's secrets", () => {
    const { json, built } = synthesized;
    const endpoint = resourcesOfType(json, 'AWS::EC2::VPCEndpoint').find(([, e]) =>
      JSON.stringify(e.ServiceName).includes('secretsmanager'),
    )![1];
    const [statement, ...others] = endpoint.PolicyDocument.Statement;
    const reader = logicalIdOf(built.backup.functions.secretReader.role);

    expect(others).toEqual([]);
    // The functions read secrets only in sessions of the secret reader role.
    expect(statement.Action).toEqual('secretsmanager:GetSecretValue');
    expect(statement.Principal.AWS['Fn::GetAtt'][0]).toEqual(reader);
    expect(JSON.stringify(statement.Resource)).toContain(':secret:*');
    expect(JSON.stringify(statement.Resource)).toContain('AWS::AccountId');
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagViolationsOf(synthesized.app)).toEqual([]);
  });
});

describe('a network block with security groups', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        network: { vpcId: NETWORK.vpcId, subnetIds: SUBNETS, securityGroupIds: ['sg-0123456789abcdef0'] },
        databases: [ORDERS],
      }),
    );
  });
  afterAll(() => synthesized.cleanup());

  it('uses the given groups as they are, creates none and no endpoints', () => {
    const { json, built } = synthesized;
    const ordsCallers = built.backup.functions.ordsCallers.map(logicalIdOf);

    for (const id of ordsCallers) {
      expect(functionsOf(json).get(id)!.VpcConfig.SecurityGroupIds, id).toEqual(['sg-0123456789abcdef0']);
    }
    expect(resourcesOfType(json, 'AWS::EC2::SecurityGroup')).toEqual([]);
    expect(resourcesOfType(json, 'AWS::EC2::SecurityGroupEgress')).toEqual([]);
    expect(resourcesOfType(json, 'AWS::EC2::VPCEndpoint')).toEqual([]);
  });
});

describe('no network block', () => {
  it('keeps every function outside any VPC', () => {
    const synthesized = synthesize(configOf({ databases: [ORDERS] }));
    try {
      for (const [id, fn] of functionsOf(synthesized.json)) expect(fn.VpcConfig, id).toBeUndefined();
      expect(resourcesOfType(synthesized.json, 'AWS::EC2::SecurityGroup')).toEqual([]);
    } finally {
      synthesized.cleanup();
    }
  });
});

describe('a network block with ORDS address ranges', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        network: { ...NETWORK, createVpcEndpoints: true, ordsCidrs: ['10.20.0.0/16'] },
        databases: [ORDERS, { ...WAREHOUSE, ordsCidrs: ['10.30.4.0/24'] }],
      }),
    );
  });
  afterAll(() => synthesized.cleanup());

  it('lets the created group reach each ORDS only at its ranges, and nothing at any address', () => {
    const { json, built } = synthesized;
    const group = json.Resources[logicalIdOf(built.backup.network!.securityGroup!)]!.Properties;
    const cidrRules = (group.SecurityGroupEgress as Json[])
      .filter((rule) => rule.CidrIp !== undefined)
      .map((rule) => `${rule.CidrIp} ${rule.FromPort}`)
      .sort();

    expect(cidrRules).toEqual(['10.20.0.0/16 443', '10.30.4.0/24 8443']);
  });
});

describe('network configuration', () => {
  const problemsOf = (network: unknown): string[] => {
    try {
      parseConfig({ network, databases: [ORDERS] }, 'test.json');
      return [];
    } catch (error) {
      return [...(error as ConfigError).problems];
    }
  };

  it('fails on ids that are not AWS ids, naming the value', () => {
    expect(problemsOf({ vpcId: 'my-vpc', subnetIds: ['subnet-1'] })).toEqual([
      'test.json: network.vpcId is "my-vpc"; allowed: a VPC id, vpc-<8 or 17 hex digits>',
      'test.json: network.subnetIds[0] is "subnet-1"; allowed: a subnet id, subnet-<8 or 17 hex digits>',
    ]);
  });

  it('fails when the zones do not pair with the subnets', () => {
    expect(problemsOf({ ...NETWORK, availabilityZones: ['eu-central-1a'] })).toEqual([
      'test.json: network.availabilityZones has 1 entries for 2 subnetIds; allowed: one per subnet, in the same order',
    ]);
  });

  it('fails on ORDS ranges without the endpoints, or with security groups of its own', () => {
    expect(problemsOf({ ...NETWORK, ordsCidrs: ['10.20.0.0/16'] })).toEqual([
      expect.stringMatching(/^test\.json: network\.ordsCidrs needs network\.createVpcEndpoints true/),
    ]);
    expect(
      problemsOf({
        ...NETWORK,
        createVpcEndpoints: true,
        securityGroupIds: ['sg-0123456789abcdef0'],
        ordsCidrs: ['10.20.0.0/16'],
      }),
    ).toEqual([expect.stringMatching(/network\.securityGroupIds are used as they are/)]);
  });

  it('fails on a range that is not an IPv4 CIDR block, naming it', () => {
    expect(problemsOf({ ...NETWORK, createVpcEndpoints: true, ordsCidrs: ['10.20.0.0'] })).toEqual([
      expect.stringMatching(/network\.ordsCidrs\[0\] is "10\.20\.0\.0"; allowed: an IPv4 CIDR block/),
    ]);
  });

  it('fails to create endpoints without the zones and route tables of the subnets', () => {
    expect(problemsOf({ vpcId: NETWORK.vpcId, subnetIds: SUBNETS, createVpcEndpoints: true })).toEqual([
      expect.stringMatching(
        /^test\.json: network\.availabilityZones is missing with network\.createVpcEndpoints true/,
      ),
      expect.stringMatching(
        /^test\.json: network\.routeTableIds is missing with network\.createVpcEndpoints true/,
      ),
    ]);
  });

  it('fails on an unknown key, listing the known ones', () => {
    expect(problemsOf({ ...NETWORK, subnets: SUBNETS })).toEqual([
      expect.stringContaining(
        'network.subnets is not a known key; allowed: vpcId, subnetIds, securityGroupIds',
      ),
    ]);
  });

  it('reads a complete block', () => {
    const config = parseConfig({ network: NETWORK, databases: [ORDERS] }, 'test.json');

    expect(config.network).toEqual({ ...NETWORK, createVpcEndpoints: false });
    expect(config.namePrefix).toBeUndefined();
    expect(ConfigError).toBeDefined();
  });
});
