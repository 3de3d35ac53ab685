import type { ExportSpec } from '../../functions/core/export/index.js';
import { DATABASE_DEFAULTS, defaultStaleAfterHours } from '../database-settings.js';
import type { Settings } from './database-schema.js';
import {
  DEFAULT_ARCHIVE_AFTER_DAYS,
  DEFAULT_NONCURRENT_VERSIONS_EXPIRE_AFTER_DAYS,
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_TIMEOUT_HOURS,
} from './limits.js';
import type { BucketSettings, NetworkSettings } from './schema.js';
import type { BucketConfig, DatabaseConfig, NetworkConfig, ScheduleConfig } from './types.js';

/** Default schedule: every night at 02:00 UTC. */
export const DEFAULT_SCHEDULE: ScheduleConfig = DATABASE_DEFAULTS.schedule;

export { defaultStaleAfterHours };

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
  const retention = pick('retention');
  return {
    schedule: {
      cron,
      timeZone: database.schedule?.timeZone ?? defaults.schedule?.timeZone ?? DEFAULT_SCHEDULE.timeZone,
    },
    export: exportSpec,
    pollIntervalSeconds: pick('pollIntervalSeconds') ?? DEFAULT_POLL_INTERVAL_SECONDS,
    timeoutHours,
    prefix: pick('prefix') ?? DATABASE_DEFAULTS.prefix,
    acceptCompletedWithErrors:
      pick('acceptCompletedWithErrors') ?? DATABASE_DEFAULTS.acceptCompletedWithErrors,
    onRunningExport: pick('onRunningExport') ?? DATABASE_DEFAULTS.onRunningExport,
    enabled: pick('enabled') ?? DATABASE_DEFAULTS.enabled,
    staleAfterHours:
      pick('staleAfterHours') ?? defaultStaleAfterHours(cron, timeoutHours, new Date().getUTCFullYear()),
    serverCleanup: pick('serverCleanup') ?? DATABASE_DEFAULTS.serverCleanup,
    autonomousDatabase: pick('autonomousDatabase') ?? DATABASE_DEFAULTS.autonomousDatabase,
    ...(retention ? { retention } : {}),
    recordSha256: pick('recordSha256') ?? DATABASE_DEFAULTS.recordSha256,
    consistency: pick('consistency') ?? DATABASE_DEFAULTS.consistency,
    ...(pick('consistentExport') ? { consistentExport: pick('consistentExport')! } : {}),
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
    ...(settings.offsiteCopy ? { offsiteCopy: settings.offsiteCopy } : {}),
  };
}

/** Applies the network defaults. */
export function resolveNetwork(settings: NetworkSettings): NetworkConfig {
  return { ...settings, createVpcEndpoints: settings.createVpcEndpoints ?? false };
}

/** `value` if it is a plain object, else an empty one. */
export function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

/** Whether `value` is a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
