import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket, BucketEncryption, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupBucket } from '../../infra/constructs/backup-bucket.js';
import { OrdsDatapumpBackup } from '../../infra/ords-datapump-backup.js';
import {
  actionsOf,
  configOf,
  exampleConfig,
  logicalIdOf,
  newApp,
  resourcesOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

describe('BackupBucket', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
  });
  afterAll(() => synthesized.cleanup());

  it('creates an encrypted, private, versioned bucket that is retained on delete', () => {
    const { template } = synthesized;

    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    });
  });

  it('aborts incomplete multipart uploads after 3 days', () => {
    synthesized.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } }),
        ]),
      },
    });
  });

  it('denies every request that does not use TLS', () => {
    synthesized.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('uses an existing bucket by name and creates none', () => {
    const config = configOf({
      bucket: { existingBucketName: 'corp-oracle-backups' },
      databases: [{ id: 'orders', ordsUrl: 'https://db.example.com/ords/hr/', secret: 'ords/orders' }],
    });
    const existing = synthesize(config);
    try {
      existing.template.resourceCountIs('AWS::S3::Bucket', 0);
      existing.template.resourceCountIs('AWS::S3::BucketPolicy', 0);
      expect(existing.built.backup.bucket.bucketName).toBe('corp-oracle-backups');
    } finally {
      existing.cleanup();
    }
  });

  it('fails when asked for an unencrypted bucket', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');

      expect(() => new BackupBucket(stack, 'Bucket', { encryption: BucketEncryption.UNENCRYPTED })).toThrow(
        'Test/Bucket: encryption must not be UNENCRYPTED',
      );
    } finally {
      cleanup();
    }
  });

  it('can use KMS encryption instead of S3-managed keys', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');
      new BackupBucket(stack, 'Bucket', { encryption: BucketEncryption.KMS });

      Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            }),
          ],
        },
      });
    } finally {
      cleanup();
    }
  });
});

const ORDERS = { id: 'orders', ordsUrl: 'https://db.example.com/ords/hr/', secret: 'ords/orders' };
const KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The lifecycle rules of the one new bucket of a template, by id. */
function lifecycleRules(template: Template): Map<string, Record<string, unknown>> {
  const [bucket] = Object.values(template.findResources('AWS::S3::Bucket'));
  const rules = bucket!.Properties.LifecycleConfiguration.Rules as Array<{ Id: string }>;
  return new Map(rules.map((rule) => [rule.Id, rule]));
}

/** Every statement of the copy and manifest functions' roles naming a KMS action, with its resources. */
function keyGrants(synthesized: Synthesized): Array<{ actions: string[]; resources: unknown[] }> {
  const { json, built } = synthesized;
  return [built.backup.functions.copyFile, built.backup.functions.writeManifest].flatMap((fn) =>
    statementsOfRole(json, roleOfFunction(json, logicalIdOf(fn)))
      .filter((statement) => actionsOf(statement).some((action) => action.startsWith('kms:')))
      .map((statement) => ({ actions: actionsOf(statement), resources: resourcesOf(statement) })),
  );
}

