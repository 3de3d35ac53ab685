import { Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdsDatapumpBackup } from '../../infra/index.js';
import { buildConstructApp, type ConstructApp } from '../apps/construct-app.js';
import { nagViolationsOf } from './nag.js';
import {
  type Json,
  logicalIdOf,
  newApp,
  physicalNames,
  stateMachineDefinition,
  type TemplateJson,
} from './synth.js';

describe('a CDK app that embeds OrdsDatapumpBackup', () => {
  let built: ConstructApp;
  let nag: string[];
  let templates: Map<string, TemplateJson>;
  let cleanup: () => void;
  beforeAll(() => {
    const created = newApp();
    cleanup = created.cleanup;
    built = buildConstructApp(created.app);
    templates = new Map(
      created.app.synth().stacks.map((stack) => [stack.stackName, stack.template as TemplateJson]),
    );
    nag = nagViolationsOf(created.app);
  });
  afterAll(() => cleanup());
  const jsonOf = (stack: Stack) => templates.get(stack.stackName)!;

  it('synthesizes with an imported VPC and bucket and has no unacknowledged cdk-nag finding', () => {
    expect(nag).toEqual([]);
  });

  it('stores into the imported bucket and creates none', () => {
    const types = [...templates.values()].flatMap((t) => Object.values(t.Resources).map((r) => r.Type));

    expect(types).not.toContain('AWS::S3::Bucket');
    expect(built.backup.bucket.bucketName).toBe('corp-oracle-backups');
  });

  it('names the state machine, the schedule group and the schedules after the prefix and the databases', () => {
    const main = jsonOf(built.stack);
    const fleet = jsonOf(built.fleetStack);
    const machine = main.Resources[logicalIdOf(built.backup.stateMachine)]!.Properties;
    const schedules = [main, fleet].flatMap((t) =>
      Object.values(t.Resources)
        .filter((r) => r.Type === 'AWS::Scheduler::Schedule')
        .map((r) => r.Properties.Name),
    );

    expect(machine.StateMachineName).toBe('prod-oracle-backup');
    expect(main.Resources[logicalIdOf(built.backup.scheduleGroup.group)]!.Properties.Name).toBe(
      'prod-oracle-backup',
    );
    expect(schedules.sort()).toEqual(['prod-oracle-backup-billing', 'prod-oracle-backup-orders']);
  });

  it('lengthens the default state machine timeout for a database added in another stack', () => {
    // billing, in the fleet stack, may export for 20 hours: 20 + 12 for copying.
    expect(stateMachineDefinition(jsonOf(built.stack)).TimeoutSeconds).toBe(32 * 3600);
  });

  it('tags the resources of the construct and of its slices', () => {
    const fleet = jsonOf(built.fleetStack);
    const role = Object.values(fleet.Resources).find((r) => r.Type === 'AWS::IAM::Role');

    expect(role?.Properties.Tags).toContainEqual({ Key: 'team', Value: 'dba' });
  });
});

