import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type LifecycleRule,
  type ReplicationRule,
  ReplicationTimeValue,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  EXPIRE_TAG,
  lifecycleTiers,
  type RetentionPolicy,
  TIER_TAG,
} from '../../functions/core/retention/index.js';
import type { BucketOptions } from '../backup-props.js';
import { acknowledgeWildcardResource } from './nag-findings.js';

/** The id of the replication rule of the off-site copy (the replication metrics' `RuleId`). */
export const OFFSITE_RULE_ID = 'OffsiteCopy';

/** Properties of a `BackupBucket`. */
export interface BackupBucketProps extends BucketOptions {
  /**
   * The customer-managed key the bucket is encrypted with. The bucket grants of the functions then
   * include this key.
   * @default - a new key for BucketEncryption.KMS, none otherwise
   */
  readonly encryptionKey?: IKey;
  /**
   * What happens to the bucket and its new key when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The role S3 replicates into `offsiteCopy.bucket` with; needed with `offsiteCopy`.
   * @default - no replication
   */
  readonly replicationRole?: IRole;
}

/**
 * Whether objects would expire before (or when) they are archived: both lifecycle steps are on
 * (0 days turns one off) and expiry does not come later than the move to Glacier Instant Retrieval.
 */
function expiresBeforeArchived(archiveDays: number, expireDays: number): boolean {
  return expireDays > 0 && archiveDays > 0 && expireDays <= archiveDays;
}

/**
 * The bucket the dump files, logs and manifests are stored in: encrypted, private, TLS-only,
 * versioned, retained when the stack is deleted and tiered by a lifecycle.
 */
export class BackupBucket extends Construct {
  /** The bucket. */
  readonly bucket: Bucket;
  /** The customer-managed key of the bucket, if it has one. */
  readonly encryptionKey?: IKey;
  private readonly expireDays: number;
  private readonly retentionRules = new Set<string>();

  constructor(scope: Construct, id: string, props: BackupBucketProps = {}) {
    super(scope, id);
    const encryption =
      props.encryption ?? (props.encryptionKey ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED);
    const abortAfter = props.abortIncompleteMultipartUploadAfter ?? Duration.days(3);
    const archiveAfter = props.archiveAfter ?? Duration.days(30);
    const expireAfter = props.expireAfter ?? Duration.days(0);
    const noncurrentExpiration = props.noncurrentVersionExpiration ?? Duration.days(30);
    const lock = props.objectLockDefaultRetention;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

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
    if (props.offsiteCopy && !props.replicationRole) {
      throw new Error(`${path}: offsiteCopy needs a replicationRole`);
    }
    if (expiresBeforeArchived(archiveDays, expireDays)) {
      throw new Error(
        `${path}: expireAfter must be longer than archiveAfter (${archiveDays} days), got ${expireDays} days`,
      );
    }

    const key =
      encryption === BucketEncryption.KMS
        ? (props.encryptionKey ??
          new Key(this, 'Key', {
            description: 'Encrypts the ords-datapump-backup dump files, logs and manifests',
            enableKeyRotation: true,
            // The backups stay readable after the stack is gone: so must their key.
            removalPolicy,
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

    const offsite = props.offsiteCopy;
    const replicationRules: ReplicationRule[] = offsite
      ? [
          {
            id: OFFSITE_RULE_ID,
            destination: offsite.bucket,
            // Every object: database folders come and go with the configuration, one rule covers them.
            filter: {},
            priority: 1,
            // A delete (or an expiry's delete marker) here never removes the off-site copy.
            deleteMarkerReplication: false,
            // Replicas belong to the destination account, not to this one.
            accessControlTransition: true,
            replicationTimeControl: ReplicationTimeValue.FIFTEEN_MINUTES,
            metrics: ReplicationTimeValue.FIFTEEN_MINUTES,
            ...(key ? { sseKmsEncryptedObjects: true } : {}),
            ...(offsite.encryptionKey ? { kmsKey: offsite.encryptionKey } : {}),
          },
        ]
      : [];

    const bucket = new Bucket(this, 'Bucket', {
      encryption,
      ...(key ? { encryptionKey: key, bucketKeyEnabled: true } : {}),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy,
      lifecycleRules,
      ...(lock ? { objectLockEnabled: true, objectLockDefaultRetention: lock } : {}),
      ...(offsite && props.replicationRole
        ? { replicationRules, replicationRole: props.replicationRole }
        : {}),
    });
    if (offsite && props.replicationRole) {
      // A role given to the bucket gets no grants from it: read here, replicate there, with the keys.
      bucket.grantReplicationPermission(props.replicationRole, {
        ...(key ? { sourceDecryptionKey: key } : {}),
        destinations: [
          {
            bucket: offsite.bucket,
            ...(offsite.encryptionKey ? { encryptionKey: offsite.encryptionKey } : {}),
          },
        ],
      });
      const role = props.replicationRole;
      const why = 'Replication copies every object of the bucket: their keys are not known at deploy time.';
      acknowledgeWildcardResource(role, bucket.arnForObjects('*'), why);
      acknowledgeWildcardResource(role, offsite.bucket.arnForObjects('*'), why);
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: "CDK's replication grant on the keys; scoped to the two keys, not to all keys.",
        });
      }
    }
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Object access is audited with CloudTrail data events; server access logs would need a second bucket.',
    });
    this.bucket = bucket;
    this.expireDays = expireDays;
    if (key) this.encryptionKey = key;
  }

  /**
   * Adds the lifecycle rules of a database's retention tiers: one per tier and days, matching the
   * objects tagged `tier=<tier>` and `expire-after-days=<days>`. The newest verified backup carries
   * no `expire-after-days` tag, so no rule matches it. Fails when the bucket expires every object
   * (`expireAfter`), which would delete the longer tiers with the dailies.
   */
  addRetention(policy: RetentionPolicy): void {
    if (!Token.isUnresolved(this.expireDays) && this.expireDays > 0) {
      throw new Error(
        `${this.node.path}: expireAfter is ${this.expireDays} days with retention tiers; allowed: no expireAfter ` +
          '(it would expire weeklies, monthlies and yearlies with the dailies): the tiers expire objects by their tags',
      );
    }
    for (const { tier, days } of lifecycleTiers([policy])) {
      const id = `Expire${tier[0]!.toUpperCase()}${tier.slice(1)}After${days}Days`;
      if (this.retentionRules.has(id)) continue;
      this.retentionRules.add(id);
      this.bucket.addLifecycleRule({
        id,
        tagFilters: { [TIER_TAG]: tier, [EXPIRE_TAG]: String(days) },
        expiration: Duration.days(days),
      });
    }
  }
}
