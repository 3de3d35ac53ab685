import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrdsDatapumpBackup } from '../../infra/ords-datapump-backup.js';
import {
  actionsOf,
  exampleConfig,
  logicalIdOf,
  resourcesOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

describe('BackupAgeCheck', () => {
  let synthesized: Synthesized;
  let main: OrdsDatapumpBackup;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
    main = synthesized.built.backup;
  });
  afterAll(() => synthesized.cleanup());

  it('runs the check every hour', () => {
    const rule = synthesized.json.Resources[logicalIdOf(main.backupAge.rule)]!.Properties;

    expect(rule.ScheduleExpression).toBe('rate(1 hour)');
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [logicalIdOf(main.backupAge.function), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 1800 },
      }),
    ]);
  });

  it('tells the function where the bindings and the last-backup records are', () => {
    const variables =
      synthesized.json.Resources[logicalIdOf(main.backupAge.function)]!.Properties.Environment.Variables;

    expect(variables).toMatchObject({
      DATABASE_PARAMETER_PATH: '/ords-datapump-backup/databases',
      BUCKET_NAME: { Ref: logicalIdOf(main.bucket) },
    });
  });

  it('lets the function read only the parameters under the binding path', () => {
    const { json } = synthesized;
    const statements = statementsOfRole(json, roleOfFunction(json, logicalIdOf(main.backupAge.function)));
    const ssm = statements.filter((statement) => actionsOf(statement).some((a) => a.startsWith('ssm:')));

    expect(ssm.flatMap(actionsOf)).toEqual(['ssm:GetParametersByPath']);
    const resources = JSON.stringify(ssm.flatMap(resourcesOf));
    expect(resources).toContain(':parameter/ords-datapump-backup/databases"');
    expect(resources).toContain(':parameter/ords-datapump-backup/databases/*"');
    expect(ssm.flatMap(resourcesOf)).toHaveLength(2);
  });
});
