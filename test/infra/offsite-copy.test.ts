import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config/index.js';
import { OffsiteBackupBucket } from '../../infra/index.js';
import { nagViolationsOf } from './nag.js';
import { type Synthesized, synthesize } from './synth.js';

const OFFSITE = {
  bucketArn: 'arn:aws:s3:::acme-offsite-backups',
  account: '210987654321',
  region: 'eu-west-1',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};
interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal: unknown;
  readonly Action: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}
const ROLE_ARN = 'arn:aws:iam::123456789012:role/ords-datapump-backup-offsite-copy';

describe('offsiteCopy in the source deployment', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(
      parseConfig(
        {
          bucket: { encryption: 'kms', offsiteCopy: OFFSITE },
          defaults: { retention: { daily: 7, weekly: 5, monthly: 12, yearly: 7 } },
          databases: [
            {
              id: 'orders',
              ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
              secret: 'prod/ords/orders',
            },
          ],
        },
        'config/test.json',
      ),
    );
  });
  afterAll(() => synthesized.cleanup());

  it('replicates every object with Replication Time Control and metrics, no deletes, owned by the destination', () => {
    const bucket = Object.values(synthesized.template.findResources('AWS::S3::Bucket'))[0]!;
    const replication = bucket.Properties.ReplicationConfiguration;

    expect(replication.Rules).toEqual([
      {
        Id: 'OffsiteCopy',
        Status: 'Enabled',
        Priority: 1,
        Filter: { Prefix: '' },
        DeleteMarkerReplication: { Status: 'Disabled' },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
        Destination: {
          Bucket: OFFSITE.bucketArn,
          Account: OFFSITE.account,
          AccessControlTranslation: { Owner: 'Destination' },
          EncryptionConfiguration: { ReplicaKmsKeyID: OFFSITE.kmsKeyArn },
          ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
          Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
        },
      },
    ]);
  });

  it('replicates with a role named for the destination policies, which may write only there', () => {
    synthesized.template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'ords-datapump-backup-offsite-copy',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 's3.amazonaws.com' } })],
      }),
    });
    const policies = Object.values(synthesized.template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes('OffsiteReplicationRole'),
    );
    const writes = policies
      .flatMap(
        (policy) =>
          policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      )
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('s3:Replicate')));
    expect(writes.map((statement) => statement.Resource)).toEqual([`${OFFSITE.bucketArn}/*`]);
    expect(synthesized.json.Outputs).toHaveProperty('OffsiteReplicationRoleArn');
  });

  it('has no cdk-nag finding with retention tiers and the off-site copy', () => {
    expect(nagViolationsOf(synthesized.app)).toEqual([]);
  });

  it('alarms on failed and late replication, on the metrics of this rule, to the alert topic', () => {
    const alarms = Object.values(synthesized.template.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => String(alarm.Properties.AlarmName).includes('offsite-replication'),
    );

    expect(
      alarms.map((alarm) => [
        alarm.Properties.AlarmName,
        alarm.Properties.MetricName,
        alarm.Properties.Threshold,
      ]),
    ).toEqual([
      ['ords-datapump-backup-offsite-replication-failed', 'OperationsFailedReplication', 1],
      ['ords-datapump-backup-offsite-replication-late', 'ReplicationLatency', 3600],
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties.Namespace).toBe('AWS/S3');
      expect(alarm.Properties.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'DestinationBucket', Value: 'acme-offsite-backups' },
          { Name: 'RuleId', Value: 'OffsiteCopy' },
          { Name: 'SourceBucket', Value: expect.anything() },
        ]),
      );
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('fails on an offsite bucket that is not a bucket ARN, naming the value', () => {
    expect(() =>
      parseConfig(
        {
          bucket: { offsiteCopy: { ...OFFSITE, bucketArn: 'acme-offsite-backups' } },
          databases: [
            {
              id: 'orders',
              ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
              secret: 'prod/ords/orders',
            },
          ],
        },
        'config/test.json',
      ),
    ).toThrow(/bucket\.offsiteCopy\.bucketArn .*acme-offsite-backups.*allowed: an S3 bucket ARN/);
  });
});

describe('OffsiteBackupBucket in the destination account', () => {
  let app: App;
  let template: Template;
  beforeAll(() => {
    app = new App();
    const stack = new Stack(app, 'Offsite', { env: { account: OFFSITE.account, region: OFFSITE.region } });
    new OffsiteBackupBucket(stack, 'Offsite', {
      replicationRoleArn: ROLE_ARN,
      lockRetention: Duration.days(35),
      retention: { daily: 7, weekly: 5, monthly: 12, yearly: 7 },
    });
    template = Template.fromStack(stack);
  });

  it('locks every replica in COMPLIANCE mode, versioned, encrypted with its own key, private', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 35 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      }),
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.resourceCountIs('AWS::KMS::Key', 1);
  });

  it('lets the replication role write replicas, denies everyone else the objects and everyone deletes', () => {
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0]!;
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid)!;

    expect(bySid('ReplicationWrites')).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: ROLE_ARN },
      Action: ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
    });
    const others = bySid('OnlyReplicationAndReaderTouchReplicas');
    expect(others).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
    expect(others.Condition?.ArnNotEquals?.['aws:PrincipalArn']).toEqual([ROLE_ARN, expect.anything()]);
    expect(bySid('NobodyDeletesReplicas')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention'],
    });
    expect(bySid('NobodyDeletesReplicas').Condition).toBeUndefined();
  });

  it('lets the replication role encrypt and the reader decrypt with the key', () => {
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0]!;
    const statements = key.Properties.KeyPolicy.Statement as Statement[];
    expect(statements.find((statement) => statement.Sid === 'ReplicationEncrypts')).toMatchObject({
      Principal: { AWS: ROLE_ARN },
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
    });
  });

  it('expires replicas by the same tier tags as the source', () => {
    const bucket = Object.values(template.findResources('AWS::S3::Bucket'))[0]!;
    const ids = (bucket.Properties.LifecycleConfiguration.Rules as { Id: string }[]).map((rule) => rule.Id);
    expect(ids).toEqual(expect.arrayContaining(['ExpireDailyAfter7Days', 'ExpireYearlyAfter2562Days']));
  });

  it('has no cdk-nag finding', () => {
    const violations = new AwsSolutionsChecks(app)
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
      );
    expect(violations).toEqual([]);
  });

  it('fails on a replication role that is not a role ARN, naming it', () => {
    const stack = new Stack(new App(), 'Bad');
    expect(
      () =>
        new OffsiteBackupBucket(stack, 'Offsite', {
          replicationRoleArn: 'offsite-copy',
          lockRetention: Duration.days(35),
        }),
    ).toThrow(
      'Bad/Offsite: replicationRoleArn must be an IAM role ARN, arn:aws:iam::<account>:role/<name>, got "offsite-copy"',
    );
  });
});
