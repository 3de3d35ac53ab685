import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  type LifecycleRule,
  type ObjectLockRetention,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of a `BackupBucket`. */
export interface BackupBucketProps {
  /**
   * Name of an existing bucket to store the backups in. It is used as it is: its encryption,
   * versioning, lifecycle, Object Lock and policies are the owner's business; none of the lifecycle,
   * lock or encryption props below may be set with it, except `encryptionKey`.
   * @default - a new bucket with secure defaults is created
   */
  readonly existingBucketName?: string;
  /**
   * Encryption of a new bucket: `S3_MANAGED`, or `KMS` with `encryptionKey` (or a new key with
   * yearly rotation, retained when the stack is deleted).
   * @default BucketEncryption.S3_MANAGED, or BucketEncryption.KMS when `encryptionKey` is given
   */
  readonly encryption?: BucketEncryption;
  /**
   * The customer-managed key a new bucket is encrypted with, or the key an existing bucket is
   * encrypted with. The bucket grants of the functions then include this key.
   * @default - a new key for BucketEncryption.KMS, none otherwise
   */
  readonly encryptionKey?: IKey;
  /**
   * Days after which an unfinished multipart upload of a new bucket is aborted (a copy that never
   * completed leaves its parts behind, billed until aborted).
   * @default Duration.days(3)
   */
  readonly abortIncompleteMultipartUploadAfter?: Duration;
  /**
   * Age at which objects of a new bucket move to S3 Glacier Instant Retrieval (cheaper storage,
   * paid retrieval, billed for at least 90 days). `Duration.days(0)` keeps them in S3 Standard.
   * @default Duration.days(30)
   */
  readonly archiveAfter?: Duration;
  /**
   * Age at which objects of a new bucket expire: a delete marker hides them and they become
   * noncurrent versions. Must be longer than `archiveAfter` when both are on.
   * @default - objects never expire
   */
  readonly expireAfter?: Duration;
  /**
   * Time a replaced or expired (noncurrent) version of a new bucket is kept before it is deleted.
   * `Duration.days(0)` keeps noncurrent versions forever.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * S3 Object Lock default retention of a new bucket: each new object version cannot be deleted or
   * overwritten for this long (GOVERNANCE: except by users allowed to bypass it; COMPLIANCE: by
   * nobody, the root user included). Requires a checksum on every upload, which the functions send.
   * @default - no Object Lock
   */
  readonly objectLockDefaultRetention?: ObjectLockRetention;
}

/**
 * Whether objects would expire before (or when) they are archived: both lifecycle steps are on
 * (0 days turns one off) and expiry does not come later than the move to Glacier Instant Retrieval.
 */
export function expiresBeforeArchived(archiveDays: number, expireDays: number): boolean {
  return expireDays > 0 && archiveDays > 0 && expireDays <= archiveDays;
}

/**
 * The bucket the dump files, logs and manifests are stored in: a new bucket that is encrypted,
 * private, TLS-only, versioned, retained when the stack is deleted and tiered by a lifecycle, or an
 * existing one.
 */
export class BackupBucket extends Construct {
  /** The bucket. */
  readonly bucket: IBucket;
  /** The customer-managed key of the bucket, if it has one. */
  readonly encryptionKey?: IKey;

  constructor(scope: Construct, id: string, props: BackupBucketProps = {}) {
    super(scope, id);
    const encryption =
      props.encryption ?? (props.encryptionKey ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED);
    const abortAfter = props.abortIncompleteMultipartUploadAfter ?? Duration.days(3);
    const archiveAfter = props.archiveAfter ?? Duration.days(30);
    const expireAfter = props.expireAfter ?? Duration.days(0);
    const noncurrentExpiration = props.noncurrentVersionExpiration ?? Duration.days(30);
    const lock = props.objectLockDefaultRetention;

    const path = this.node.path;
    const wholeDays = (name: string, value: Duration, min: number) => {
      const days = value.toDays({ integral: false });
      if (!Token.isUnresolved(days) && (!Number.isInteger(days) || days < min)) {
        throw new Error(
          `${path}: ${name} must be a whole number of days, at least ${min}, got ${value.toHumanString()}`,
        );
      }
      return days;
    };
    wholeDays('abortIncompleteMultipartUploadAfter', abortAfter, 1);
    const archiveDays = wholeDays('archiveAfter', archiveAfter, 0);
    const expireDays = wholeDays('expireAfter', expireAfter, 0);
    const noncurrentDays = wholeDays('noncurrentVersionExpiration', noncurrentExpiration, 0);
    if (lock) wholeDays('objectLockDefaultRetention', lock.duration, 1);
    if (encryption === BucketEncryption.UNENCRYPTED) {
      throw new Error(`${path}: encryption must not be UNENCRYPTED: database dumps are sensitive`);
    }
    if (props.encryptionKey && encryption !== BucketEncryption.KMS) {
      throw new Error(`${path}: encryptionKey needs encryption KMS, got ${encryption}`);
    }
    if (expiresBeforeArchived(archiveDays, expireDays)) {
      throw new Error(
        `${path}: expireAfter must be longer than archiveAfter (${archiveDays} days), got ${expireDays} days`,
      );
    }

    if (props.existingBucketName !== undefined) {
      const newBucketOnly = {
        encryption: props.encryption !== undefined && props.encryptionKey === undefined,
        archiveAfter: props.archiveAfter,
        expireAfter: props.expireAfter,
        noncurrentVersionExpiration: props.noncurrentVersionExpiration,
        objectLockDefaultRetention: lock,
      };
      for (const [name, value] of Object.entries(newBucketOnly)) {
        if (value) {
          throw new Error(
            `${path}: ${name} applies to a new bucket only, not to the existing bucket "${props.existingBucketName}"`,
          );
        }
      }
      this.bucket = Bucket.fromBucketAttributes(this, 'Bucket', {
        bucketName: props.existingBucketName,
        ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
      });
      if (props.encryptionKey) this.encryptionKey = props.encryptionKey;
      return;
    }

    const key =
      encryption === BucketEncryption.KMS
        ? (props.encryptionKey ??
          new Key(this, 'Key', {
            description: 'Encrypts the ords-datapump-backup dump files, logs and manifests',
            enableKeyRotation: true,
            // The backups stay readable after the stack is gone: so must their key.
            removalPolicy: RemovalPolicy.RETAIN,
          }))
        : undefined;

    const lifecycleRules: LifecycleRule[] = [
      { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: abortAfter },
    ];
    if (archiveDays > 0) {
      lifecycleRules.push({
        id: 'ArchiveToGlacierInstantRetrieval',
        transitions: [
          { storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: archiveAfter },
        ],
      });
    }
    if (expireDays > 0) lifecycleRules.push({ id: 'ExpireObjects', expiration: expireAfter });
    if (noncurrentDays > 0) {
      lifecycleRules.push(
        { id: 'DeleteNoncurrentVersions', noncurrentVersionExpiration: noncurrentExpiration },
        // A delete marker left without versions behind it only clutters listings.
        { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      );
    }

    const bucket = new Bucket(this, 'Bucket', {
      encryption,
      ...(key ? { encryptionKey: key, bucketKeyEnabled: true } : {}),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules,
      ...(lock ? { objectLockEnabled: true, objectLockDefaultRetention: lock } : {}),
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Object access is audited with CloudTrail data events; server access logs would need a second bucket.',
    });
    this.bucket = bucket;
    if (key) this.encryptionKey = key;
  }
}
