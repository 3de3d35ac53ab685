import { z } from 'zod';
import {
  ConsistentOptionsSchema,
  ExportSpecSchema,
  ORACLE_IDENTIFIER,
} from '../../functions/core/export/index.js';
import { parseOrdsUrl } from '../../functions/core/ords/index.js';
import { RetentionPolicySchema } from '../../functions/core/retention/index.js';
import {
  CONSISTENCY,
  DATABASE_ID,
  KEY_PREFIX,
  ON_RUNNING_EXPORT,
  SERVER_CLEANUP,
} from '../../functions/core/state/index.js';
import { CRON_FORMAT, cronProblem, TIME_ZONE_FORMAT, timeZoneProblem } from '../schedule-checks.js';
import { WindowSchema } from './fleet.js';
import {
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_TIMEOUT_HOURS,
  MAX_STALE_AFTER_HOURS,
  POLL_INTERVAL_SECONDS,
  TIMEOUT_HOURS,
} from './limits.js';
import { allowed, checkedString, ordsCidrs, wholeNumber } from './schema-fields.js';
import { parseSecretReference } from './secret-reference.js';

/**
 * The zod schemas of a database's settings: `defaults`, one entry of `databases` and its
 * `restoreDrill`. The other sections are in `schema.ts`; rules across fields in `rules.ts`.
 */

const ScheduleSchema = z.strictObject({
  cron: checkedString((value) => {
    const problem = cronProblem(value);
    return problem ? `${problem}; allowed: ${CRON_FORMAT}` : null;
  })
    .optional()
    .describe(
      'EventBridge Scheduler cron, 6 fields: minutes hours day-of-month month day-of-week year. Default "0 2 * * ? *"',
    ),
  timeZone: checkedString((value) => {
    const problem = timeZoneProblem(value);
    return problem ? `${problem}; allowed: ${TIME_ZONE_FORMAT}` : null;
  })
    .optional()
    .describe('IANA time zone the cron expression is read in, e.g. Europe/Berlin. Default "UTC"'),
});

/** `restoreDrill` of one database: when to drill, which schema, into which drill schema. */
const RestoreDrillSchema = z.strictObject({
  schedule: z
    .strictObject({
      cron: ScheduleSchema.shape.cron.unwrap(),
      timeZone: ScheduleSchema.shape.timeZone,
    })
    .describe(
      'When drills are due, e.g. {"cron": "0 2 ? * SUN *"}: the first backup at or after each start drills',
    ),
  targetSchema: z
    .string(allowed('a string'))
    .regex(ORACLE_IDENTIFIER, allowed('an unquoted Oracle identifier such as HR_DRILL'))
    .describe(
      'The schema the dump is imported into and then dropped: a new name, not an exported or Oracle schema',
    ),
  schema: z
    .string(allowed('a string'))
    .regex(ORACLE_IDENTIFIER, allowed('an unquoted Oracle identifier such as HR'))
    .optional()
    .describe('The exported schema to drill. Required for FULL exports; default: the first exported schema'),
  source: z
    .enum(['server', 's3'], allowed('"server" or "s3"'))
    .optional()
    .describe(
      'Which copy the drill restores: "server" (the files on the server, before the cleanup) or "s3" (this night\'s S3 copy, after the cleanup, uploaded through ORDS). Default "server"',
    ),
});

