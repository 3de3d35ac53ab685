import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BackupSummary } from '../core/state/index.js';

/**
 * The backup metrics, emitted as CloudWatch embedded metric format (EMF) log lines by Powertools
 * Metrics. The names below are the contract with the alarms and dashboards in infra/, which import
 * them from here. Handlers only.
 */

/** CloudWatch namespace (the functions get it as POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'OrdsDatapumpBackup';

/** Service name: Powertools adds it to every metric as the dimension `service`. */
export const SERVICE_NAME = 'ords-datapump-backup';

/** The dimensions of every backup metric. */
export const MetricDimension = { Service: 'service', Database: 'Database' } as const;

/** The metric names. */
export const BackupMetric = {
  /** 1 for a backup that counts as a success, 0 for a failed, timed-out or aborted execution. */
  Succeeded: 'BackupSucceeded',
  /** Bytes of all files stored by the backup (Bytes). */
  BytesStored: 'BytesStored',
  /** From starting the export to writing the manifest (Seconds). */
  DurationSeconds: 'DurationSeconds',
  /** Bytes copied per second of the copy phase (Megabytes/Second, 10^6 bytes). */
  CopyThroughput: 'CopyThroughput',
  /** Files stored: dump files and the log (Count). */
  FilesStored: 'FilesStored',
  /**
   * Hours since the database's last verified backup (or since its binding, when none ran yet),
   * published hourly by the backup-age check (no unit: CloudWatch has none for hours).
   */
  HoursSinceLastBackup: 'HoursSinceLastBackup',
  /** 1 when a run could not remove its files or control table from the database server, else 0 (Count). */
  ServerCleanupFailed: 'ServerCleanupFailed',
  /** 1 for a restore drill that imported the dump and dropped its schema, 0 for a failed one (Count). */
  RestoreDrillSucceeded: 'RestoreDrillSucceeded',
  /**
   * Hours since the database's last successful restore drill (or since its binding, when none
   * succeeded yet), published hourly for databases with a drill (no unit).
   */
  HoursSinceLastRestoreDrill: 'HoursSinceLastRestoreDrill',
  /** 1 when a run's objects failed to replicate off-site or lagged past the limit, 0 once proved (Count). */
  OffsiteCopyFailed: 'OffsiteCopyFailed',
  /**
   * 1 when a run of a database set to `auto` fell back to the per-table ORDS export POST (ORDS refused
   * the point-in-time job's files, now or in its recorded probe), 0 when it took the point-in-time path
   * (Count).
   */
  ConsistencyDowngraded: 'ConsistencyDowngraded',
} as const;

const BYTES_PER_MIB = 1024 * 1024;
const BYTES_PER_MB = 1_000_000;

let metrics: Metrics | undefined;

/**
 * The Metrics instance, created on first use so that the environment (POWERTOOLS_METRICS_DISABLED,
 * set by the local runner) is read when the first metric is recorded.
 */
function backupMetrics(): Metrics {
  metrics ??= new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
  return metrics;
}

/**
 * Records a stored backup. `succeeded` says whether it counts as a success (an export that
 * completed with errors counts only when the configuration accepts that).
 */
export function recordBackupStored(summary: BackupSummary, succeeded: boolean): void {
  const m = backupMetrics();
  m.addDimension(MetricDimension.Database, summary.database);
  m.addMetric(BackupMetric.Succeeded, MetricUnit.Count, succeeded ? 1 : 0);
  m.addMetric(BackupMetric.BytesStored, MetricUnit.Bytes, summary.totalBytes);
  m.addMetric(BackupMetric.DurationSeconds, MetricUnit.Seconds, summary.durationSeconds);
  // The summary says MiB/s (as the console shows it); CloudWatch's unit is megabytes (10^6 bytes).
  const megabytesPerSecond = (summary.throughputMiBps * BYTES_PER_MIB) / BYTES_PER_MB;
  m.addMetric(
    BackupMetric.CopyThroughput,
    MetricUnit.MegabytesPerSecond,
    Math.round(megabytesPerSecond * 10) / 10,
  );
  m.addMetric(BackupMetric.FilesStored, MetricUnit.Count, summary.files.length);
  m.publishStoredMetrics();
}

/** Records a backup that failed, timed out or was aborted. */
export function recordBackupFailed(database: string): void {
  const m = backupMetrics();
  m.addDimension(MetricDimension.Database, database);
  m.addMetric(BackupMetric.Succeeded, MetricUnit.Count, 0);
  m.publishStoredMetrics();
}

/** Records how many hours ago the database's last verified backup finished. */
export function recordBackupAge(database: string, hours: number): void {
  const m = backupMetrics();
  m.addDimension(MetricDimension.Database, database);
  m.addMetric(BackupMetric.HoursSinceLastBackup, MetricUnit.NoUnit, hours);
  m.publishStoredMetrics();
}

/**
 * Records whether a run's server cleanup failed (files or control table left on the server), per
 * database: the database's cleanup alarm watches it.
 */
export function recordServerCleanup(database: string, failed: boolean): void {
  const m = backupMetrics();
  m.addDimension(MetricDimension.Database, database);
  m.addMetric(BackupMetric.ServerCleanupFailed, MetricUnit.Count, failed ? 1 : 0);
  m.publishStoredMetrics();
}

/** Records whether a run's off-site copy failed (1) or was proved (0). */
export function recordOffsiteCopy(database: string, failed: boolean): void {
  const m = backupMetrics();
  m.addDimension(MetricDimension.Database, database);
  m.addMetric(BackupMetric.OffsiteCopyFailed, MetricUnit.Count, failed ? 1 : 0);
  m.publishStoredMetrics();
}

/** Records whether a run's consistency was downgraded to per-table (1) or is point-in-time (0). */
export function recordConsistency(database: string, downgraded: boolean): void {
  const m = backupMetrics();
  m.addDimension(MetricDimension.Database, database);
  m.addMetric(BackupMetric.ConsistencyDowngraded, MetricUnit.Count, downgraded ? 1 : 0);
  m.publishStoredMetrics();
}

/** Records how a restore drill ended. */
export function recordRestoreDrillMetric(database: string, succeeded: boolean): void {
  const m = backupMetrics();
  m.addDimension(MetricDimension.Database, database);
  m.addMetric(BackupMetric.RestoreDrillSucceeded, MetricUnit.Count, succeeded ? 1 : 0);
  m.publishStoredMetrics();
}

/** Records how many hours ago the database's last restore drill succeeded. */
export function recordRestoreDrillAge(database: string, hours: number): void {
  const m = backupMetrics();
  m.addDimension(MetricDimension.Database, database);
  m.addMetric(BackupMetric.HoursSinceLastRestoreDrill, MetricUnit.NoUnit, hours);
  m.publishStoredMetrics();
}
