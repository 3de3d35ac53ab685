import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupBucket } from '../../infra/constructs/backup-bucket.js';
import { configOf, exampleConfig, newApp, type Synthesized, synthesize } from './synth.js';

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
      expect(existing.built.main.bucket.bucket.bucketName).toBe('corp-oracle-backups');
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
