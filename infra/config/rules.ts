import { pollBudgetExceeded } from '../database-settings.js';
import { longestScheduleGapHours } from '../schedule-checks.js';
import { type DatabaseSettingsConfig, defaultStaleAfterHours } from './defaults.js';
import { MAX_POLLS_PER_EXECUTION, MAX_STALE_AFTER_HOURS, STALE_AFTER_MARGIN_HOURS } from './limits.js';
import { show } from './messages.js';
import type { BucketSettings, NetworkSettings } from './schema.js';
import type { DatabaseConfig } from './types.js';

/** A rule across fields of one section: the fields it reads, and the problems it finds in them. */
export interface Rule<T> {
  /** Paths of the fields read (`schedule.cron`, `export`); the rule is skipped when one failed to parse. */
  readonly reads: readonly string[];
  /** One line per problem, naming the fields, the values and what is allowed. */
  readonly problems: (input: T) => string[];
}

/** The problems `rules` find in `input`, skipping every rule that reads a field that failed to parse. */
export function ruleProblems<T>(
  rules: readonly Rule<T>[],
  input: T,
  failed: (path: string) => boolean = () => false,
): string[] {
  return rules.filter((rule) => !rule.reads.some(failed)).flatMap((rule) => rule.problems(input));
}

/** The bucket settings an existing bucket cannot take: its lifecycle and lock are its owner's. */
const NEW_BUCKET_ONLY = [
  'archiveAfterDays',
  'expireAfterDays',
  'noncurrentVersionsExpireAfterDays',
  'objectLock',
  'offsiteCopy',
] as const;

/** Rules across the fields of `bucket`, read as written (before its defaults). */
export const BUCKET_RULES: readonly Rule<BucketSettings>[] = [
  {
    reads: ['existingBucketName'],
    problems: (bucket) => {
      const existing = bucket.existingBucketName;
      if (existing === undefined) return [];
      return NEW_BUCKET_ONLY.filter((key) => bucket[key] !== undefined).map(
        (key) =>
          `bucket.${key} is ${show(bucket[key])} with bucket.existingBucketName ${show(existing)}; ` +
          `allowed: only for a new bucket (an existing bucket's ${key === 'objectLock' ? 'Object Lock' : 'lifecycle'} is its owner's)`,
      );
    },
  },
  {
    reads: ['existingBucketName', 'encryption', 'kmsKeyArn'],
    problems: (bucket) =>
      bucket.existingBucketName !== undefined && bucket.encryption === 'kms' && bucket.kmsKeyArn === undefined
        ? [
            `bucket.encryption is "kms" with bucket.existingBucketName ${show(bucket.existingBucketName)}; allowed: a new key only for a ` +
              "new bucket; give the existing bucket's key as bucket.kmsKeyArn instead",
          ]
        : [],
  },
  // Expiry after archiving and a key only with KMS encryption are the bucket's own invariants:
  // `BackupBucket` checks them, for this file and for any other user of the construct.
];

/** Rules across the fields of one database, read with the defaults applied. */
export const DATABASE_RULES: readonly Rule<DatabaseSettingsConfig>[] = [
  {
    reads: ['export'],
    problems: ({ export: spec }) =>
      spec.schemas && spec.jobMode !== 'SCHEMA'
        ? [
            `export.schemas is ${show(spec.schemas)} with export.jobMode ${spec.jobMode}; ` +
              'allowed: schemas only with jobMode SCHEMA (use filter for TABLE and TABLESPACE exports)',
          ]
        : [],
  },
  {
    reads: ['export'],
    problems: ({ export: spec }) =>
      (spec.jobMode === 'TABLE' || spec.jobMode === 'TABLESPACE') && !spec.filter
        ? [
            `export.filter is missing for export.jobMode ${spec.jobMode}; allowed: a comma list of ` +
              `${spec.jobMode === 'TABLE' ? 'tables such as HR.EMPLOYEES' : 'tablespaces such as USERS'} ` +
              '(ORDS 19c requires a filter unless jobMode is FULL)',
          ]
        : [],
  },
  {
    reads: ['staleAfterHours', 'schedule.cron', 'timeoutHours', 'enabled'],
    problems: (database) => {
      const problem = staleAfterHoursProblem(database);
      return problem ? [problem] : [];
    },
  },
  {
    reads: ['pollIntervalSeconds', 'timeoutHours'],
    problems: ({ pollIntervalSeconds, timeoutHours }) => {
      const exceeded = pollBudgetExceeded(pollIntervalSeconds, timeoutHours);
      if (!exceeded) return [];
      const { polls, minimumSeconds: minimum } = exceeded;
      return [
        `pollIntervalSeconds is ${pollIntervalSeconds} with timeoutHours ${timeoutHours}: ` +
          `up to ${polls} status reads; allowed: at most ${MAX_POLLS_PER_EXECUTION} per execution ` +
          `(Step Functions keeps 25,000 history events), so pollIntervalSeconds ≥ ${minimum} or a shorter timeoutHours`,
      ];
    },
  },
];

