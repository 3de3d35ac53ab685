import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  AnyPrincipal,
  ArnPrincipal,
  Effect,
  type IPrincipal,
  PolicyStatement,
  Role,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EXPIRE_TAG, lifecycleTiers, TIER_TAG } from '../functions/core/retention/index.js';
import { KEY_PREFIX } from '../functions/core/state/index.js';
import type { RetentionTiers } from './backup-props.js';
import {
  deploymentKeyPrefixes,
  listBucketStatement,
  scopedObjectArns,
} from './constructs/deployment-keys.js';
import { acknowledgeWildcardResource } from './constructs/nag-findings.js';

/** Properties of an `OffsiteBackupBucket`. */
export interface OffsiteBackupBucketProps {
  /**
   * ARN of the replication role of the source deployment (its `OffsiteReplicationRoleArn` output,
   * `arn:aws:iam::<source account>:role/<namePrefix>-offsite-copy`): the one principal that may write.
   */
  readonly replicationRoleArn: string;
  /**
   * Who may assume the read-only role (`verify --offsite`, a restore).
   * @default - this account's IAM principals that its policies allow (`AccountRootPrincipal`)
   */
  readonly readerPrincipal?: IPrincipal;
  /**
   * The key prefixes of the source deployment's databases (each database's `prefix`): the reader
   * role reads and lists replicas only under them (`s3:ListBucket` conditioned on `s3:prefix`).
   * Replication copies every object of the source bucket, so set it when that bucket also holds
   * keys the reader must not see (another deployment storing there). Above 5 distinct prefixes,
   * their longest common folder, as the deployment's own grants.
   * @default - every replica: the reader reads and lists the whole bucket
   */
  readonly readerKeyPrefixes?: readonly string[];
  /**
   * ARN of the source deployment's off-site check role
   * (`arn:aws:iam::<source account>:role/<namePrefix>-offsite-check`): it may read the replicas'
   * sizes and checksums (HeadObject) to prove each run off-site (offsite.json).
   * @default - no check role: runs of the source end "Backup complete, off-site copy failed"
   */
  readonly checkerRoleArn?: string;
  /**
   * How long each replica is protected by Object Lock in COMPLIANCE mode: nobody, the root user
   * included, can delete or overwrite it before. At least the longest time a backup is kept.
   */
  readonly lockRetention: Duration;
  /**
   * The source's retention tiers: replicas keep their tags, so the same lifecycle rules expire them
   * (after their lock). Without, replicas are kept until deleted by hand after their lock.
   * @default - replicas do not expire
   */
  readonly retention?: RetentionTiers;
  /**
   * Time a replaced version is kept before it is deleted (after its lock).
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * The bucket, in another account (and Region), that a deployment's `offsiteCopy` replicates into:
 * versioned, Object Lock in COMPLIANCE mode, encrypted with its own KMS key, private and TLS-only.
 * Its bucket and key policies let the source's replication role write replicas and one read-only
 * role read them, and deny every other principal the objects. Deploy it before the source stack.
 */
export class OffsiteBackupBucket extends Construct {
  /** The bucket. */
  readonly bucket: Bucket;
  /** The bucket's own KMS key: the source's `offsiteCopy.kmsKeyArn`. */
  readonly encryptionKey: Key;
  /** The read-only role (`verify --offsite`, restores). */
  readonly readerRole: Role;

