import { Annotations, ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  type IPeer,
  type ISecurityGroup,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, ArnPrincipal, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { IPV4_CIDR } from '../ipv4-cidr.js';
import type { OrdsNetwork } from './backup-function.js';

/** Port of AWS service endpoints (HTTPS). */
const HTTPS_PORT = 443;

/** Egress rules a security group may hold (VPC quota "Inbound or outbound rules per security group"). */
const MAX_EGRESS_RULES = 60;
/** Egress rules of the group that are not ORDS rules: S3's prefix list and three interface endpoints. */
const AWS_EGRESS_RULES = 4;

/** The construct id aws-cdk-lib gives the provider function of every AwsCustomResource in a stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** The id of the cdk-nag style warning for egress to any address. */
export const EGRESS_TO_ANY_WARNING = 'ords-datapump-backup:ordsEgressToAnyAddress';

/** Properties of `BackupNetwork`. */
export interface BackupNetworkProps {
  /** The VPC the functions that call ORDS run in. */
  readonly vpc: IVpc;
  /**
   * The subnets they run in (and the interface endpoints are placed in).
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: SubnetSelection;
  /**
   * Their security groups, used as they are.
   * @default - a new group: egress only to the ORDS ports (`allowOrds`) and to 443
   */
  readonly securityGroups?: readonly ISecurityGroup[];
  /**
   * Whether to create the endpoints the functions call: an S3 gateway endpoint (on the subnets'
   * route tables), and interface endpoints with private DNS for Secrets Manager, SSM and Step
   * Functions, which accept HTTPS only from the functions' security groups.
   * @default false
   */
  readonly vpcEndpoints?: boolean;
  /**
   * The address ranges (IPv4 CIDR) of the ORDS hosts. Given (even empty), the created group's
   * egress goes to these ranges (or a database's own, `allowOrds`) on the ORDS ports only, and to
   * the AWS APIs through the endpoints: the interface endpoints' group and S3's prefix list (looked
   * up at deploy time). Needs `vpcEndpoints`: without them the AWS APIs are public addresses.
   * @default - egress to any address on 443 and the ORDS ports, with a warning at synth
   */
  readonly ordsCidrs?: readonly string[];
}

/**
 * Where the functions that call ORDS run: the subnets, their security groups and, when asked, the
 * VPC endpoints of the AWS services they call (S3 for the copies, the run lock and the manifest
 * check; Secrets Manager for the credentials; SSM for the bindings; Step Functions for the run
 * lock's DescribeExecution; STS for the secret reader role's sessions). Logs and metrics leave through the Lambda service, not the VPC.
 *
 * A created security group allows egress only to TCP 443 and the ORDS ports, to any address: the
 * ORDS hosts are names resolved at run time, and the AWS endpoints' addresses (or the S3 prefix
 * list) are not known to an offline synth.
 */
export class BackupNetwork extends Construct {
  /** The network the functions that call ORDS are built with. */
  readonly ordsNetwork: OrdsNetwork;
  /** The security group created for them, if none was given. */
  readonly securityGroup: SecurityGroup | undefined;
  /** The endpoints created, by service (`S3`, `SecretsManager`, `Ssm`, `StepFunctions`, `Sts`). */
  readonly endpoints: ReadonlyMap<string, GatewayVpcEndpoint | InterfaceVpcEndpoint>;
  /** The deployment's ORDS ranges; undefined: egress to any address. */
  private readonly ordsCidrs: readonly string[] | undefined;
  private readonly ordsRules = new Set<string>();

  constructor(scope: Construct, id: string, props: BackupNetworkProps) {
    super(scope, id);
    const given = props.securityGroups ?? [];
    if (props.securityGroups !== undefined && given.length === 0) {
      throw new Error(`${this.node.path}: securityGroups must name at least one group, got an empty list`);
    }
    this.ordsCidrs = props.ordsCidrs ? checkedCidrs(this.node.path, 'ordsCidrs', props.ordsCidrs) : undefined;
    if (this.ordsCidrs && given.length > 0) {
      throw new Error(
        `${this.node.path}: ordsCidrs narrows the security group this construct creates; the given ` +
          'securityGroups are used as they are: leave one of them out',
      );
    }
    if (this.ordsCidrs && !props.vpcEndpoints) {
      throw new Error(
        `${this.node.path}: ordsCidrs needs vpcEndpoints: without VPC endpoints the functions reach S3, ` +
          'Secrets Manager, SSM, Step Functions and STS at public addresses, which takes 443 to any address. ' +
          'Create the endpoints, or give securityGroups of your own',
      );
    }
    if (given.length === 0) {
      this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description:
          'ords-datapump-backup functions that call ORDS: HTTPS and the ORDS ports out, nothing in',
        allowAllOutbound: false,
      });
      if (!this.ordsCidrs) {
        this.securityGroup.addEgressRule(
          Peer.anyIpv4(),
          Port.tcp(HTTPS_PORT),
          'ORDS on 443 and the AWS service endpoints (S3, Secrets Manager, SSM, Step Functions, STS)',
        );
        Annotations.of(this.securityGroup).addWarningV2(
          EGRESS_TO_ANY_WARNING,
          'The functions that call ORDS may connect to any address on 443 and the ORDS ports: give ' +
            'ordsCidrs (with vpcEndpoints) to let them reach only the ORDS hosts and the AWS endpoints',
        );
      }
    }
    const securityGroups = this.securityGroup ? [this.securityGroup] : given;
    this.ordsNetwork = {
      vpc: props.vpc,
      ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
      securityGroups,
    };

    const endpoints = new Map<string, GatewayVpcEndpoint | InterfaceVpcEndpoint>();
    if (props.vpcEndpoints) {
      const subnets = props.vpcSubnets ?? {};
      endpoints.set(
        'S3',
        new GatewayVpcEndpoint(this, 'S3', {
          vpc: props.vpc,
          service: GatewayVpcEndpointAwsService.S3,
          subnets: [subnets],
        }),
      );
      const services = {
        SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        Ssm: InterfaceVpcEndpointAwsService.SSM,
        StepFunctions: InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
        // The secret reader role's sessions (AssumeRole with the database's session tag).
        Sts: InterfaceVpcEndpointAwsService.STS,
      };
      for (const [name, service] of Object.entries(services)) {
        const endpoint = new InterfaceVpcEndpoint(this, name, {
          vpc: props.vpc,
          service,
          subnets,
          privateDnsEnabled: true,
          open: false,
        });
        for (const group of securityGroups) endpoint.connections.allowDefaultPortFrom(group);
        endpoints.set(name, endpoint);
      }
    }
    this.endpoints = endpoints;
    if (this.ordsCidrs && this.securityGroup) this.allowS3Gateway(this.securityGroup);
  }

  /** Lets the created group reach S3 through the gateway endpoint: its prefix list, read at deploy. */
  private allowS3Gateway(group: SecurityGroup): void {
    const stack = Stack.of(this);
    // The prefix list id of S3 differs by region and cannot be known to an offline synth.
    const lookup = new AwsCustomResource(this, 'S3PrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${stack.region}.s3`] }] },
        physicalResourceId: PhysicalResourceId.of(`com.amazonaws.${stack.region}.s3`),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    Validations.of(lookup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions.',
    });
    // The provider function AwsCustomResource shares across the stack (a singleton by this id).
    const provider = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (provider) {
      const once = 'Runs once per deployment for one read-only call: no retries to catch, nothing to trace.';
      for (const id of [
        'Serverless-LambdaDLQ',
        'Serverless-LambdaTracing',
        'Serverless-LambdaDefaultMemorySize',
      ]) {
        Validations.of(provider).acknowledge({ id, reason: once });
      }
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The provider function of AwsCustomResource writes its own logs only.',
      });
    }
    group.addEgressRule(
      Peer.prefixList(lookup.getResponseField('PrefixLists.0.PrefixListId')),
      Port.tcp(HTTPS_PORT),
      'S3 through the gateway endpoint',
    );
  }

  /**
   * Gives the created endpoints their policies, once the bucket and the roles are known: the S3
   * gateway reaches `bucket` only; the Secrets Manager endpoint serves only `secretReaders` (the
   * secret reader role, whose sessions the functions read secrets with), and
   * only for secrets of this account and region. Which secret each of them reads is bounded by its
   * own grant and the binding pins: a list of the fleet's secret ARNs would outgrow the endpoint
   * policy's 20,480 characters (about 200 ARNs). No effect without `vpcEndpoints`.
   */
  limitEndpoints(bucket: IBucket, secretReaders: readonly IRole[]): void {
    const s3 = this.endpoints.get('S3');
    s3?.addToPolicy(
      new PolicyStatement({
        sid: 'BackupBucketOnly',
        principals: [new AnyPrincipal()],
        actions: ['s3:*'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      }),
    );
    const secrets = this.endpoints.get('SecretsManager');
    secrets?.addToPolicy(
      new PolicyStatement({
        sid: 'DeploymentFunctionsOnly',
        principals: secretReaders.map((role) => new ArnPrincipal(role.roleArn)),
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          Stack.of(this).formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }

  /**
   * Lets the created security group reach the ORDS of `database` on `port` (no change to given
   * groups): to `cidrs` when given, else to the deployment's `ordsCidrs`, else to any address.
   */
  allowOrds(database: string, port: number, cidrs?: readonly string[]): void {
    if (cidrs !== undefined && !this.ordsCidrs) {
      throw new Error(
        `${this.node.path}: database "${database}" gives ordsCidrs, but the deployment does not: ` +
          'give ordsCidrs (an empty list is fine) and vpcEndpoints to the deployment too, or the AWS ' +
          "endpoints' rule would still allow 443 to any address",
      );
    }
    const group = this.securityGroup;
    if (!group) return;
    const own = cidrs ? checkedCidrs(this.node.path, `database "${database}": ordsCidrs`, cidrs) : undefined;
    const ranges = own ?? this.ordsCidrs;
    if (ranges === undefined) {
      this.addOrdsRule(group, 'any', Peer.anyIpv4(), port, `ORDS on port ${port}`);
      return;
    }
    if (ranges.length === 0) {
      throw new Error(
        `${this.node.path}: database "${database}" has no ORDS address range: give it ordsCidrs, or ` +
          'give the deployment ordsCidrs that cover its ORDS host',
      );
    }
    for (const cidr of ranges) this.addOrdsRule(group, cidr, Peer.ipv4(cidr), port, `ORDS at ${cidr}`);
  }

  private addOrdsRule(
    group: SecurityGroup,
    range: string,
    peer: IPeer,
    port: number,
    description: string,
  ): void {
    // 443 to any address is there already when nothing is narrowed.
    if (range === 'any' && port === HTTPS_PORT) return;
    const key = `${range}:${port}`;
    if (this.ordsRules.has(key)) return;
    this.ordsRules.add(key);
    if (this.ordsRules.size > MAX_EGRESS_RULES - AWS_EGRESS_RULES) {
      throw new Error(
        `${this.node.path}: the ORDS ranges and ports need ${this.ordsRules.size} egress rules; a security ` +
          `group holds ${MAX_EGRESS_RULES}, ${AWS_EGRESS_RULES} of them for the AWS endpoints: use fewer, wider ranges in ` +
          "the deployment's ordsCidrs, or security groups of your own",
      );
    }
    group.addEgressRule(peer, Port.tcp(port), description);
  }
}

/** The ranges, checked: IPv4 CIDR blocks, each once. Tokens are taken as they are. */
function checkedCidrs(path: string, what: string, cidrs: readonly string[]): string[] {
  for (const cidr of cidrs) {
    if (!Token.isUnresolved(cidr) && !IPV4_CIDR.test(cidr)) {
      throw new Error(`${path}: ${what}: "${cidr}" is not an IPv4 CIDR block such as 10.20.0.0/16`);
    }
  }
  return [...new Set(cidrs)];
}