/**
 * Why a database's stale-backup alarm would go off between two scheduled backups that both
 * succeed, or null. Needs `staleAfterHours` ≥ the longest gap between two scheduled starts + 2.
 */
function staleAfterHoursProblem(database: DatabaseSettingsConfig): string | null {
  const hours = database.staleAfterHours;
  if (!database.enabled) return null;
  const year = new Date().getUTCFullYear();
  const gap = longestScheduleGapHours(database.schedule.cron, year);
  if (gap === undefined || hours >= gap + STALE_AFTER_MARGIN_HOURS) return null;
  const needed = Math.ceil(gap + STALE_AFTER_MARGIN_HOURS);
  const subject = `staleAfterHours is ${hours} with schedule.cron ${show(database.schedule.cron)}, which leaves up to ${gap} hours between two backups`;
  if (needed > MAX_STALE_AFTER_HOURS) {
    return `${subject}; allowed: a schedule that runs at least every ${MAX_STALE_AFTER_HOURS - STALE_AFTER_MARGIN_HOURS} hours`;
  }
  return `${subject}; allowed: at least ${needed}, or leave it unset for ${defaultStaleAfterHours(database.schedule.cron, database.timeoutHours, year)} (the gap + timeoutHours + 2)`;
}

/** One line per database id used more than once, naming every position that uses it. */
export function duplicateIdProblems(indexesById: ReadonlyMap<string, readonly number[]>): string[] {
  return [...indexesById]
    .filter(([, indexes]) => indexes.length > 1)
    .map(
      ([id, indexes]) =>
        `database "${id}": id is used by ${indexes.map((i) => `databases[${i}]`).join(', ')}; allowed: each id once`,
    );
}

/** Rules across the fields of `network`. */
export const NETWORK_RULES: readonly Rule<NetworkSettings>[] = [
  {
    reads: ['ordsCidrs', 'createVpcEndpoints', 'securityGroupIds'],
    problems: (network) => [
      ...(network.ordsCidrs && !network.createVpcEndpoints
        ? [
            'network.ordsCidrs needs network.createVpcEndpoints true; without the endpoints the AWS APIs are ' +
              'public addresses, which takes 443 to any address',
          ]
        : []),
      ...(network.ordsCidrs && network.securityGroupIds
        ? [
            'network.ordsCidrs narrows the security group the deployment creates; network.securityGroupIds ' +
              'are used as they are: give one of them',
          ]
        : []),
    ],
  },
  {
    reads: ['subnetIds', 'availabilityZones', 'routeTableIds'],
    problems: (network) =>
      (['availabilityZones', 'routeTableIds'] as const)
        .filter((key) => network[key] !== undefined && network[key].length !== network.subnetIds.length)
        .map(
          (key) =>
            `network.${key} has ${network[key]!.length} entries for ${network.subnetIds.length} subnetIds; ` +
            'allowed: one per subnet, in the same order',
        ),
  },
  {
    reads: ['createVpcEndpoints', 'availabilityZones', 'routeTableIds'],
    problems: (network) =>
      network.createVpcEndpoints
        ? (['availabilityZones', 'routeTableIds'] as const)
            .filter((key) => network[key] === undefined)
            .map(
              (key) =>
                `network.${key} is missing with network.createVpcEndpoints true; allowed: the ${key === 'availabilityZones' ? 'zone' : 'route table'} ` +
                `of each subnet (the ${key === 'availabilityZones' ? 'interface endpoints take one subnet per zone' : 'S3 gateway endpoint is a route in them'})`,
            )
        : [],
  },
];

/**
 * Retention tiers need a new bucket (their lifecycle rules are added to it) without
 * `expireAfterDays`, which would expire every tier with the dailies.
 */
export function retentionBucketProblems(
  bucket: BucketSettings,
  databases: readonly DatabaseConfig[],
): string[] {
  const tiered = databases.filter((database) => database.retention !== undefined).map((db) => `"${db.id}"`);
  if (tiered.length === 0) return [];
  const which = `database${tiered.length > 1 ? 's' : ''} ${tiered.join(', ')}`;
  const problems: string[] = [];
  if ((bucket.expireAfterDays ?? 0) > 0) {
    problems.push(
      `bucket.expireAfterDays is ${bucket.expireAfterDays} with retention tiers (${which}); allowed: 0 or left out ` +
        '(it would expire weeklies, monthlies and yearlies with the dailies)',
    );
  }
  if (bucket.existingBucketName !== undefined) {
    problems.push(
      `retention is set (${which}) with bucket.existingBucketName ${show(bucket.existingBucketName)}; allowed: ` +
        "retention tiers only for a new bucket (an existing bucket's lifecycle is its owner's)",
    );
  }
  return problems;
}