/** Settings a database can give and `defaults` can give for all of them. Unresolved (all optional). */
const SettingsShape = {
  schedule: ScheduleSchema.optional().describe('When the backup starts'),
  window: WindowSchema.optional().describe(
    'A night window to start in instead of schedule.cron, e.g. {"start": "01:00", "hours": 4, "timeZone": "Europe/Berlin"}',
  ),
  export: ExportSpecSchema.optional().describe(
    'What Data Pump exports: jobMode, schemas or filter, threads, datapumpDir',
  ),
  pollIntervalSeconds: wholeNumber(POLL_INTERVAL_SECONDS.min, POLL_INTERVAL_SECONDS.max, 'seconds')
    .optional()
    .describe(
      `Seconds between two status reads of the running export. Default ${DEFAULT_POLL_INTERVAL_SECONDS}`,
    ),
  timeoutHours: wholeNumber(TIMEOUT_HOURS.min, TIMEOUT_HOURS.max, 'hours')
    .optional()
    .describe(`Hours the export may run before the backup fails. Default ${DEFAULT_TIMEOUT_HOURS}`),
  prefix: z
    .string()
    .regex(
      KEY_PREFIX,
      allowed(`empty, or folder names of letters, digits and !_.'()- each ending with /, e.g. "backups/"`),
    )
    .optional()
    .describe('S3 key prefix of the backups: empty or ending with /. Default ""'),
  acceptCompletedWithErrors: z
    .boolean(allowed('true or false'))
    .optional()
    .describe('Whether an export "completed with N error(s)" counts as a success. Default false'),
  onRunningExport: z
    .enum(ON_RUNNING_EXPORT)
    .optional()
    .describe(
      'When an earlier run\'s export is still running: fail this run, or adopt that export. Default "fail"',
    ),
  enabled: z
    .boolean(allowed('true or false'))
    .optional()
    .describe('Whether the database is scheduled and alarmed. Default true'),
  staleAfterHours: wholeNumber(1, MAX_STALE_AFTER_HOURS, 'hours')
    .optional()
    .describe(
      'Hours since the last verified backup before its alarm goes off. Default: longest schedule gap + timeoutHours + 2',
    ),
  serverCleanup: z
    .enum(SERVER_CLEANUP)
    .optional()
    .describe(
      'What a run removes from the database server once its backup is stored: "off", its dump and log "files", or "files-and-control-table". Default "files-and-control-table"',
    ),
  autonomousDatabase: z
    .boolean(allowed('true or false'))
    .optional()
    .describe(
      'Autonomous Database: remove files with DBMS_CLOUD.DELETE_FILE instead of UTL_FILE.FREMOVE. Default false',
    ),
  retention: RetentionPolicySchema.optional().describe(
    'Backups kept per tier, e.g. {"daily": 7, "weekly": 5, "monthly": 12, "yearly": 7}: the first success of a week, month or year (schedule time zone) takes that tier. Needs bucket.expireAfterDays 0. Default: none (bucket.expireAfterDays applies)',
  ),
  recordSha256: z
    .boolean(allowed('true or false'))
    .optional()
    .describe(
      'Record a SHA-256 of each file copied within one invocation in the manifest, besides the FULL_OBJECT CRC-32 S3 verifies. Default false',
    ),
  consistency: z
    .enum(CONSISTENCY)
    .optional()
    .describe(
      '"per-table": the ORDS export POST, each table at its own moment (the manifest says so). "point-in-time": every table at one SCN through DBMS_DATAPUMP over REST-enabled SQL, proved by the log and recorded in the manifest; a run that cannot fails naming why. "auto": point-in-time where this ORDS lists and serves the files of such jobs (probed once, the result recorded in <prefix><database>/consistency-probe.json), else the ORDS export POST in the same run, said in the console ("Consistency downgraded"), the ConsistencyDowngraded metric and the manifest. Default "auto"',
    ),
  consistentExport: ConsistentOptionsSchema.optional().describe(
    'Data Pump options of the point-in-time export: "excludeStatistics" (true: leave optimizer statistics out; free), "filesizeBytes" (largest dump file, 10 MiB to 1 TiB; default 8 GiB; free), "compression" ("ALL" or "DATA_ONLY": Advanced Compression) and "encryption" ("ALL", "DATA_ONLY" or "METADATA_ONLY" with the TDE wallet: Advanced Security), refused unless "licensedOptions" acknowledges them ("advanced-compression", "advanced-security"; "enterprise-edition" for export.threads above 1 on this path). Recorded in the manifest. Default: none',
  ),
};

/** `defaults`: the settings every database inherits unless it gives its own. */
export const DefaultsSchema = z.strictObject(SettingsShape);

/** One entry of `databases`, before `defaults` are applied. */
export const DatabaseSchema = z.strictObject({
  id: z
    .string(allowed('a string'))
    .regex(DATABASE_ID, allowed('2 to 32 of a-z, 0-9 and -, starting with a letter, not ending with -'))
    .describe('Unique id: S3 folder, dump file names, schedule and metrics'),
  ordsUrl: checkedString((value) => {
    try {
      parseOrdsUrl(value);
      return null;
    } catch (error) {
      // parseOrdsUrl's messages start with `ORDS URL "<value>"`: the value is already named.
      return `it ${(error as Error).message.replace(/^ORDS URL "[^"]*" /, '')}`;
    }
  }).describe('ORDS URL up to and including the schema alias: https://host[:port]/ords/[db/]alias/'),
  secret: checkedString((value) => {
    try {
      parseSecretReference(value);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }).describe('Name or ARN of the existing Secrets Manager secret with the ORDS credentials'),
  ordsCidrs: ordsCidrs()
    .min(1, allowed('at least one CIDR block, or leave it out for network.ordsCidrs'))
    .optional()
    .describe(
      "Address ranges of this database's ORDS host: its ORDS port is reachable there only. Needs network.ordsCidrs",
    ),
  ...SettingsShape,
  restoreDrill: RestoreDrillSchema.optional().describe(
    'Opt-in restore drill: on drill nights the backup is imported into targetSchema, checked, then dropped',
  ),
});

/** The `defaults` section as parsed (every setting optional). */
export type Settings = z.output<typeof DefaultsSchema>;
/** `restoreDrill` as parsed. */
export type RestoreDrillSettings = z.output<typeof RestoreDrillSchema>;
/** One database as parsed, before `defaults` are applied. */
export type DatabaseSettings = z.output<typeof DatabaseSchema>;
