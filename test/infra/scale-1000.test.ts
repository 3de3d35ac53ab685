import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WINDOW_INPUT_CHARS } from '../../infra/constructs/window-launcher.js';
import {
  LAMBDA_ENVIRONMENT_MAX_BYTES,
  LAYER_UNZIPPED_MAX_BYTES,
  MAX_OUTPUTS_PER_STACK,
  MAX_PARAMETERS_PER_STACK,
  MAX_RESOURCES_PER_STACK,
  MAX_TEMPLATE_BYTES,
  STATE_MACHINE_DEFINITION_MAX_BYTES,
  type StackTemplate,
  stackLimitProblems,
  templatesOf,
} from '../../infra/stack-limits.js';
import { configOf, type Synthesized, synthesize } from './synth.js';

/**
 * A fleet of 1,000 databases over 20 ORDS origins (50 each, on ports 8443 and 443), half of them in
 * one of two night windows, with long ids, schema lists and secret names; every twentieth has a
 * restore drill, every tenth is disabled, every seventh names its secret by complete ARN.
 */
function fleet(count: number) {
  return Array.from({ length: count }, (_, index) => {
    const n = index + 1;
    const origin = index % 20;
    const name = `production/oracle/ords/fleet-backup-db-${n}`;
    return {
      id: `customer-db-${String(n).padStart(4, '0')}-production`,
      ordsUrl: `https://ords-${origin}.databases.corp.example.com${origin % 2 ? '' : ':8443'}/ords/pdb${n}/backup_user/`,
      secret: n % 7 === 0 ? `arn:aws:secretsmanager:eu-central-1:123456789012:secret:${name}-AbC123` : name,
      export: { jobMode: 'SCHEMA', schemas: ['HR', 'SALES', 'FINANCE', 'INVENTORY'], threads: 2 },
      ...(n % 2 === 0
        ? { window: { start: n % 4 === 0 ? '01:00' : '22:30', hours: 6, timeZone: 'Europe/Berlin' } }
        : {}),
      ...(n % 20 === 0
        ? { restoreDrill: { schedule: { cron: '0 10 ? * SAT *' }, targetSchema: 'hr_drill' } }
        : {}),
      ...(n % 10 === 0 ? { enabled: false } : {}),
    };
  });
}

