import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseBinding } from '../../functions/core/run/index.js';
import { ConfigError, parseConfig } from '../../infra/config/index.js';
import { type DatabaseProps, OrdsDatapumpBackup } from '../../infra/index.js';
import { newApp, type Synthesized, synthesize } from './synth.js';

const TIERS = { daily: 7, weekly: 5, monthly: 12, yearly: 7 };
const database = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  ordsUrl: `https://${id}.example.com/ords/pdb1/dbapi_user/`,
  secret: `prod/ords/${id}`,
  ...extra,
});

function problemsOf(document: unknown): string[] {
  try {
    parseConfig(document, 'config/test.json');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('retention in the configuration file', () => {
  it("applies the defaults' tiers to every database and lets a database replace them", () => {
    const config = parseConfig(
      {
        defaults: { retention: TIERS },
        databases: [database('orders'), database('audit', { retention: { ...TIERS, yearly: 10 } })],
      },
      'config/test.json',
    );

    expect(config.databases.map((db) => db.retention)).toEqual([TIERS, { ...TIERS, yearly: 10 }]);
  });

  it('leaves retention out when nobody sets it, so expireAfterDays keeps working', () => {
    const config = parseConfig(
      { bucket: { expireAfterDays: 90 }, databases: [database('orders')] },
      'config/test.json',
    );

    expect(config.databases[0]!.retention).toBeUndefined();
    expect(config.bucket.expireAfterDays).toBe(90);
  });

  it('fails on a count out of range, naming the database, the tier, the value and the range', () => {
    expect(
      problemsOf({ databases: [database('orders', { retention: { ...TIERS, daily: 0, weekly: 2.5 } })] }),
    ).toEqual([
      'config/test.json: database "orders": retention.daily is 0; allowed: a whole number from 1 to 3650',
      'config/test.json: database "orders": retention.weekly is 2.5; allowed: a whole number from 0 to 520',
    ]);
  });

  it('fails on a missing tier', () => {
    const { yearly: _yearly, ...withoutYearly } = TIERS;
    expect(problemsOf({ defaults: { retention: withoutYearly }, databases: [database('orders')] })).toEqual([
      expect.stringMatching(/^config\/test\.json: defaults\.retention\.yearly is missing/),
    ]);
  });

  it('fails on retention with bucket.expireAfterDays, which would expire every tier alike', () => {
    expect(
      problemsOf({
        bucket: { expireAfterDays: 30, archiveAfterDays: 0 },
        databases: [database('orders', { retention: TIERS })],
      }),
    ).toEqual([
      'config/test.json: bucket.expireAfterDays is 30 with retention tiers (database "orders"); allowed: 0 or ' +
        'left out (it would expire weeklies, monthlies and yearlies with the dailies)',
    ]);
  });

  it("fails on retention with an existing bucket, whose lifecycle is its owner's", () => {
    expect(
      problemsOf({
        bucket: { existingBucketName: 'team-backups' },
        databases: [database('orders', { retention: TIERS })],
      }),
    ).toEqual([
      expect.stringContaining('retention is set (database "orders") with bucket.existingBucketName'),
    ]);
  });
});

describe('retention in the synthesized app', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(
      parseConfig(
        {
          defaults: { retention: TIERS, schedule: { timeZone: 'Europe/Berlin' } },
          databases: [
            database('orders'),
            database('audit', { retention: { ...TIERS, weekly: 0, yearly: 10 } }),
          ],
        },
        'config/test.json',
      ),
    );
  });
  afterAll(() => synthesized.cleanup());

  it('adds one lifecycle rule per tier and days, matching both tags, and keeps the abort rule', () => {
    const bucket = Object.values(synthesized.template.findResources('AWS::S3::Bucket'))[0]!;
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
    const tiered = rules.filter((rule) => String(rule.Id).startsWith('Expire'));

    expect(tiered).toEqual([
      {
        Id: 'ExpireDailyAfter7Days',
        Status: 'Enabled',
        ExpirationInDays: 7,
        TagFilters: [
          { Key: 'tier', Value: 'daily' },
          { Key: 'expire-after-days', Value: '7' },
        ],
      },
      expect.objectContaining({ Id: 'ExpireWeeklyAfter35Days', ExpirationInDays: 35 }),
      expect.objectContaining({ Id: 'ExpireMonthlyAfter372Days', ExpirationInDays: 372 }),
      expect.objectContaining({ Id: 'ExpireYearlyAfter2562Days', ExpirationInDays: 2562 }),
      expect.objectContaining({ Id: 'ExpireYearlyAfter3660Days', ExpirationInDays: 3660 }),
    ]);
    expect(rules).toContainEqual(
      expect.objectContaining({
        Id: 'AbortIncompleteMultipartUploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
      }),
    );
    // No rule expires every object.
    expect(
      rules.filter((rule) => rule.ExpirationInDays !== undefined && rule.TagFilters === undefined),
    ).toEqual([]);
  });

  it("binds each database's tiers with its schedule time zone, in the shape the handlers parse", () => {
    const parameters = [...synthesized.jsons.values()].flatMap((json) =>
      Object.values(json.Resources ?? {}).filter((resource) => resource.Type === 'AWS::SSM::Parameter'),
    );
    const audit = parameters.find((resource) => resource.Properties.Name.endsWith('/audit'))!;

    expect(parseBinding('audit', 'p', audit.Properties.Value).retention).toEqual({
      ...TIERS,
      weekly: 0,
      yearly: 10,
      timeZone: 'Europe/Berlin',
    });
  });
});

describe('retention in the construct props', () => {
  let cleanup: () => void = () => undefined;
  afterEach(() => cleanup());

  function backupWith(retention: DatabaseProps['retention'], options: Record<string, unknown> = {}) {
    const made = newApp();
    cleanup = made.cleanup;
    const stack = new Stack(made.app, 'Team');
    return new OrdsDatapumpBackup(stack, 'Backup', {
      ...options,
      ...(options.existing ? { bucket: Bucket.fromBucketName(stack, 'Existing', 'team-backups') } : {}),
      databases: [
        {
          id: 'orders',
          ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
          secret: Secret.fromSecretNameV2(stack, 'Secret', 'prod/ords/orders'),
          ...(retention ? { retention } : {}),
        },
      ],
    } as never);
  }

  it('fails at synth on a count out of range, naming the construct, the tier and the value', () => {
    expect(() => backupWith({ ...TIERS, yearly: 101 })).toThrow(
      'Team/Backup/Databases: database "orders": retention.yearly is 101; allowed: a whole number from 0 to 100',
    );
  });

  it('fails with bucketOptions.expireAfter, naming the bucket', () => {
    expect(() => backupWith(TIERS, { bucketOptions: { expireAfter: Duration.days(90) } })).toThrow(
      /Team\/Backup\/Bucket: expireAfter is 90 days with retention tiers/,
    );
  });

  it('fails with an existing bucket', () => {
    expect(() => backupWith(TIERS, { existing: true })).toThrow(
      /retention only with a bucket this construct creates/,
    );
  });

  it('adds no tier rule without retention', () => {
    const backup = backupWith(undefined);
    const template = Template.fromStack(Stack.of(backup));
    const bucket = Object.values(template.findResources('AWS::S3::Bucket'))[0]!;
    const ids = (bucket.Properties.LifecycleConfiguration.Rules as { Id: string }[]).map((rule) => rule.Id);
    expect(ids.filter((id) => id.startsWith('Expire'))).toEqual([]);
  });
});
