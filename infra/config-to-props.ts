import { Annotations, Duration, Fn } from 'aws-cdk-lib';
import { SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket, BucketEncryption, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { BucketOptions, DatabaseProps, OrdsDatapumpBackupProps } from './backup-props.js';
import {
  type BackupConfig,
  type BucketConfig,
  type DatabaseConfig,
  type NetworkConfig,
  parseSecretReference,
} from './config/index.js';

/**
 * The JSON configuration mapped onto the props of `OrdsDatapumpBackup`: the one place besides
 * `infra/config/` that knows the file's types. Existing resources named in the file (bucket, key,
 * topic, VPC, subnets, security groups, secrets) are imported into `scope` by name, id or ARN,
 * without lookups, so `cdk synth` stays offline.
 */

/** The props of the construct, without its databases (the app adds those in slices). */
export function backupPropsOf(scope: Construct, config: BackupConfig): OrdsDatapumpBackupProps {
  const { bucket, alerts } = config;
  const key = bucket.kmsKeyArn ? Key.fromKeyArn(scope, 'BucketKey', bucket.kmsKeyArn) : undefined;
  return {
    ...(config.namePrefix !== undefined ? { namePrefix: config.namePrefix } : {}),
    ...(bucket.existingBucketName !== undefined
      ? {
          bucket: Bucket.fromBucketAttributes(scope, 'ExistingBucket', {
            bucketName: bucket.existingBucketName,
            ...(key ? { encryptionKey: key } : {}),
          }),
        }
      : { bucketOptions: bucketOptionsOf(scope, bucket), ...(key ? { encryptionKey: key } : {}) }),
    ...(alerts.existingTopicArn
      ? { alarmTopic: Topic.fromTopicArn(scope, 'ExistingTopic', alerts.existingTopicArn) }
      : {}),
    alarmEmails: alerts.emails,
    ...(config.network ? networkPropsOf(scope, config.network) : {}),
    ordsCaps: config.ordsCaps,
    ...(config.deploymentCap !== undefined ? { deploymentCap: config.deploymentCap } : {}),
  };
}

/** A new bucket's settings (days become Durations). */
function bucketOptionsOf(scope: Construct, bucket: BucketConfig): BucketOptions {
  const lock = bucket.objectLock;
  const offsite = bucket.offsiteCopy;
  return {
    ...(offsite
      ? {
          offsiteCopy: {
            bucket: Bucket.fromBucketAttributes(scope, 'OffsiteBucket', {
              bucketArn: offsite.bucketArn,
              account: offsite.account,
              region: offsite.region,
            }),
            ...(offsite.kmsKeyArn
              ? { encryptionKey: Key.fromKeyArn(scope, 'OffsiteKey', offsite.kmsKeyArn) }
              : {}),
          },
        }
      : {}),
    encryption: bucket.encryption === 'kms' ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED,
    archiveAfter: Duration.days(bucket.archiveAfterDays),
    expireAfter: Duration.days(bucket.expireAfterDays),
    noncurrentVersionExpiration: Duration.days(bucket.noncurrentVersionsExpireAfterDays),
    ...(lock
      ? {
          objectLockDefaultRetention:
            lock.mode === 'COMPLIANCE'
              ? ObjectLockRetention.compliance(Duration.days(lock.retentionDays))
              : ObjectLockRetention.governance(Duration.days(lock.retentionDays)),
        }
      : {}),
  };
}

/** The VPC, subnets and security groups imported from their ids. */
function networkPropsOf(
  scope: Construct,
  network: NetworkConfig,
): Pick<OrdsDatapumpBackupProps, 'vpc' | 'vpcSubnets' | 'securityGroups' | 'vpcEndpoints' | 'ordsCidrs'> {
  const zones = network.availabilityZones;
  const routeTables = network.routeTableIds;
  const subnets = network.subnetIds.map((subnetId, index) => {
    const subnet = Subnet.fromSubnetAttributes(scope, `Subnet${index + 1}`, {
      subnetId,
      ...(zones ? { availabilityZone: zones[index]! } : {}),
      ...(routeTables ? { routeTableId: routeTables[index]! } : {}),
    });
    if (!routeTables) {
      Annotations.of(subnet).acknowledgeWarning(
        '@aws-cdk/aws-ec2:noSubnetRouteTableId',
        'Only the S3 gateway endpoint reads route tables, and the configuration requires them for it.',
      );
    }
    return subnet;
  });
  const vpc = Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: network.vpcId,
    // Unknown zones stay a token: the subnets are selected by id, never by zone.
    availabilityZones: zones ? [...new Set(zones)] : Fn.getAzs(),
  });
  if (!zones) {
    Annotations.of(vpc).acknowledgeWarning(
      '@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
      'The functions are given their subnets by id; nothing selects subnets of this VPC by zone.',
    );
  }
  return {
    vpc,
    vpcSubnets: { subnets },
    ...(network.securityGroupIds
      ? {
          securityGroups: network.securityGroupIds.map((id, index) =>
            SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup${index + 1}`, id, { mutable: false }),
          ),
        }
      : {}),
    vpcEndpoints: network.createVpcEndpoints,
    ...(network.ordsCidrs ? { ordsCidrs: network.ordsCidrs } : {}),
  };
}

/** The databases' props, their secrets imported into `scope`. */
export function databasePropsOf(scope: Construct, databases: readonly DatabaseConfig[]): DatabaseProps[] {
  return databases.map((database) => ({
    id: database.id,
    ordsUrl: database.ordsUrl,
    secret: importSecret(scope, `${database.id}Secret`, database.secret),
    ...(database.ordsCidrs ? { ordsCidrs: database.ordsCidrs } : {}),
    // A window replaces the cron: the window's schedule starts the database.
    ...(database.window ? {} : { schedule: database.schedule }),
    export: database.export,
    prefix: database.prefix,
    pollInterval: Duration.seconds(database.pollIntervalSeconds),
    timeout: Duration.hours(database.timeoutHours),
    staleAfter: Duration.hours(database.staleAfterHours),
    acceptCompletedWithErrors: database.acceptCompletedWithErrors,
    onRunningExport: database.onRunningExport,
    serverCleanup: database.serverCleanup,
    autonomousDatabase: database.autonomousDatabase,
    recordSha256: database.recordSha256,
    consistency: database.consistency,
    ...(database.restoreDrill ? { restoreDrill: database.restoreDrill } : {}),
    ...(database.window
      ? {
          window: {
            start: database.window.start,
            duration: Duration.hours(database.window.hours),
            timeZone: database.window.timeZone,
          },
        }
      : {}),
    ...(database.retention ? { retention: database.retention } : {}),
    enabled: database.enabled,
  }));
}

/** The secret as the configuration names it: by name, partial ARN or complete ARN. */
function importSecret(scope: Construct, id: string, reference: string): ISecret {
  const parsed = parseSecretReference(reference);
  switch (parsed.kind) {
    case 'name':
      return Secret.fromSecretNameV2(scope, id, parsed.name);
    case 'partial-arn':
      return Secret.fromSecretPartialArn(scope, id, parsed.arn);
    case 'suffixed-arn':
      return Secret.fromSecretCompleteArn(scope, id, parsed.arn);
  }
}