/** Files and bytes under a directory. */
function directoryBytes(directory: string): number {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

describe('1,000 databases over 20 ORDS origins, half in night windows', () => {
  let synthesized: Synthesized;
  let templates: StackTemplate[];
  // About 25 s alone on this project's 2-core machines; the hook allows for a busy machine.
  beforeAll(() => {
    synthesized = synthesize(configOf({ databases: fleet(1000) }));
    templates = templatesOf(synthesized.app.synth());
  }, 300_000);
  afterAll(() => synthesized?.cleanup());

  it('splits into 10 database stacks and passes every limit check the app runs at synth', () => {
    expect(synthesized.built.databaseStacks).toHaveLength(10);
    expect(stackLimitProblems(templates)).toEqual([]);
  });

  it('keeps every stack under CloudFormation limits: resources, template size, outputs, parameters', () => {
    for (const { stackName, template, bytes } of templates) {
      expect(Object.keys(template.Resources ?? {}).length, stackName).toBeLessThan(MAX_RESOURCES_PER_STACK);
      expect(bytes, stackName).toBeLessThan(MAX_TEMPLATE_BYTES);
      expect(Object.keys(template.Outputs ?? {}).length, stackName).toBeLessThanOrEqual(
        MAX_OUTPUTS_PER_STACK,
      );
      expect(Object.keys(template.Parameters ?? {}).length, stackName).toBeLessThanOrEqual(
        MAX_PARAMETERS_PER_STACK,
      );
    }
  });

  it('keeps the state machine definition under 1 MB and every function environment under 4 KB', () => {
    const resources = templates.flatMap(({ template }) => Object.values(template.Resources ?? {}));
    const machines = resources.filter((resource) => resource.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThan(0);
    for (const machine of machines) {
      expect(JSON.stringify(machine.Properties?.DefinitionString).length).toBeLessThan(
        STATE_MACHINE_DEFINITION_MAX_BYTES / 2,
      );
    }
    const functions = resources.filter((resource) => resource.Type === 'AWS::Lambda::Function');
    for (const fn of functions) {
      const variables = (fn.Properties?.Environment as { Variables?: object } | undefined)?.Variables ?? {};
      expect(JSON.stringify(variables).length).toBeLessThan(LAMBDA_ENVIRONMENT_MAX_BYTES / 2);
    }
  });

  it('gives the two windows one schedule each, naming their 400 enabled databases within the input limit', () => {
    const schedules = templates
      .flatMap(({ template }) => Object.values(template.Resources ?? {}))
      .filter((resource) => resource.Type === 'AWS::Scheduler::Schedule')
      .map((resource) => resource.Properties as { Name: string; Target: { Input: string } });
    const windows = schedules.filter((schedule) => schedule.Name.includes('-window_'));

    expect(windows).toHaveLength(2);
    expect(schedules).toHaveLength(2 + 500);
    const named = windows.flatMap((schedule) => JSON.parse(schedule.Target.Input).databases as string[]);
    expect(new Set(named).size).toBe(400);
    for (const schedule of windows) expect(schedule.Target.Input.length).toBeLessThan(MAX_WINDOW_INPUT_CHARS);
  });

  it('shows the fleet on dashboards of at most 50 databases, grouped by ORDS origin, within CloudWatch limits', () => {
    const bodies = templates
      .flatMap(({ template }) => Object.values(template.Resources ?? {}))
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard')
      .map((resource) => {
        const [, parts] = (resource.Properties!.DashboardBody as { 'Fn::Join': [string, unknown[]] })[
          'Fn::Join'
        ];
        return JSON.parse(
          parts.map((part) => (typeof part === 'string' ? part : 'eu-central-1')).join(''),
        ) as {
          widgets: Array<{ type: string; properties: { metrics?: unknown[][]; markdown?: string } }>;
        };
      });
    const origins = (ids: readonly string[]) => ids.map((id) => Number(id.slice(12, 16)) % 20);

    expect(bodies).toHaveLength(20);
    for (const body of bodies) {
      const metrics = body.widgets.flatMap((widget) => widget.properties.metrics ?? []);
      const ids = [
        ...new Set(metrics.map((metric) => metric[3]).filter((id) => typeof id === 'string')),
      ] as string[];
      // CloudWatch: 500 widgets per dashboard, and (in its older quotas) 500 metrics per dashboard.
      expect(body.widgets.length).toBeLessThanOrEqual(500);
      expect(metrics.length).toBeLessThanOrEqual(500);
      expect(ids.length).toBeLessThanOrEqual(50);
      // Each origin's rows are together: the origin changes at most once per origin on the page.
      const sequence = origins(ids);
      const changes = sequence.filter((origin, index) => index > 0 && origin !== sequence[index - 1]).length;
      expect(changes).toBe(new Set(sequence).size - 1);
      expect(body.widgets[0]!.properties.markdown).toMatch(/ORDS: https:\/\/ords-/);
    }
  });

  it('keeps the binding pins layer far below the layer size limit', () => {
    const pins = readdirSync(synthesized.outdir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name.startsWith('asset.'))
      .map((entry) => join(synthesized.outdir, entry.name))
      .filter((directory) => {
        try {
          return (
            readFileSync(join(directory, 'ords-datapump-backup', 'binding-pins.json'), 'utf8').length > 0
          );
        } catch {
          return false;
        }
      });

    expect(pins).toHaveLength(1);
    expect(directoryBytes(pins[0]!)).toBeLessThan(LAYER_UNZIPPED_MAX_BYTES / 100);
  });
});

describe('the service limit checks', () => {
  it('fail for a definition over 1 MB, an environment over 4 KB and over 200 parameters, naming each', () => {
    const parameters = Object.fromEntries(
      Array.from({ length: 201 }, (_, index) => [`P${index}`, { Type: 'String' }]),
    );
    const template = {
      Parameters: parameters,
      Resources: {
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: { 'Fn::Join': ['', ['x'.repeat(1_048_400), { Ref: 'Fn' }]] } },
        },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: { BIG: 'x'.repeat(3900), ARN: { Ref: 'Queue' } } } },
        },
      },
    };

    expect(stackLimitProblems([{ stackName: 'Big', template, bytes: 1_000 }])).toEqual([
      'stack Big has 201 parameters; CloudFormation allows 200',
      'stack Big: state machine Machine has a definition of up to 1048656 bytes; Step Functions allows 1048576',
      'stack Big: function Fn has up to 4162 bytes of environment; Lambda allows 4096',
    ]);
  });
});
