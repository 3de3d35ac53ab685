import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OffsiteBackupBucket, type OffsiteBackupBucketProps } from '../../infra/index.js';
import { resolver, simulateRole } from './policy-simulation.js';
import { actionsOf, logicalIdOf, statementsOfRole, type TemplateJson } from './synth.js';

/**
 * The off-site reader role (`verify --offsite`) reads and lists the replicas only under
 * `readerKeyPrefixes`. verify lists nothing, but S3 answers its HeadObject of a replica not there
 * yet with 404 only to a caller that may list with the key as `s3:prefix` (see
 * list-bucket-scope.test.ts), so that listing stays allowed under the prefixes, and no other.
 */

const BUCKET_ARN = 'arn:aws:s3:::acme-offsite-backups';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/ords-datapump-backup-offsite-copy';
const REPLICA = 'ORDS_EXPORT_1/orders_01.dmp';

/** The synthesized off-site stack and a simulator of its reader role. */
function offsiteStack(props: Partial<OffsiteBackupBucketProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Offsite', { env: { account: '210987654321', region: 'eu-west-1' } });
  const offsite = new OffsiteBackupBucket(stack, 'Offsite', {
    replicationRoleArn: ROLE_ARN,
    lockRetention: Duration.days(35),
    ...props,
  });
  const json = Template.fromStack(stack).toJSON() as TemplateJson;
  const resolve = resolver(logicalIdOf(offsite.bucket), BUCKET_ARN);
  const role = logicalIdOf(offsite.readerRole);
  const simulate = (action: string, resource: string, context: Record<string, string> = {}) =>
    simulateRole(json, resolve, role, { action, resource, context });
  return {
    app,
    statements: () => resolve(statementsOfRole(json, role)) as ReturnType<typeof statementsOfRole>,
    list: (prefix?: string) =>
      simulate('s3:ListBucket', BUCKET_ARN, prefix === undefined ? {} : { 's3:prefix': prefix }),
    read: (key: string, action = 's3:GetObject') => simulate(action, `${BUCKET_ARN}/${key}`),
  };
}

describe('the off-site reader with readerKeyPrefixes', () => {
  const offsite = offsiteStack({ readerKeyPrefixes: ['a/', 'c/finance/', 'a/'] });

  it('conditions its only listing statement on s3:prefix under a/ or c/finance/ (plain check)', () => {
    const listings = offsite
      .statements()
      .filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:List')));
    expect(listings).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: BUCKET_ARN,
        Condition: { StringLike: { 's3:prefix': ['a/*', 'c/finance/*'] } },
      },
    ]);
  });

  it('lists under the prefixes and keeps NoSuchKey for a missing replica there', async () => {
    expect(await offsite.list('a/')).toBe('Allowed');
    expect(await offsite.list('c/finance/billing/')).toBe('Allowed');
    // A HeadObject of a missing replica is answered 404 when this listing (the key as prefix) is allowed.
    expect(await offsite.list(`a/orders/${REPLICA}`)).toBe('Allowed');
  });

  it('fails to list elsewhere, at the root, and without a prefix', async () => {
    for (const outside of ['b/', 'b/orders/', 'c/', 'c/financed/', 'ab/', 'A/orders/', '']) {
      expect(await offsite.list(outside), `lists "${outside}"`).not.toBe('Allowed');
    }
    expect(await offsite.list(), 'lists the whole bucket').not.toBe('Allowed');
    expect(await offsite.list(`b/orders/${REPLICA}`)).not.toBe('Allowed');
  });

  it('reads replicas and their versions under the prefixes only', async () => {
    for (const action of ['s3:GetObject', 's3:GetObjectVersion']) {
      expect(await offsite.read(`a/orders/${REPLICA}`, action)).toBe('Allowed');
      expect(await offsite.read(`c/finance/billing/${REPLICA}`, action)).toBe('Allowed');
      expect(await offsite.read(`b/orders/${REPLICA}`, action)).not.toBe('Allowed');
      expect(await offsite.read(REPLICA, action)).not.toBe('Allowed');
    }
  });

  it('has no cdk-nag finding', () => {
    expect(new AwsSolutionsChecks(offsite.app).validateScope(offsite.app).violations).toEqual([]);
  });
});

describe('the off-site reader without readerKeyPrefixes', () => {
  it('reads and lists every replica, the whole bucket being the replicas of one source bucket', async () => {
    const offsite = offsiteStack();
    expect(await offsite.read(`b/orders/${REPLICA}`)).toBe('Allowed');
    expect(await offsite.list()).toBe('Allowed');
    expect(await offsite.list('b/')).toBe('Allowed');
  });

  it('fails on a prefix that is not a key prefix, naming it', () => {
    expect(() => offsiteStack({ readerKeyPrefixes: ['a/', 'backups'] })).toThrow(
      'Offsite/Offsite: readerKeyPrefixes has "backups", not a key prefix; allowed: empty, or folders each ending with / (e.g. "backups/")',
    );
  });

  it('fails on an empty list of prefixes', () => {
    expect(() => offsiteStack({ readerKeyPrefixes: [] })).toThrow(
      'Offsite/Offsite: readerKeyPrefixes must name at least one key prefix, got []',
    );
  });
});
