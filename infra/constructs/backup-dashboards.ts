import { Aws, Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IWidget,
  MathExpression,
  SingleValueWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { BackupMetric, SERVICE_NAME } from '../../functions/shared/metrics.js';
import { backupMetric } from './backup-metrics.js';

const BYTES_PER_MB = 1_000_000;
const BYTES_PER_MIB = 1024 * 1024;

/**
 * Widgets of one database's row: last result, duration, bytes stored, throughput. With the header
 * text widget a dashboard holds `1 + 4 × databasesPerDashboard` widgets and `4 ×
 * databasesPerDashboard` metrics; CloudWatch allows 500 widgets per dashboard (and, in its older
 * quotas, 500 metrics per dashboard): https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
 */
export const WIDGETS_PER_DATABASE = 4;

/** Most widgets CloudWatch accepts on one dashboard. */
export const MAX_WIDGETS_PER_DASHBOARD = 500;

/** Most databases one dashboard may show: 124 rows of 4 widgets and the header fit in 500. */
export const MAX_DATABASES_PER_DASHBOARD = Math.floor((MAX_WIDGETS_PER_DASHBOARD - 1) / WIDGETS_PER_DATABASE);

/** Properties of `BackupDashboards`. */
export interface BackupDashboardsProps {
  /** The ids of the databases that get a row, in order. */
  readonly databaseIds: readonly string[];
  /**
   * Name prefix of the dashboards (`<prefix>-<region>-<first database>`) and the service name of
   * their metrics.
   * @default 'ords-datapump-backup'
   */
  readonly namePrefix?: string;
  /**
   * Rows per dashboard: the enabled databases fill dashboards of this many rows, in order.
   * At most 124 (CloudWatch's 500 widgets per dashboard).
   * @default 50
   */
  readonly databasesPerDashboard?: number;
  /**
   * The ORDS origin (`https://host[:port]`) of each database, by id. Given, the rows are grouped by
   * origin (origins in the order they first appear, databases in the order given within each) before
   * they are split into dashboards, and each dashboard's header names its origins: a fleet's
   * dashboards read by ORDS host.
   * @default - the rows in the order given
   */
  readonly origins?: Readonly<Record<string, string>>;
  /**
   * Time range the dashboards open with.
   * @default Duration.days(35)
   */
  readonly defaultInterval?: Duration;
}

/**
 * CloudWatch dashboards with one row per database: the last result (BackupSucceeded, 1 or 0), the
 * duration, the bytes stored and the copy throughput of its backups. The rows are split into
 * dashboards of `databasesPerDashboard` in order, named `<prefix>-<region>-<first database id>`
 * (dashboards are global to the account, so the region is part of the name).
 */
export class BackupDashboards extends Construct {
  /** The dashboards, in order. */
  readonly dashboards: readonly Dashboard[];

  constructor(scope: Construct, id: string, props: BackupDashboardsProps) {
    super(scope, id);
    const perDashboard = props.databasesPerDashboard ?? 50;
    const defaultInterval = props.defaultInterval ?? Duration.days(35);

    if (!Number.isInteger(perDashboard) || perDashboard < 1 || perDashboard > MAX_DATABASES_PER_DASHBOARD) {
      throw new Error(
        `${this.node.path}: databasesPerDashboard must be a whole number from 1 to ${MAX_DATABASES_PER_DASHBOARD} ` +
          `(CloudWatch allows ${MAX_WIDGETS_PER_DASHBOARD} widgets per dashboard), got ${perDashboard}`,
      );
    }

    const namePrefix = props.namePrefix ?? SERVICE_NAME;
    const ids = props.origins ? groupedByOrigin(props.databaseIds, props.origins) : props.databaseIds;
    const dashboards: Dashboard[] = [];
    for (let start = 0; start < ids.length; start += perDashboard) {
      const rows = ids.slice(start, start + perDashboard);
      const number = dashboards.length + 1;
      const dashboard = new Dashboard(this, `Dashboard${number}`, {
        dashboardName: `${namePrefix}-${Aws.REGION}-${rows[0]}`,
        defaultInterval,
        widgets: [
          [
            new TextWidget({
              markdown:
                `# ${namePrefix}: ${rows.join(', ')}\n` +
                originsLine(rows, props.origins) +
                'One row per database: the last result (1 = succeeded, 0 = failed, timed out or aborted), ' +
                'how long each backup took, the bytes it stored and its copy throughput.',
              width: 24,
              height: 2,
            }),
          ],
          ...rows.map((row) => databaseRow(row, namePrefix)),
        ],
      });
      dashboards.push(dashboard);
    }
    this.dashboards = dashboards;
  }
}

/** The ids grouped by origin, origins in the order they first appear (stable within an origin). */
function groupedByOrigin(ids: readonly string[], origins: Readonly<Record<string, string>>): string[] {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const origin = origins[id] ?? '';
    groups.set(origin, [...(groups.get(origin) ?? []), id]);
  }
  return [...groups.values()].flat();
}

/** The header line naming the ORDS origins of a dashboard's rows, or nothing without origins. */
function originsLine(rows: readonly string[], origins: Readonly<Record<string, string>> | undefined): string {
  if (!origins) return '';
  const names = [...new Set(rows.map((row) => origins[row]).filter((origin) => origin !== undefined))];
  return `ORDS: ${names.join(', ')}\n\n`;
}

/** The four widgets of one database. */
function databaseRow(id: string, service: string): IWidget[] {
  const daily = { period: Duration.days(1), service };
  return [
    new SingleValueWidget({
      title: `${id}: last result`,
      metrics: [
        backupMetric(BackupMetric.Succeeded, id, {
          statistic: Stats.MAXIMUM,
          period: Duration.hours(1),
          label: '1 = succeeded',
          service,
        }),
      ],
      width: 6,
      height: 5,
    }),
    new GraphWidget({
      title: `${id}: duration (s)`,
      left: [backupMetric(BackupMetric.DurationSeconds, id, { statistic: Stats.MAXIMUM, ...daily })],
      leftYAxis: { min: 0, showUnits: false },
      width: 6,
      height: 5,
    }),
    new GraphWidget({
      title: `${id}: bytes stored`,
      left: [backupMetric(BackupMetric.BytesStored, id, { statistic: Stats.MAXIMUM, ...daily })],
      leftYAxis: { min: 0 },
      width: 6,
      height: 5,
    }),
    new GraphWidget({
      title: `${id}: copy throughput (MiB/s)`,
      left: [
        // The metric is in CloudWatch's MB/s (10^6 bytes); the console and the manifest say MiB/s.
        new MathExpression({
          expression: `mbps * ${BYTES_PER_MB} / ${BYTES_PER_MIB}`,
          usingMetrics: {
            mbps: backupMetric(BackupMetric.CopyThroughput, id, { statistic: Stats.AVERAGE, ...daily }),
          },
          label: 'MiB/s',
          period: daily.period,
        }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      width: 6,
      height: 5,
    }),
  ];
}
