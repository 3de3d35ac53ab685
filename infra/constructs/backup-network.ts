import { ArnFormat, Stack } from 'aws-cdk-lib';
import {
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  type ISecurityGroup,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, ArnPrincipal, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { OrdsNetwork } from './backup-function.js';

/** Port of AWS service endpoints (HTTPS). */
const HTTPS_PORT = 443;

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
   * @default - a new group: egress only to the ORDS ports (`allowOrdsPort`) and to 443
   */
  readonly securityGroups?: readonly ISecurityGroup[];
  /**
   * Whether to create the endpoints the functions call: an S3 gateway endpoint (on the subnets'
   * route tables), and interface endpoints with private DNS for Secrets Manager, SSM and Step
   * Functions, which accept HTTPS only from the functions' security groups.
   * @default false
   */
  readonly vpcEndpoints?: boolean;
}

/**
 * Where the functions that call ORDS run: the subnets, their security groups and, when asked, the
 * VPC endpoints of the AWS services they call (S3 for the copies, the run lock and the manifest
 * check; Secrets Manager for the credentials; SSM for the bindings; Step Functions for the run
 * lock's DescribeExecution). Logs and metrics leave through the Lambda service, not the VPC.
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
  /** The endpoints created, by service (`S3`, `SecretsManager`, `Ssm`, `StepFunctions`). */
  readonly endpoints: ReadonlyMap<string, GatewayVpcEndpoint | InterfaceVpcEndpoint>;
  private readonly ordsPorts = new Set<number>([HTTPS_PORT]);

  constructor(scope: Construct, id: string, props: BackupNetworkProps) {
    super(scope, id);
    const given = props.securityGroups ?? [];
    if (props.securityGroups !== undefined && given.length === 0) {
      throw new Error(`${this.node.path}: securityGroups must name at least one group, got an empty list`);
    }
    if (given.length === 0) {
      this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description:
          'ords-datapump-backup functions that call ORDS: HTTPS and the ORDS ports out, nothing in',
        allowAllOutbound: false,
      });
      this.securityGroup.addEgressRule(
        Peer.anyIpv4(),
        Port.tcp(HTTPS_PORT),
        'ORDS on 443 and the AWS service endpoints (S3, Secrets Manager, SSM, Step Functions)',
      );
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
  }

  /**
   * Gives the created endpoints their policies, once the bucket and the roles are known: the S3
   * gateway reaches `bucket` only; the Secrets Manager endpoint serves only `secretReaders`, and
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
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
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

  /** Lets the created security group reach ORDS on `port` (no change to given groups). */
  allowOrdsPort(port: number): void {
    if (!this.securityGroup || this.ordsPorts.has(port)) return;
    this.ordsPorts.add(port);
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(port), `ORDS on port ${port}`);
  }
}