describe('two OrdsDatapumpBackup instances in one stack', () => {
  let templates: TemplateJson[];
  let json: TemplateJson;
  let cleanup: () => void;
  beforeAll(() => {
    const created = newApp();
    cleanup = created.cleanup;
    const stack = new Stack(created.app, 'Backups');
    for (const prefix of ['prod-oracle-backup', 'nonprod-oracle-backup']) {
      const backup = new OrdsDatapumpBackup(stack, prefix, { namePrefix: prefix });
      // The same database id in both: only the prefix tells their names and metrics apart.
      backup.addDatabases(stack, `${prefix}-databases`, [
        {
          id: 'orders',
          ordsUrl: 'https://db.example.com/ords/hr/',
          secret: secretOf(stack, prefix),
        },
      ]);
    }
    templates = created.app.synth().stacks.map((s) => s.template as TemplateJson);
    json = templates[0]!;
  });
  afterAll(() => cleanup());

  it('gives every named resource a different physical name', () => {
    const names = physicalNames(templates);

    expect(names.length).toBeGreaterThan(15);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it("puts each instance's prefix in its names", () => {
    const names = physicalNames(templates).join('\n');

    for (const expected of [
      'AWS::StepFunctions::StateMachine "prod-oracle-backup"',
      'AWS::StepFunctions::StateMachine "nonprod-oracle-backup"',
      'AWS::SSM::Parameter "/nonprod-oracle-backup/databases/orders"',
      'AWS::CloudWatch::Alarm "prod-oracle-backup-orders-stale-backup"',
      'AWS::Scheduler::Schedule "nonprod-oracle-backup" "nonprod-oracle-backup-orders"',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it("watches each instance's own metrics: the service dimension is the prefix", () => {
    const services = Object.values(json.Resources)
      .filter(
        (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'HoursSinceLastBackup',
      )
      .map((r) => (r.Properties.Dimensions as Json[]).find((d) => d.Name === 'service').Value);
    const functionServices = new Set(
      Object.values(json.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => r.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME),
    );

    expect(services.sort()).toEqual(['nonprod-oracle-backup', 'prod-oracle-backup']);
    expect(functionServices).toEqual(new Set(['prod-oracle-backup', 'nonprod-oracle-backup']));
  });
});

describe('OrdsDatapumpBackup props', () => {
  it.each([
    ['a prefix with an underscore', 'prod_backup'],
    ['a prefix ending with -', 'prod-'],
    ['a prefix of 32 characters', `p${'x'.repeat(31)}`],
  ])('fails at synth with %s, naming the construct and the value', (_, prefix) => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');

      expect(() => new OrdsDatapumpBackup(stack, 'Backup', { namePrefix: prefix })).toThrow(
        `Test/Backup: namePrefix must be 1 to 31 of letters, digits and -, starting with a letter and not ending with -, got "${prefix}"`,
      );
    } finally {
      cleanup();
    }
  });

  it('fails on an imported bucket with a key of its own: the bucket is imported with its key', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');
      const bucket = Bucket.fromBucketName(stack, 'Existing', 'corp-oracle-backups');
      const encryptionKey = Key.fromKeyArn(
        stack,
        'Key',
        'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      );

      expect(() => new OrdsDatapumpBackup(stack, 'Backup', { bucket, encryptionKey })).toThrow(
        'Test/Backup: bucket is an existing bucket, used as it is: give no encryptionKey with it (import a KMS-encrypted bucket with its key)',
      );
    } finally {
      cleanup();
    }
  });

  it('fails on subnets or security groups without a VPC', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');

      expect(() => new OrdsDatapumpBackup(stack, 'Backup', { vpcEndpoints: true })).toThrow(
        'Test/Backup: vpcSubnets, securityGroups, vpcEndpoints and ordsCidrs need a vpc',
      );
      expect(() => new OrdsDatapumpBackup(stack, 'Narrowed', { ordsCidrs: ['10.0.0.0/8'] })).toThrow(
        'Test/Narrowed: vpcSubnets, securityGroups, vpcEndpoints and ordsCidrs need a vpc',
      );
    } finally {
      cleanup();
    }
  });

  it('fails when a database id is added twice, naming both slices', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');
      const orders = {
        id: 'orders',
        ordsUrl: 'https://db.example.com/ords/hr/',
        secret: secretOf(stack, 'orders'),
      };
      const backup = new OrdsDatapumpBackup(stack, 'Backup', { databases: [orders] });

      expect(() => backup.addDatabases(stack, 'More', [orders])).toThrow(
        'Test/More: database "orders" is already backed up by Test/Backup/Databases; allowed: each id once per OrdsDatapumpBackup',
      );
    } finally {
      cleanup();
    }
  });

  it('fails on a schedule EventBridge Scheduler would refuse, naming the database and the value', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Test');
      const database = {
        id: 'orders',
        ordsUrl: 'https://db.example.com/ords/hr/',
        secret: secretOf(stack, 'orders'),
        schedule: { cron: '0 2 * * *' },
      };

      expect(() => new OrdsDatapumpBackup(stack, 'Backup', { databases: [database] })).toThrow(
        'Test/Backup/Databases: database "orders": schedule.cron "0 2 * * *": it has 5 field(s), not 6',
      );
    } finally {
      cleanup();
    }
  });
});

/** An imported secret for a test database. */
function secretOf(stack: Stack, id: string) {
  return Secret.fromSecretNameV2(stack, `${id}Secret`, `ords/${id}`);
}
