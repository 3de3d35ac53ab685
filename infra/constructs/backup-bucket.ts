import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of a `BackupBucket`. */
export interface BackupBucketProps {
  /**
   * Name of an existing bucket to store the backups in. It is used as it is: its encryption,
   * versioning, lifecycle and policies are the owner's business.
   * @default - a new bucket with secure defaults is created
   */
  readonly existingBucketName?: string;
  /**
   * Encryption of a new bucket.
   * @default BucketEncryption.S3_MANAGED
   */
  readonly encryption?: BucketEncryption;
  /**
   * Days after which an unfinished multipart upload of a new bucket is aborted (a copy that never
   * completed leaves its parts behind, billed until aborted).
   * @default Duration.days(3)
   */
  readonly abortIncompleteMultipartUploadAfter?: Duration;
}

/**
 * The bucket the dump files, logs and manifests are stored in: a new bucket that is encrypted,
 * private, TLS-only, versioned and retained when the stack is deleted, or an existing one.
 */
export class BackupBucket extends Construct {
  /** The bucket. */
  readonly bucket: IBucket;

  constructor(scope: Construct, id: string, props: BackupBucketProps = {}) {
    super(scope, id);
    const encryption = props.encryption ?? BucketEncryption.S3_MANAGED;
    const abortAfter = props.abortIncompleteMultipartUploadAfter ?? Duration.days(3);

    const days = abortAfter.toDays();
    if (!Token.isUnresolved(days) && (!Number.isInteger(days) || days < 1)) {
      throw new Error(
        `${this.node.path}: abortIncompleteMultipartUploadAfter must be a whole number of days, at least 1, got ${abortAfter.toHumanString()}`,
      );
    }
    if (encryption === BucketEncryption.UNENCRYPTED) {
      throw new Error(`${this.node.path}: encryption must not be UNENCRYPTED: database dumps are sensitive`);
    }

    if (props.existingBucketName !== undefined) {
      this.bucket = Bucket.fromBucketName(this, 'Bucket', props.existingBucketName);
      return;
    }
    const bucket = new Bucket(this, 'Bucket', {
      encryption,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: abortAfter },
      ],
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Object access is audited with CloudTrail data events; server access logs would need a second bucket.',
    });
    this.bucket = bucket;
  }
}
