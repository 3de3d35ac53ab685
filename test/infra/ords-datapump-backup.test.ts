import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { databasePropsOf } from '../../infra/config-to-props.js';
import { OrdsDatapumpBackup } from '../../infra/ords-datapump-backup.js';
import {
  actionsOf,
  configOf,
  exampleConfig,
  logicalIdOf,
  newApp,
  PROJECT_ROOT,
  resourcesOf,
  roleOfFunction,
  type Statement,
  type Synthesized,
  stateMachineDefinition,
  statementsOfRole,
  synthesize,
  type TemplateJson,
} from './synth.js';

const ORDERS = { id: 'orders', ordsUrl: 'https://db.example.com/ords/hr/', secret: 'prod/ords/orders' };

/** Every IAM role of the template with the secrets it may read (its own policies and inline ones). */
function secretReaders(json: TemplateJson): Map<string, unknown[]> {
  const readers = new Map<string, unknown[]>();
  for (const [id, resource] of Object.entries(json.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const inline = (
      (resource.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>
    ).flatMap((policy) => policy.PolicyDocument.Statement);
    const secrets = [...statementsOfRole(json, id), ...inline]
      .filter((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'))
      .flatMap(resourcesOf);
    if (secrets.length > 0) readers.set(id, secrets);
  }
  return readers;
}

/** Violations cdk-nag's AwsSolutions and Serverless packs report for the app, as readable lines. */
function nagViolations(synthesized: Synthesized): string[] {
  const { app } = synthesized;
  return [new AwsSolutionsChecks(app), new ServerlessChecks(app)].flatMap((pack) =>
    pack
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
      ),
  );
}

describe('OrdsDatapumpBackup in the JSON app', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
  });
  afterAll(() => synthesized.cleanup());

  it('lets only the secret reader role read secrets, and only the eight functions that call ORDS assume it', () => {
    const { json, built, jsonOf } = synthesized;
    const { functions } = built.backup;
    const callers = [
      functions.startExport,
      functions.readJob,
      functions.readLog,
      functions.copyFile,
      functions.cleanUpServer,
      functions.doctor,
      functions.restoreDrill,
      functions.restore,
    ].map((fn) => roleOfFunction(json, logicalIdOf(fn)));
    const reader = logicalIdOf(functions.secretReader.role);
    const assumers = Object.entries(json.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
      .filter(([id]) => statementsOfRole(json, id).some((s) => actionsOf(s).includes('sts:AssumeRole')))
      .map(([id]) => id);

    expect([...secretReaders(json).keys()]).toEqual([reader]);
    expect(assumers.sort()).toEqual([...callers].sort());
    // Whatever the number of databases, their stacks hold no secret grant.
    for (const stack of built.databaseStacks) {
      const types = Object.values(jsonOf(stack).Resources).map((resource) => resource.Type);
      expect(types).not.toContain('AWS::IAM::ManagedPolicy');
      expect(secretReaders(jsonOf(stack)).size).toBe(0);
    }
  });

  // Changed on purpose: "Read job" and "Read log" touch the ORDS slots (a redriven step holds them again).
  it("lets no role other than the copy, manifest, start-export, read-job, read-log, cleanup, drill, drill record, restore, doctor and backup-age functions' touch the bucket", () => {
    const { json, built } = synthesized;
    const {
      readJob,
      readLog,
      copyFile,
      writeManifest,
      startExport,
      cleanUpServer,
      recordRestoreDrill,
      restoreDrill,
      restore,
      doctor,
    } = built.backup.functions;
    const allowed = [
      readJob,
      readLog,
      copyFile,
      writeManifest,
      startExport,
      cleanUpServer,
      recordRestoreDrill,
      restoreDrill,
      restore,
      doctor,
      built.backup.backupAge.function,
    ].map((fn) => roleOfFunction(json, logicalIdOf(fn)));
    const s3Users = Object.entries(json.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
      .filter(([id]) => statementsOfRole(json, id).some((s) => actionsOf(s).some((a) => a.startsWith('s3:'))))
      .map(([id]) => id);

    expect(s3Users.sort()).toEqual(allowed.sort());
  });

  it('lets the start-export function write only the run lock and ORDS slot objects and the probe record, and read the drill and last-backup records', () => {
    const { json, built } = synthesized;
    const role = roleOfFunction(json, logicalIdOf(built.backup.functions.startExport));
    const s3Statements = statementsOfRole(json, role).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:')),
    );
    const writing = s3Statements.filter((s) => actionsOf(s).includes('s3:PutObject')).flatMap(resourcesOf);
    const reading = s3Statements.filter((s) => !actionsOf(s).includes('s3:PutObject')).flatMap(resourcesOf);
    const bucketArn = { 'Fn::GetAtt': [logicalIdOf(built.backup.bucket), 'Arn'] };

    expect(writing.length).toBeGreaterThan(0);
    for (const resource of writing) {
      expect(JSON.stringify(resource)).toMatch(
        /\/\*_locks\/\*\.json|\/_slots\/\*|\/\*\/consistency-probe\.json/,
      );
    }
    // Under the deployment's key prefix (the example's databases store under oracle/), issue 18,
    // the ORDS slots too (issue 25).
    expect(reading).toEqual([
      // The dump file size of a point-in-time run grows with the last backup's totalBytes (issue 24).
      { 'Fn::Join': ['', [bucketArn, '/oracle/*/last-backup.json']] },
      { 'Fn::Join': ['', [bucketArn, '/oracle/*/last-restore-drill.json']] },
      bucketArn,
    ]);
    expect(writing).toContainEqual({ 'Fn::Join': ['', [bucketArn, '/oracle/_slots/*']] });
  });

  // Changed on purpose (ListBucket narrowing): the records are read, and the bucket listed, under the
  // deployment's key prefix (oracle/ in the example) only, no longer under any folder of the bucket.
  it('lets the backup-age check only read last-backup.json and last-restore-drill.json records and list the bucket, under the key prefix', () => {
    const { json, built } = synthesized;
    const role = roleOfFunction(json, logicalIdOf(built.backup.backupAge.function));
    const s3Statements = statementsOfRole(json, role).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:')),
    );
    const bucketArn = { 'Fn::GetAtt': [logicalIdOf(built.backup.bucket), 'Arn'] };

    expect(new Set(s3Statements.flatMap(actionsOf))).toEqual(new Set(['s3:GetObject', 's3:ListBucket']));
    expect(s3Statements.flatMap(resourcesOf)).toEqual(
      expect.arrayContaining([
        bucketArn,
        { 'Fn::Join': ['', [bucketArn, '/oracle/*/last-backup.json']] },
        { 'Fn::Join': ['', [bucketArn, '/oracle/*/last-restore-drill.json']] },
      ]),
    );
    expect(s3Statements.flatMap(resourcesOf)).toHaveLength(3);
    const lists = s3Statements.filter((s) => actionsOf(s).includes('s3:ListBucket'));
    expect(lists.map((s) => s.Condition)).toEqual([{ StringLike: { 's3:prefix': ['oracle/*'] } }]);
  });

  it('gives the state machine a 24-hour timeout when no export needs longer', () => {
    const config = configOf({ databases: [ORDERS] });
    const { app, cleanup } = newApp();
    try {
      const { main } = buildApp(app, config);
      const json = app.synth().getStackByName(main.stackName).template;

      expect(stateMachineDefinition(json).TimeoutSeconds).toBe(24 * 3600);
    } finally {
      cleanup();
    }
  });

  it('lengthens the state machine timeout to the longest need of the example databases', () => {
    // warehouse may export for 20 hours (20 + 12 for copying); orders drills on Sundays with the
    // default 12-hour timeout (12 + 12 for copying + 12 for the import).
    expect(stateMachineDefinition(synthesized.json).TimeoutSeconds).toBe(36 * 3600);
  });

  it("leaves room for the restore drill's import: the export timeout twice plus 12 hours", () => {
    // GIVEN a database that exports for up to 10 hours and drills on Sundays
    const drill = { schedule: { cron: '0 2 ? * SUN *' }, targetSchema: 'HR_DRILL', schema: 'HR' };
    const config = configOf({ databases: [{ ...ORDERS, timeoutHours: 10, restoreDrill: drill }] });
    const { app, cleanup } = newApp();
    try {
      // WHEN it synthesizes with the default timeout
      const { main } = buildApp(app, config);
      const json = app.synth().getStackByName(main.stackName).template;

      // THEN a drill night fits: 10 h export, 12 h copying, 10 h import
      expect(stateMachineDefinition(json).TimeoutSeconds).toBe(32 * 3600);
    } finally {
      cleanup();
    }
  });

  it('fails when a drilled database does not fit in an explicit state machine timeout', () => {
    const drill = { schedule: { cron: '0 2 ? * SUN *' }, targetSchema: 'HR_DRILL', schema: 'HR' };
    const config = configOf({ databases: [{ ...ORDERS, timeoutHours: 10, restoreDrill: drill }] });
    const { app, cleanup } = newApp();
    try {
      expect(() => {
        const stack = new Stack(app, 'Test');
        new OrdsDatapumpBackup(stack, 'Backup', {
          stateMachineTimeout: Duration.hours(24),
          databases: databasePropsOf(stack, config.databases),
        });
      }).toThrow(
        'Test/Backup/Databases: database "orders": timeout is 10 hours; allowed: at most 6 hours (the state machine of Test/Backup times out after 1 day and copying gets 12 hours, and its restore drill gets the timeout again)',
      );
    } finally {
      cleanup();
    }
  });

  it("fails when a database's timeoutHours does not fit in an explicit state machine timeout", () => {
    const config = configOf({ databases: [{ ...ORDERS, timeoutHours: 20 }] });
    const { app, cleanup } = newApp();
    try {
      expect(() => {
        const stack = new Stack(app, 'Test');
        new OrdsDatapumpBackup(stack, 'Backup', {
          stateMachineTimeout: Duration.hours(24),
          databases: databasePropsOf(stack, config.databases),
        });
      }).toThrow(
        'Test/Backup/Databases: database "orders": timeout is 20 hours; allowed: at most 12 hours (the state machine of Test/Backup times out after 1 day and copying gets 12 hours)',
      );
    } finally {
      cleanup();
    }
  });

  it('has no unacknowledged cdk-nag AwsSolutions or Serverless finding', () => {
    expect(nagViolations(synthesized)).toEqual([]);
  });

  it('has no unacknowledged cdk-nag finding with an existing bucket and an existing topic', () => {
    const existing = synthesize(
      configOf({
        bucket: { existingBucketName: 'corp-oracle-backups' },
        alerts: { existingTopicArn: 'arn:aws:sns:eu-central-1:123456789012:dba-alerts' },
        databases: [ORDERS],
      }),
    );
    try {
      expect(nagViolations(existing)).toEqual([]);
    } finally {
      existing.cleanup();
    }
  });

  it('has no unacknowledged cdk-nag finding with a KMS-encrypted, locked bucket and e-mail alerts', () => {
    const locked = synthesize(
      configOf({
        bucket: {
          encryption: 'kms',
          objectLock: { mode: 'COMPLIANCE', retentionDays: 35 },
          expireAfterDays: 400,
        },
        alerts: { emails: ['dba-oncall@example.com'] },
        databases: [ORDERS],
      }),
    );
    try {
      expect(nagViolations(locked)).toEqual([]);
    } finally {
      locked.cleanup();
    }
  });

  it('puts the per-database resources in a stack of their own', () => {
    const { built, templateOf, template } = synthesized;
    const databases = templateOf(built.databaseStacks[0]!);

    expect(built.databaseStacks.map((stack) => stack.stackName)).toEqual(['OrdsDatapumpBackup-Databases-1']);
    for (const type of ['AWS::Scheduler::Schedule', 'AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard']) {
      expect(Object.keys(databases.findResources(type)).length, type).toBeGreaterThan(0);
    }
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  it('fails the cdk-nag check when a wildcard grant is not acknowledged', () => {
    // Proves the two checks above can fail.
    const { app, cleanup } = newApp();
    try {
      const { backup } = buildApp(app, configOf({ databases: [ORDERS] }));
      backup.bucket.grantRead(backup.functions.readLog);
      const report = new AwsSolutionsChecks(app).validateScope(app);

      const violations = report.violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
      );

      expect(violations).toContain(
        'AwsSolutions-IAM5[Action::s3:GetObject*] at OrdsDatapumpBackup/Default/Functions/ReadLogRole/DefaultPolicy/Resource',
      );
    } finally {
      cleanup();
    }
  });

  it('fails the cdk-nag Serverless check when a function has no dead-letter queue and no acknowledgement', () => {
    const { app, cleanup } = newApp();
    try {
      const { main } = buildApp(app, configOf({ databases: [ORDERS] }));
      new NodejsFunction(main, 'Unchecked', {
        entry: join(PROJECT_ROOT, 'functions', 'handlers', 'read-job.ts'),
        runtime: Runtime.NODEJS_24_X,
        memorySize: 256,
        timeout: Duration.seconds(10),
      });
      const report = new ServerlessChecks(app).validateScope(app);

      expect(report.violations.map((violation) => violation.ruleName)).toContain('Serverless-LambdaDLQ');
    } finally {
      cleanup();
    }
  });
});
