import { z } from 'zod';
import { ExportSpecSchema } from '../../functions/core/export-spec.js';
import { parseOrdsUrl } from '../../functions/core/ords/ords-url.js';
import { DATABASE_ID, KEY_PREFIX, ON_RUNNING_EXPORT } from '../../functions/core/payloads.js';
import { CRON_FORMAT, cronProblem, TIME_ZONE_FORMAT, timeZoneProblem } from '../schedule-checks.js';
import { MAX_ALERT_EMAILS, MAX_DATABASES_PER_STACK, MAX_STALE_AFTER_HOURS } from './limits.js';
import { parseSecretReference } from './secret-reference.js';

/**
 * The zod schema of the configuration file, one section at a time: the syntax and range of each
 * field, with messages that list what is allowed. Rules across fields are in `rules.ts`.
 */

const allowed = (text: string) => ({ error: `allowed: ${text}` });

function wholeNumber(min: number, max: number, unit: string) {
  const error = allowed(`whole ${unit} from ${min} to ${max}`);
  return z.number(error).int(error).min(min, error).max(max, error);
}

/** A string checked by a function returning a sentence (the problem) or null. */
function checkedString(problem: (value: string) => string | null) {
  return z.string().superRefine((value, ctx) => {
    const found = problem(value);
    if (found) ctx.addIssue({ code: 'custom', message: found });
  });
}

const ScheduleSchema = z.strictObject({
  cron: checkedString((value) => {
    const problem = cronProblem(value);
    return problem ? `${problem}; allowed: ${CRON_FORMAT}` : null;
  }).optional(),
  timeZone: checkedString((value) => {
    const problem = timeZoneProblem(value);
    return problem ? `${problem}; allowed: ${TIME_ZONE_FORMAT}` : null;
  }).optional(),
});

/** Settings a database can give and `defaults` can give for all of them. Unresolved (all optional). */
const SettingsShape = {
  schedule: ScheduleSchema.optional(),
  export: ExportSpecSchema.optional(),
  pollIntervalSeconds: wholeNumber(10, 3600, 'seconds').optional(),
  timeoutHours: wholeNumber(1, 72, 'hours').optional(),
  prefix: z
    .string()
    .regex(
      KEY_PREFIX,
      allowed(`empty, or folder names of letters, digits and !_.*'()- each ending with /, e.g. "backups/"`),
    )
    .optional(),
  acceptCompletedWithErrors: z.boolean(allowed('true or false')).optional(),
  onRunningExport: z.enum(ON_RUNNING_EXPORT).optional(),
  enabled: z.boolean(allowed('true or false')).optional(),
  staleAfterHours: wholeNumber(1, MAX_STALE_AFTER_HOURS, 'hours').optional(),
};

/** `defaults`: the settings every database inherits unless it gives its own. */
export const DefaultsSchema = z.strictObject(SettingsShape);

/** One entry of `databases`, before `defaults` are applied. */
export const DatabaseSchema = z.strictObject({
  id: z
    .string(allowed('a string'))
    .regex(DATABASE_ID, allowed('2 to 32 of a-z, 0-9 and -, starting with a letter, not ending with -')),
  ordsUrl: checkedString((value) => {
    try {
      parseOrdsUrl(value);
      return null;
    } catch (error) {
      // parseOrdsUrl's messages start with `ORDS URL "<value>"`: the value is already named.
      return `it ${(error as Error).message.replace(/^ORDS URL "[^"]*" /, '')}`;
    }
  }),
  secret: checkedString((value) => {
    try {
      parseSecretReference(value);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }),
  ...SettingsShape,
});

const days = (what: string) => wholeNumber(0, 36_500, `days (${what})`);

/** `bucket`: where backups are stored. */
export const BucketSchema = z.strictObject({
  existingBucketName: z
    .string()
    .regex(
      /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      allowed('an S3 bucket name: 3 to 63 of a-z, 0-9, . and -'),
    )
    .optional(),
  encryption: z.enum(['s3', 'kms']).optional(),
  kmsKeyArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$/,
      allowed('a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)'),
    )
    .optional(),
  archiveAfterDays: days('0: never').optional(),
  expireAfterDays: days('0: never').optional(),
  noncurrentVersionsExpireAfterDays: days('0: kept forever').optional(),
  objectLock: z
    .strictObject({
      mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
      retentionDays: wholeNumber(1, 36_500, 'days'),
    })
    .optional(),
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
    .optional(),
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
    .optional(),
});

/**
 * The top level of the file. The sections are parsed one by one with their own schemas, so that
 * their problems are named `defaults.…`, `bucket.…` or `database "<id>": …`.
 */
export const DocumentSchema = z.strictObject({
  /** The JSON Schema editors check the file with (`./schema.json`); not read otherwise. */
  $schema: z.string(allowed('the path or URL of a JSON Schema, e.g. "./schema.json"')).optional(),
  defaults: z.unknown().optional(),
  bucket: z.unknown().optional(),
  alerts: z.unknown().optional(),
  databasesPerStack: wholeNumber(1, MAX_DATABASES_PER_STACK, 'databases').optional(),
  databases: z.array(z.unknown(), allowed('a list of databases')).min(1, allowed('at least one database')),
});

/** The `defaults` section as parsed (every setting optional). */
export type Settings = z.output<typeof DefaultsSchema>;
/** The bucket section as parsed, before its defaults are applied. */
export type BucketSettings = z.output<typeof BucketSchema>;
/** One database as parsed, before `defaults` are applied. */
export type DatabaseSettings = z.output<typeof DatabaseSchema>;
