import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupDashboards } from '../../infra/constructs/backup-dashboards.js';
import type { OrdsDatapumpBackupDatabases } from '../../infra/ords-datapump-backup-databases.js';
import { configOf, type Json, logicalIdOf, type Synthesized, synthesize } from './synth.js';

const DATABASES = Array.from({ length: 120 }, (_, index) => ({
  id: `db-${String(index + 1).padStart(3, '0')}`,
  ordsUrl: `https://db${index + 1}.example.com/ords/hr/`,
  secret: `prod/ords/db-${index + 1}`,
  ...(index === 1 ? { enabled: false } : {}),
}));

/** A dashboard's body with the region reference replaced, parsed. */
function bodyOf(resource: Json): { widgets: Json[] } {
  const [, parts] = resource.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'eu-central-1')).join(''));
}

/** A metric widget's first metric (`[namespace, name, …dimensions, options]`), past any math expression. */
function firstMetricOf(widget: Json): Json[] {
  return (widget.properties.metrics as Json[][]).find((entry) => typeof entry[0] === 'string')!;
}

/** The database each metric widget shows. */
function databasesOf(widgets: Json[]): string[] {
  return [
    ...new Set(
      widgets
        .filter((widget) => widget.type === 'metric')
        .map((widget) => firstMetricOf(widget)[3] as string),
    ),
  ];
}

describe('BackupDashboards', () => {
  let synthesized: Synthesized;
  let stack: OrdsDatapumpBackupDatabases;
  let dashboards: Array<{ name: Json; widgets: Json[] }>;
  beforeAll(() => {
    synthesized = synthesize(configOf({ databasesPerStack: 120, databases: DATABASES }));
    stack = synthesized.built.databaseSlices[0]!;
    dashboards = stack.dashboards.dashboards.map((dashboard) => {
      const resource = synthesized.jsonOf(stack).Resources[logicalIdOf(dashboard)]!;
      return { name: resource.Properties.DashboardName, widgets: bodyOf(resource).widgets };
    });
  });
  afterAll(() => synthesized.cleanup());

  it('splits the enabled databases into dashboards of 50 rows, in configuration order', () => {
    const enabled = DATABASES.filter((database) => database.enabled !== false).map((database) => database.id);

    expect(dashboards.map(({ widgets }) => databasesOf(widgets).length)).toEqual([50, 50, 19]);
    expect(dashboards.flatMap(({ widgets }) => databasesOf(widgets))).toEqual(enabled);
  });

  it('stays within the 500 widgets CloudWatch allows per dashboard', () => {
    for (const { widgets } of dashboards) expect(widgets.length).toBeLessThanOrEqual(500);
  });

  it('shows one row per database: last result, duration, bytes stored and throughput', () => {
    const row = dashboards[0]!.widgets.filter(
      (widget) => widget.type === 'metric' && firstMetricOf(widget)[3] === 'db-001',
    );

    expect(row.map((widget) => [widget.properties.view, firstMetricOf(widget)[1]])).toEqual([
      ['singleValue', 'BackupSucceeded'],
      ['timeSeries', 'DurationSeconds'],
      ['timeSeries', 'BytesStored'],
      ['timeSeries', 'CopyThroughput'],
    ]);
    expect(new Set(row.map((widget) => widget.y)).size).toBe(1);
    expect(row.reduce((sum, widget) => sum + widget.width, 0)).toBe(24);
    expect(row[0].properties.metrics[0]).toEqual([
      'OrdsDatapumpBackup',
      'BackupSucceeded',
      'Database',
      'db-001',
      'service',
      'ords-datapump-backup',
      expect.objectContaining({ stat: 'Maximum', period: 3600 }),
    ]);
  });

  it('shows the copy throughput in MiB/s, converted from the MB/s metric', () => {
    const throughput = dashboards[0]!.widgets.find(
      (widget) => widget.type === 'metric' && firstMetricOf(widget)[1] === 'CopyThroughput',
    )!;

    expect(throughput.properties.title).toBe('db-001: copy throughput (MiB/s)');
    expect(throughput.properties.metrics[0]).toEqual([
      expect.objectContaining({ expression: 'mbps * 1000000 / 1048576', label: 'MiB/s' }),
    ]);
    expect(firstMetricOf(throughput).at(-1)).toMatchObject({ id: 'mbps', visible: false });
  });

  it('names each dashboard after the name prefix, the region and its first database', () => {
    const enabled = DATABASES.filter((database) => database.enabled !== false).map((database) => database.id);

    expect(dashboards.map(({ name }) => name)).toEqual(
      [0, 50, 100].map((first) => ({
        'Fn::Join': ['', ['ords-datapump-backup-', { Ref: 'AWS::Region' }, `-${enabled[first]}`]],
      })),
    );
  });

  it('fails with more rows per dashboard than 500 widgets hold', () => {
    const scope = new Stack(new App(), 'Test');

    expect(
      () =>
        new BackupDashboards(scope, 'Dashboards', {
          databaseIds: ['orders'],
          databasesPerDashboard: 125,
        }),
    ).toThrow(
      'Test/Dashboards: databasesPerDashboard must be a whole number from 1 to 124 (CloudWatch allows 500 widgets per dashboard), got 125',
    );
  });
});

describe('BackupDashboards with ORDS origins', () => {
  it('groups the rows by origin, origins in order of first appearance, and names the origins in each header', () => {
    const stack = new Stack(new App(), 'Dashboards');
    const a = 'https://a.example.com';
    const b = 'https://b.example.com:8443';
    const dashboards = new BackupDashboards(stack, 'Dashboards', {
      databaseIds: ['b1', 'a1', 'b2', 'a2', 'b3'],
      origins: { b1: b, a1: a, b2: b, a2: a, b3: b },
      databasesPerDashboard: 3,
    });
    const json = Stack.of(dashboards).resolve(
      dashboards.dashboards.map((dashboard) => (dashboard.node.defaultChild as Json).dashboardBody),
    ) as Json[];
    const bodies = json.map((body) =>
      JSON.parse(
        (body['Fn::Join'][1] as unknown[])
          .map((part) => (typeof part === 'string' ? part : 'eu-central-1'))
          .join(''),
      ),
    );

    expect(bodies.map((body) => databasesOf(body.widgets))).toEqual([
      ['b1', 'b2', 'b3'],
      ['a1', 'a2'],
    ]);
    expect(bodies[0].widgets[0].properties.markdown).toContain(`ORDS: ${b}\n`);
    expect(bodies[1].widgets[0].properties.markdown).toContain(`ORDS: ${a}\n`);
  });
});
