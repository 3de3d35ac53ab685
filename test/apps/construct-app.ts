import { type App, Duration, Stack } from 'aws-cdk-lib';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type DatabaseProps, OrdsDatapumpBackup } from '../../infra/index.js';

/**
 * A CDK app of a platform team's own that embeds `OrdsDatapumpBackup` from the package entry: its
 * own VPC and bucket (imported, no lookups), its own names, a second stack for more databases.
 */

const ENV = { account: '123456789012', region: 'eu-central-1' };

/** What `buildConstructApp` created. */
export interface ConstructApp {
  readonly stack: Stack;
  readonly fleetStack: Stack;
  readonly backup: OrdsDatapumpBackup;
}

/** The platform team's app: one backup deployment into an existing bucket, from private subnets. */
export function buildConstructApp(app: App): ConstructApp {
  const stack = new Stack(app, 'PlatformOracleBackups', { env: ENV });
  const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    availabilityZones: ['eu-central-1a', 'eu-central-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    privateSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
  });
  const database = (scope: Stack, id: string, port: number): DatabaseProps => ({
    id,
    ordsUrl: `https://${id}.db.corp.internal:${port}/ords/pdb1/backup_user/`,
    secret: Secret.fromSecretNameV2(scope, `${id}Secret`, `prod/ords/${id}`),
    schedule: { cron: '30 1 * * ? *', timeZone: 'Europe/Berlin' },
    export: { jobMode: 'SCHEMA', schemas: ['HR', 'SALES'] },
    timeout: Duration.hours(20),
  });
  const backup = new OrdsDatapumpBackup(stack, 'Backup', {
    namePrefix: 'prod-oracle-backup',
    bucket: Bucket.fromBucketName(stack, 'Backups', 'corp-oracle-backups'),
    vpc,
    vpcEndpoints: true,
    alarmEmails: ['dba-oncall@example.com'],
    tags: { team: 'dba' },
    databases: [database(stack, 'orders', 8443)],
  });
  const fleetStack = new Stack(app, 'PlatformOracleBackupsFleet', { env: ENV });
  backup.addDatabases(fleetStack, 'Fleet', [database(fleetStack, 'billing', 443)]);
  return { stack, fleetStack, backup };
}
