import { z } from 'zod';
import { DeploymentCapSchema, OrdsCapsSchema } from './fleet.js';
import {
  DEFAULT_ARCHIVE_AFTER_DAYS,
  DEFAULT_DATABASES_PER_STACK,
  DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS,
  MAX_ALERT_EMAILS,
  MAX_DATABASES_PER_STACK,
} from './limits.js';
import { allowed, ordsCidrs, wholeNumber } from './schema-fields.js';

/**
 * The zod schema of the configuration file, one section at a time: the syntax and range of each
 * field, with messages that list what is allowed. A database's settings are in `database-schema.ts`,
 * rules across fields in `rules.ts`.
 */

const days = (what: string) => wholeNumber(0, 36_500, `days (${what})`);

/** `bucket`: where backups are stored. */
export const BucketSchema = z.strictObject({
  existingBucketName: z
    .string()
    .regex(
      /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      allowed('an S3 bucket name: 3 to 63 of a-z, 0-9, . and -'),
    )
    .optional()
    .describe('An existing bucket to store into, used as it is. Default: a new bucket'),
  encryption: z
    .enum(['s3', 'kms'])
    .optional()
    .describe('Encryption of a new bucket. Default "s3", or "kms" with kmsKeyArn'),
  kmsKeyArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$/,
      allowed('a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)'),
    )
    .optional()
    .describe("A new bucket's KMS key, or the key an existing bucket is encrypted with"),
  archiveAfterDays: days('0: never')
    .optional()
    .describe(
      `Days until objects move to Glacier Instant Retrieval; 0: never. Default ${DEFAULT_ARCHIVE_AFTER_DAYS}`,
    ),
  expireAfterDays: days('0: never')
    .optional()
    .describe('Days until objects expire, more than archiveAfterDays; 0: never. Default 0'),
  noncurrentVersionsExpireAfterDays: days('0: kept forever')
    .optional()
    .describe(
      `Days a replaced or expired version is kept; 0: forever. Default ${DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS}`,
    ),
  offsiteCopy: z
    .strictObject({
      bucketArn: z
        .string(allowed('a string'))
        .regex(
          /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          allowed('an S3 bucket ARN, arn:aws:s3:::<bucket name>'),
        ),
      account: z.string(allowed('a string')).regex(/^\d{12}$/, allowed('a 12-digit AWS account id')),
      region: z
        .string(allowed('a string'))
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, allowed('an AWS Region such as eu-west-1')),
      kmsKeyArn: z
        .string(allowed('a string'))
        .regex(
          /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$/,
          allowed('a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)'),
        )
        .optional(),
    })
    .optional()
    .describe(
      'Replicate every backup into a bucket another account owns (made with OffsiteBackupBucket there): S3 Replication Time Control, deletes not replicated, tags kept',
    ),
  objectLock: z
    .strictObject({
      mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
      retentionDays: wholeNumber(1, 36_500, 'days'),
    })
    .optional()
    .describe('Object Lock of a new bucket: every object version is protected for retentionDays'),
});

/** `alerts`: where failure and stale-backup alerts go. */
export const AlertsSchema = z.strictObject({
  existingTopicArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/,
      allowed(
        'an SNS standard topic ARN, arn:aws:sns:<region>:<account>:<name> (FIFO topics cannot take alarms)',
      ),
    )
    .optional()
    .describe('An existing SNS standard topic to alert. Default: a new encrypted topic'),
  emails: z
    .array(
      z
        .string()
        .regex(
          /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[A-Za-z]{2,}$/,
          allowed('an e-mail address such as ops@example.com'),
        ),
      allowed('a list of e-mail addresses'),
    )
    .max(
      MAX_ALERT_EMAILS,
      allowed(`at most ${MAX_ALERT_EMAILS} addresses (subscribe a mailing list for more)`),
    )
    .optional()
    .describe('E-mail addresses subscribed to the alert topic (each confirms once)'),
});

