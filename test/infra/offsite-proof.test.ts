import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config/index.js';
import { nagViolationsOf } from './nag.js';
import { type Synthesized, stateMachineDefinition, statementsOfRole, synthesize } from './synth.js';

const OFFSITE = {
  bucketArn: 'arn:aws:s3:::acme-offsite-backups',
  account: '210987654321',
  region: 'eu-west-1',
};
const DATABASE = {
  id: 'orders',
  ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
  secret: 'prod/ords/orders',
};
const OFFSITE_STATES = [
  'Start off-site check',
  'Check off-site copy',
  'Off-site copy done?',
  'Wait for the off-site copy',
  'Backup complete, off-site copy failed',
  'Off-site check step failed',
  'Record off-site failure',
];

const synth = (bucket: Record<string, unknown>) =>
  synthesize(parseConfig({ bucket, databases: [DATABASE] }, 'config/test.json'));

describe('the off-site proof with offsiteCopy', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synth({ offsiteCopy: OFFSITE });
  });
  afterAll(() => synthesized.cleanup());

  it('checks the off-site copy after a clean server, before "Backup complete"', () => {
    const { States } = stateMachineDefinition(synthesized.json);
    for (const name of OFFSITE_STATES) expect(Object.keys(States)).toContain(name);
    expect(States['Server cleaned up?'].Default).toBe('Start off-site check');
    expect(States['Off-site copy done?'].Choices).toEqual([
      { Variable: '$.result.offsite.offsite', StringEquals: 'pending', Next: 'Wait for the off-site copy' },
      { Variable: '$.result.offsite.offsite', StringEquals: 'copied', Next: 'Backup complete' },
    ]);
    expect(States['Off-site copy done?'].Default).toBe('Backup complete, off-site copy failed');
    expect(States['Backup complete, off-site copy failed'].Type).toBe('Succeed');
    expect(States['Check off-site copy'].Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Off-site check step failed' }),
    ]);
  });

  it("raises the database's own alarm on OffsiteCopyFailed", () => {
    const alarms = [...synthesized.jsons.values()].flatMap((json) =>
      Object.values(json.Resources).filter(
        (resource) =>
          resource.Type === 'AWS::CloudWatch::Alarm' &&
          resource.Properties.AlarmName === 'ords-datapump-backup-orders-offsite-copy-failed',
      ),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      MetricName: 'OffsiteCopyFailed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarms[0]!.Properties.Dimensions).toContainEqual({ Name: 'Database', Value: 'orders' });
    expect(alarms[0]!.Properties.AlarmDescription).toContain('Backup complete, off-site copy failed');
  });

  it('checks with a role the off-site bucket can name, which writes only offsite.json', () => {
    const roles = synthesized.template.findResources('AWS::IAM::Role', {
      Properties: { RoleName: 'ords-datapump-backup-offsite-check' },
    });
    const [roleId] = Object.keys(roles);
    expect(roleId).toBeDefined();
    const writes = statementsOfRole(synthesized.json, roleId!).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:Put')),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes)
      expect(JSON.stringify(statement.Resource)).toMatch(/\/\*\/offsite\.json"/);
  });

  it('has no cdk-nag finding', () => {
    expect(nagViolationsOf(synthesized.app)).toEqual([]);
  });
});

describe('without offsiteCopy', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synth({});
  });
  afterAll(() => synthesized.cleanup());

  it('has no off-site states, check function or alarm', () => {
    const { States } = stateMachineDefinition(synthesized.json);
    for (const name of OFFSITE_STATES) expect(Object.keys(States)).not.toContain(name);
    expect(States['Server cleaned up?'].Default).toBe('Backup complete');
    expect(JSON.stringify(synthesized.json)).not.toContain('OffsiteCopyFailed');
    expect(JSON.stringify(synthesized.json)).not.toContain('check-offsite-copy');
  });
});