  constructor(scope: Construct, id: string, props: OffsiteBackupBucketProps) {
    super(scope, id);
    const lockDays = props.lockRetention.toDays({ integral: false });
    if (!Token.isUnresolved(lockDays) && (!Number.isInteger(lockDays) || lockDays < 1)) {
      throw new Error(
        `${this.node.path}: lockRetention must be a whole number of days, at least 1, got ${props.lockRetention.toHumanString()}`,
      );
    }
    const roleArn = props.replicationRoleArn;
    if (
      !Token.isUnresolved(roleArn) &&
      !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(roleArn)
    ) {
      throw new Error(
        `${this.node.path}: replicationRoleArn must be an IAM role ARN, arn:aws:iam::<account>:role/<name>, got "${roleArn}"`,
      );
    }
    const readerPrefixes = props.readerKeyPrefixes ?? [''];
    if (readerPrefixes.length === 0) {
      throw new Error(`${this.node.path}: readerKeyPrefixes must name at least one key prefix, got []`);
    }
    const badPrefix = readerPrefixes.find(
      (prefix) => !Token.isUnresolved(prefix) && !KEY_PREFIX.test(prefix),
    );
    if (badPrefix !== undefined) {
      throw new Error(
        `${this.node.path}: readerKeyPrefixes has "${badPrefix}", not a key prefix; allowed: empty, or ` +
          'folders each ending with / (e.g. "backups/")',
      );
    }
    const replicationRole = new ArnPrincipal(roleArn);
    this.readerRole = new Role(this, 'Reader', {
      assumedBy: props.readerPrincipal ?? new AccountRootPrincipal(),
      description: 'Reads the off-site ords-datapump-backup replicas (verify --offsite, restores)',
    });
    this.encryptionKey = new Key(this, 'Key', {
      description: 'Encrypts the off-site ords-datapump-backup replicas',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Replication encrypts each replica with this key; the reader decrypts.
    this.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ReplicationEncrypts',
        principals: [replicationRole],
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.encryptionKey.grantDecrypt(this.readerRole);

    const noncurrent = props.noncurrentVersionExpiration ?? Duration.days(30);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      // Replicas belong to this account, whoever wrote them.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(props.lockRetention),
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(3) },
        { id: 'DeleteNoncurrentVersions', noncurrentVersionExpiration: noncurrent },
        ...lifecycleTiers(props.retention ? [props.retention] : []).map(({ tier, days }) => ({
          id: `Expire${tier[0]!.toUpperCase()}${tier.slice(1)}After${days}Days`,
          tagFilters: { [TIER_TAG]: tier, [EXPIRE_TAG]: String(days) },
          expiration: Duration.days(days),
        })),
      ],
    });
    const replicaObjects = this.bucket.arnForObjects('*');
    // What S3 replication asks of the destination (S3 User Guide, "Granting permissions when the
    // source and destination buckets are owned by different accounts").
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ReplicationWrites',
        principals: [replicationRole],
        actions: ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
        resources: [replicaObjects],
      }),
    );
    if (props.checkerRoleArn !== undefined) {
      this.bucket.addToResourcePolicy(
        new PolicyStatement({
          sid: 'OffsiteCheckReadsReplicas',
          principals: [new ArnPrincipal(props.checkerRoleArn)],
          actions: ['s3:GetObject'],
          resources: [replicaObjects],
        }),
      );
    }
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ReplicationChecksTheBucket',
        principals: [replicationRole],
        actions: ['s3:GetBucketVersioning', 's3:PutBucketVersioning', 's3:List*'],
        resources: [this.bucket.bucketArn],
      }),
    );
    // Read-only: the replicas under its prefixes, their versions and tags, and the listing there (no
    // wildcard actions). verify --offsite lists nothing, but S3 answers its HeadObject of a replica
    // not there yet with 404 only to a caller that may list with that key as s3:prefix (else 403).
    const { prefixes } = deploymentKeyPrefixes(readerPrefixes);
    const readerObjects = scopedObjectArns(this.bucket, prefixes, '*');
    this.readerRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectAttributes'],
        resources: readerObjects,
      }),
    );
    const listing = listBucketStatement(this.bucket, prefixes);
    if (listing) this.readerRole.addToPrincipalPolicy(listing);
    for (const objects of readerObjects) {
      acknowledgeWildcardResource(
        this.readerRole,
        objects,
        'The reader checks every replica (verify --offsite): their keys are not known at deploy time.',
      );
    }
    // Nobody else reads or writes a replica, and nobody deletes one (Object Lock refuses it anyway
    // while it is locked); the account's administrators keep managing the bucket itself.
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyReplicationAndReaderTouchReplicas',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [
          's3:GetObject*',
          's3:PutObject*',
          's3:ReplicateObject',
          's3:ReplicateTags',
          's3:ReplicateDelete',
        ],
        resources: [replicaObjects],
        conditions: {
          ArnNotEquals: {
            'aws:PrincipalArn': [
              roleArn,
              this.readerRole.roleArn,
              ...(props.checkerRoleArn !== undefined ? [props.checkerRoleArn] : []),
            ],
          },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NobodyDeletesReplicas',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        // The lifecycle's expirations are S3's own, not a principal's: they still run.
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention'],
        resources: [replicaObjects],
      }),
    );
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Object access is audited with CloudTrail data events; server access logs would need a second bucket.',
    });
  }
}