const awsId = (prefix: string, what: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}-[0-9a-f]{8}([0-9a-f]{9})?$`),
      allowed(`a ${what} id, ${prefix}-<8 or 17 hex digits>`),
    );

/** `network`: the VPC the functions that call ORDS run in. */
export const NetworkSchema = z.strictObject({
  vpcId: awsId('vpc', 'VPC').describe('The VPC the functions that call ORDS run in'),
  subnetIds: z
    .array(awsId('subnet', 'subnet'), allowed('a list of subnet ids'))
    .min(1, allowed('at least one subnet'))
    .max(16, allowed('at most 16 subnets (Lambda)'))
    .describe('Subnets with a route to ORDS and to S3, Secrets Manager, SSM and Step Functions'),
  securityGroupIds: z
    .array(awsId('sg', 'security group'), allowed('a list of security group ids'))
    .min(1, allowed('at least one security group, or leave it out for a new one'))
    .max(5, allowed('at most 5 security groups (Lambda)'))
    .optional()
    .describe(
      'Security groups of the functions. Default: a new group, egress to the ORDS ports and 443 only',
    ),
  availabilityZones: z
    .array(
      z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, allowed('an availability zone such as eu-central-1a')),
      allowed('a list of availability zones'),
    )
    .optional()
    .describe(
      'The availability zone of each subnet, in the order of subnetIds (needed for createVpcEndpoints)',
    ),
  routeTableIds: z
    .array(awsId('rtb', 'route table'), allowed('a list of route table ids'))
    .optional()
    .describe('The route table of each subnet, in the order of subnetIds (needed for createVpcEndpoints)'),
  ordsCidrs: ordsCidrs()
    .max(56, allowed('at most 56 ranges (a security group holds 60 rules, 4 for the AWS endpoints)'))
    .optional()
    .describe(
      'Address ranges of the ORDS hosts: the created group reaches ORDS there only and AWS through the endpoints (needs createVpcEndpoints). Default: any address, with a warning',
    ),
  createVpcEndpoints: z
    .boolean(allowed('true or false'))
    .optional()
    .describe(
      'Create the S3 gateway and the Secrets Manager, SSM and Step Functions interface endpoints. Default false',
    ),
});

/**
 * The top level of the file. The sections are parsed one by one with their own schemas, so that
 * their problems are named `defaults.…`, `bucket.…` or `database "<id>": …`.
 */
export const DocumentSchema = z.strictObject({
  /** The JSON Schema editors check the file with (`./schema.json`); not read otherwise. */
  $schema: z
    .string(allowed('the path or URL of a JSON Schema, e.g. "./schema.json"'))
    .optional()
    .describe('The JSON Schema editors check this file with: "./schema.json"'),
  defaults: z.unknown().optional(),
  bucket: z.unknown().optional(),
  alerts: z.unknown().optional(),
  network: z.unknown().optional(),
  namePrefix: z
    .string(allowed('a string'))
    .optional()
    .describe(
      'Prefix of the state machine, schedule group, alarm and dashboard names and the binding path; one per deployment in an account. Default "ords-datapump-backup"',
    ),
  databasesPerStack: wholeNumber(1, MAX_DATABASES_PER_STACK, 'databases')
    .optional()
    .describe(
      `Databases per stack of schedules, alarms, dashboards and secret grants. Default ${DEFAULT_DATABASES_PER_STACK}`,
    ),
  ordsCaps: OrdsCapsSchema.optional(),
  deploymentCap: DeploymentCapSchema.optional(),
  databases: z.array(z.unknown(), allowed('a list of databases')).min(1, allowed('at least one database')),
});

/** The network section as parsed. */
export type NetworkSettings = z.output<typeof NetworkSchema>;
/** The bucket section as parsed, before its defaults are applied. */
export type BucketSettings = z.output<typeof BucketSchema>;
