import type { ExportSpec } from '../../functions/core/export-spec.js';
import { longestScheduleGapHours } from '../schedule-checks.js';
import {
  DEFAULT_ARCHIVE_AFTER_DAYS,
  DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS,
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_TIMEOUT_HOURS,
  MAX_STALE_AFTER_HOURS,
  STALE_AFTER_MARGIN_HOURS,
} from './limits.js';
import type { BucketSettings, Settings } from './schema.js';
import type { BucketConfig, DatabaseConfig, ScheduleConfig } from './types.js';

/** Default schedule: every night at 02:00 UTC. */
export const DEFAULT_SCHEDULE: ScheduleConfig = { cron: '0 2 * * ? *', timeZone: 'UTC' };

/**
 * The `staleAfterHours` of a database that sets none: the longest gap between two scheduled starts,
 * plus the export's `timeoutHours` (the record is written when the backup finishes), plus
 * {@link STALE_AFTER_MARGIN_HOURS}, rounded up. 38 for the nightly default with 12 hours, 190 for a
 * weekly schedule with 20. A schedule that starts fewer than twice in two years gets the longest.
 */
export function defaultStaleAfterHours(cron: string, timeoutHours: number, fromYear: number): number {
  const gap = longestScheduleGapHours(cron, fromYear);
  if (gap === undefined) return MAX_STALE_AFTER_HOURS;
  return Math.min(MAX_STALE_AFTER_HOURS, Math.ceil(gap + timeoutHours + STALE_AFTER_MARGIN_HOURS));
}

/** A database's settings with the defaults applied: a `DatabaseConfig` without its identity. */
export type DatabaseSettingsConfig = Omit<DatabaseConfig, 'id' | 'ordsUrl' | 'secret'>;

/** The export of one database merged over the defaults' export, key by key, as written in the file. */
export function mergeExport(defaultsExport: unknown, databaseExport: unknown): Record<string, unknown> {
  return { ...asObject(defaultsExport), ...asObject(databaseExport) };
}

/**
 * Applies `defaults` under one database's own settings, then the built-in defaults. `schedule`
 * merges key by key (the database wins); the export is merged and validated by the caller, from
 * the raw values so that only keys written in the file count.
 */
export function resolveSettings(
  defaults: Settings,
  database: Settings,
  exportSpec: ExportSpec,
): DatabaseSettingsConfig {
  const pick = <K extends keyof Settings>(key: K) => database[key] ?? defaults[key];
  const cron = database.schedule?.cron ?? defaults.schedule?.cron ?? DEFAULT_SCHEDULE.cron;
  const timeoutHours = pick('timeoutHours') ?? DEFAULT_TIMEOUT_HOURS;
  return {
    schedule: {
      cron,
      timeZone: database.schedule?.timeZone ?? defaults.schedule?.timeZone ?? DEFAULT_SCHEDULE.timeZone,
    },
    export: exportSpec,
    pollIntervalSeconds: pick('pollIntervalSeconds') ?? DEFAULT_POLL_INTERVAL_SECONDS,
    timeoutHours,
    prefix: pick('prefix') ?? '',
    acceptCompletedWithErrors: pick('acceptCompletedWithErrors') ?? false,
    onRunningExport: pick('onRunningExport') ?? 'fail',
    enabled: pick('enabled') ?? true,
    staleAfterHours:
      pick('staleAfterHours') ?? defaultStaleAfterHours(cron, timeoutHours, new Date().getUTCFullYear()),
    serverCleanup: pick('serverCleanup') ?? 'files-and-control-table',
    autonomousDatabase: pick('autonomousDatabase') ?? false,
  };
}

/** Applies the bucket defaults. */
export function resolveBucket(settings: BucketSettings): BucketConfig {
  const existing = settings.existingBucketName;
  return {
    ...(existing !== undefined ? { existingBucketName: existing } : {}),
    encryption: settings.encryption ?? (settings.kmsKeyArn !== undefined ? 'kms' : 's3'),
    ...(settings.kmsKeyArn !== undefined ? { kmsKeyArn: settings.kmsKeyArn } : {}),
    archiveAfterDays: settings.archiveAfterDays ?? DEFAULT_ARCHIVE_AFTER_DAYS,
    expireAfterDays: settings.expireAfterDays ?? 0,
    noncurrentVersionsExpireAfterDays:
      settings.noncurrentVersionsExpireAfterDays ?? DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS,
    ...(settings.objectLock ? { objectLock: settings.objectLock } : {}),
  };
}

/** `value` if it is a plain object, else an empty one. */
export function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

/** Whether `value` is a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
