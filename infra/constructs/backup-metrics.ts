import type { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  type BackupMetric,
  METRICS_NAMESPACE,
  MetricDimension,
  SERVICE_NAME,
} from '../../functions/shared/metrics.js';

/** One of the metric names the functions emit (functions/shared/metrics.ts). */
export type BackupMetricName = (typeof BackupMetric)[keyof typeof BackupMetric];

/** How a backup metric is aggregated. */
export interface BackupMetricOptions {
  /** CloudWatch statistic, e.g. `Sum`, `Maximum`, `Average`. */
  readonly statistic: string;
  readonly period: Duration;
  /** Legend label. @default - the metric name */
  readonly label?: string;
  /** The `service` dimension: the deployment's service name. @default 'ords-datapump-backup' */
  readonly service?: string;
}

/**
 * A backup metric of one database, as the functions emit it with Powertools Metrics: namespace
 * `OrdsDatapumpBackup`, dimensions `service` (added by Powertools) and `Database`.
 */
export function backupMetric(name: BackupMetricName, database: string, options: BackupMetricOptions): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: {
      [MetricDimension.Service]: options.service ?? SERVICE_NAME,
      [MetricDimension.Database]: database,
    },
    statistic: options.statistic,
    period: options.period,
    ...(options.label ? { label: options.label } : {}),
  });
}