describe('BackupBucket retention, immutability and keys', () => {
  it('moves objects to Glacier Instant Retrieval after 30 days and deletes old versions after 30 days by default', () => {
    const defaults = synthesize(configOf({ databases: [ORDERS] }));
    try {
      const rules = lifecycleRules(defaults.template);

      expect(rules.get('ArchiveToGlacierInstantRetrieval')).toMatchObject({
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
      });
      expect(rules.get('DeleteNoncurrentVersions')).toMatchObject({
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      });
      expect(rules.get('RemoveExpiredDeleteMarkers')).toMatchObject({ ExpiredObjectDeleteMarker: true });
      expect(rules.has('ExpireObjects')).toBe(false);
      expect(rules.has('AbortIncompleteMultipartUploads')).toBe(true);
    } finally {
      defaults.cleanup();
    }
  });

  it('expires objects after the configured days and turns archiving and version deletion off with 0', () => {
    const configured = synthesize(
      configOf({
        bucket: { archiveAfterDays: 0, expireAfterDays: 400, noncurrentVersionsExpireAfterDays: 0 },
        databases: [ORDERS],
      }),
    );
    try {
      const rules = lifecycleRules(configured.template);

      expect([...rules.keys()].sort()).toEqual(['AbortIncompleteMultipartUploads', 'ExpireObjects']);
      expect(rules.get('ExpireObjects')).toMatchObject({ Status: 'Enabled', ExpirationInDays: 400 });
    } finally {
      configured.cleanup();
    }
  });

  it('enables no Object Lock unless configured', () => {
    const defaults = synthesize(configOf({ databases: [ORDERS] }));
    try {
      const [bucket] = Object.values(defaults.template.findResources('AWS::S3::Bucket'));

      expect(bucket!.Properties.ObjectLockEnabled).toBeUndefined();
      expect(bucket!.Properties.ObjectLockConfiguration).toBeUndefined();
    } finally {
      defaults.cleanup();
    }
  });

  it('locks every new object version for the configured mode and days', () => {
    const locked = synthesize(
      configOf({ bucket: { objectLock: { mode: 'COMPLIANCE', retentionDays: 35 } }, databases: [ORDERS] }),
    );
    try {
      locked.template.hasResourceProperties('AWS::S3::Bucket', {
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 35 } },
        },
        VersioningConfiguration: { Status: 'Enabled' },
      });
    } finally {
      locked.cleanup();
    }
  });

  it('fails to lock an existing bucket', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');

      expect(
        () =>
          new OrdsDatapumpBackup(stack, 'Backup', {
            bucket: Bucket.fromBucketName(stack, 'Existing', 'corp-oracle-backups'),
            bucketOptions: { objectLockDefaultRetention: ObjectLockRetention.governance(Duration.days(30)) },
          }),
      ).toThrow('Test/Backup: bucket is an existing bucket, used as it is: give no bucketOptions with it');
    } finally {
      cleanup();
    }
  });

  it('fails when objects would expire before they are archived', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');

      expect(
        () =>
          new BackupBucket(stack, 'Bucket', {
            archiveAfter: Duration.days(30),
            expireAfter: Duration.days(30),
          }),
      ).toThrow('Test/Bucket: expireAfter must be longer than archiveAfter (30 days), got 30 days');
    } finally {
      cleanup();
    }
  });

  it('encrypts with a new rotating, retained key and grants the copy and manifest functions its use', () => {
    const kms = synthesize(configOf({ bucket: { encryption: 'kms' }, databases: [ORDERS] }));
    try {
      const keyId = logicalIdOf(kms.built.backup.encryptionKey!);

      expect(kms.json.Resources[keyId]).toMatchObject({
        Type: 'AWS::KMS::Key',
        DeletionPolicy: 'Retain',
        Properties: { EnableKeyRotation: true },
      });
      kms.template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
              },
            },
          ],
        },
      });
      const grants = keyGrants(kms);
      const actions = new Set(grants.flatMap((grant) => grant.actions));
      expect(actions).toEqual(new Set(['kms:Decrypt', 'kms:GenerateDataKey*']));
      for (const grant of grants) expect(grant.resources).toEqual([{ 'Fn::GetAtt': [keyId, 'Arn'] }]);
    } finally {
      kms.cleanup();
    }
  });

  it('encrypts a new bucket with an existing key and grants its use', () => {
    const kms = synthesize(configOf({ bucket: { kmsKeyArn: KEY_ARN }, databases: [ORDERS] }));
    try {
      kms.template.resourceCountIs('AWS::KMS::Key', 1); // the alert topic's only
      kms.template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN },
            }),
          ],
        },
      });
      const grants = keyGrants(kms);
      expect(grants.length).toBeGreaterThan(0);
      for (const grant of grants) expect(grant.resources).toEqual([KEY_ARN]);
    } finally {
      kms.cleanup();
    }
  });

  it("grants the copy and manifest functions an existing bucket's key", () => {
    const existing = synthesize(
      configOf({
        bucket: { existingBucketName: 'corp-oracle-backups', kmsKeyArn: KEY_ARN },
        databases: [ORDERS],
      }),
    );
    try {
      const grants = keyGrants(existing);

      existing.template.resourceCountIs('AWS::S3::Bucket', 0);
      expect(new Set(grants.flatMap((grant) => grant.actions))).toEqual(
        new Set(['kms:Decrypt', 'kms:GenerateDataKey*']),
      );
      for (const grant of grants) expect(grant.resources).toEqual([KEY_ARN]);
    } finally {
      existing.cleanup();
    }
  });

  it('grants no KMS key with S3-managed encryption', () => {
    const defaults = synthesize(configOf({ databases: [ORDERS] }));
    try {
      expect(keyGrants(defaults)).toEqual([]);
    } finally {
      defaults.cleanup();
    }
  });
});
