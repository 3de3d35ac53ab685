import { DATABASE_DEFAULTS } from '../database-settings.js';

/** Numeric limits and defaults of the configuration file, each with the reason for its value. */

export {
  MAX_POLLS_PER_EXECUTION,
  MAX_STALE_AFTER_HOURS,
  POLL_INTERVAL_SECONDS,
  STALE_AFTER_MARGIN_HOURS,
  TIMEOUT_HOURS,
} from '../database-settings.js';

/** Default time between two status reads of a running export (the construct's default). */
export const DEFAULT_POLL_INTERVAL_SECONDS = DATABASE_DEFAULTS.pollIntervalSeconds;
/** Default time an export may run before the backup fails (the construct's default). */
export const DEFAULT_TIMEOUT_HOURS = DATABASE_DEFAULTS.timeoutHours;

/** Default number of databases whose schedules, alarms, dashboard rows and secret grants share one stack. */
export const DEFAULT_DATABASES_PER_STACK = 100;
/**
 * Most databases one stack may hold. Each database adds 4 resources (binding parameter, schedule,
 * stale-backup alarm, server-cleanup alarm) and, measured with the templates written without
 * indentation, about 6.2 KB (its binding with the secret's ARN, schedule input, alarms, four
 * dashboard widgets) to its stack; CloudFormation allows 500 resources and 1 MB per template. 120
 * databases make 485 resources (measured: 4 per database, a role with its policy, and a dashboard
 * per 50 databases) and about 0.75 MB; `infra/stack-limits.ts` checks the real templates at every
 * synth (restore drills add 2 alarms each).
 */
export const MAX_DATABASES_PER_STACK = 120;

/** Default days after which stored objects move to S3 Glacier Instant Retrieval (0: never). */
export const DEFAULT_ARCHIVE_AFTER_DAYS = 30;
/** Default days a replaced or deleted object version is kept before it is deleted (0: kept forever). */
export const DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS = 30;

/** Most e-mail addresses subscribed to the alert topic by this stack (more: use a mailing list). */
export const MAX_ALERT_EMAILS = 20;
