import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { ConfigError, loadConfig, parseConfig, parseSecretReference } from '../../infra/config/index.js';
import { exampleConfig, newApp } from './synth.js';

const ORDERS = {
  id: 'orders',
  ordsUrl: 'https://db.example.com:8443/ords/pdb1/dbapi_user/',
  secret: 'prod/ords/orders',
  export: { jobMode: 'SCHEMA', schemas: ['HR'] },
};

/** The problems `parseConfig` reports for a document (empty when it is valid). */
/** The message of the error building the app from `document` throws (a construct's own check), or ''. */
function synthError(document: unknown): string {
  const { app, cleanup } = newApp();
  try {
    buildApp(app, parseConfig(document, 'config/test.json'));
    return '';
  } catch (error) {
    return (error as Error).message;
  } finally {
    cleanup();
  }
}

function problemsOf(document: unknown): string[] {
  try {
    parseConfig(document, 'config/test.json');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

function withOrders(changes: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { ...extra, databases: [{ ...ORDERS, ...changes }] };
}

describe('configuration', () => {
  it('loads the shipped example with its two databases', () => {
    const config = exampleConfig();

    expect(config.databases.map((database) => database.id)).toEqual(['orders', 'warehouse']);
    expect(config.databases[1]).toMatchObject({
      export: { jobMode: 'FULL' },
      schedule: { timeZone: 'Europe/Berlin' },
      secret: expect.stringMatching(/^arn:aws:secretsmanager:/),
    });
  });

  it('applies the documented defaults to a minimal database', () => {
    const config = parseConfig(
      { databases: [{ id: 'orders', ordsUrl: 'https://db.example.com/ords/hr', secret: 'ords/orders' }] },
      'test.json',
    );

    expect(config.databases[0]).toEqual({
      id: 'orders',
      ordsUrl: 'https://db.example.com/ords/hr/',
      secret: 'ords/orders',
      schedule: { cron: '0 2 * * ? *', timeZone: 'UTC' },
      export: { jobMode: 'SCHEMA', datapumpDir: 'DATA_PUMP_DIR' },
      pollIntervalSeconds: 60,
      timeoutHours: 12,
      prefix: '',
      acceptCompletedWithErrors: false,
      onRunningExport: 'fail',
      enabled: true,
      // The default: 24 hours between two nightly runs + timeoutHours 12 + 2.
      staleAfterHours: 38,
      serverCleanup: 'files-and-control-table',
      autonomousDatabase: false,
      recordSha256: false,
      consistency: 'auto',
    });
    expect(config.bucket).toEqual({
      encryption: 's3',
      archiveAfterDays: 30,
      expireAfterDays: 0,
      noncurrentVersionsExpireAfterDays: 30,
    });
    expect(config.alerts).toEqual({ emails: [] });
    expect(config.databasesPerStack).toBe(100);
  });

  it('merges defaults under each database, key by key for schedule and export', () => {
    const config = parseConfig(
      {
        defaults: {
          schedule: { timeZone: 'Europe/Berlin' },
          export: { threads: 4, datapumpDir: 'BACKUP_DIR' },
          timeoutHours: 6,
        },
        databases: [{ ...ORDERS, schedule: { cron: '0 3 * * ? *' }, export: { jobMode: 'FULL' } }],
      },
      'test.json',
    );

    expect(config.databases[0]).toMatchObject({
      schedule: { cron: '0 3 * * ? *', timeZone: 'Europe/Berlin' },
      export: { jobMode: 'FULL', threads: 4, datapumpDir: 'BACKUP_DIR' },
      timeoutHours: 6,
    });
  });

  it('fails on a prefix with *, which IAM would read as a wildcard over other folders', () => {
    expect(problemsOf(withOrders({ prefix: '*/' }))).toEqual([
      `config/test.json: database "orders": prefix is "*/"; allowed: empty, or folder names of letters, digits and !_.'()- each ending with /, e.g. "backups/"`,
    ]);
    expect(problemsOf(withOrders({ prefix: 'team*/nightly/' }))).toHaveLength(1);
    expect(problemsOf(withOrders({ prefix: "team-1/it's_(ok)!/" }))).toEqual([]);
  });

  it('fails on a bad jobMode, naming file, database, field, value and the allowed values', () => {
    expect(problemsOf(withOrders({ export: { jobMode: 'FOOL' } }))).toEqual([
      'config/test.json: database "orders": export.jobMode is "FOOL"; allowed: FULL, SCHEMA, TABLE, TABLESPACE',
    ]);
  });

  it('fails on more than 99 threads, which the %U file template cannot number', () => {
    expect(problemsOf(withOrders({ export: { jobMode: 'FULL', threads: 100 } }))).toEqual([
      'config/test.json: database "orders": export.threads is 100; must be at most 99: the dump file template %U numbers files 01 to 99, one per worker',
    ]);
  });

  it('accepts 99 threads', () => {
    expect(problemsOf(withOrders({ export: { jobMode: 'FULL', threads: 99 } }))).toEqual([]);
  });

  it('fails on a cron expression with five fields', () => {
    const [problem] = problemsOf(withOrders({ schedule: { cron: '0 2 * * *' } }));

    expect(problem).toMatch(
      /^config\/test\.json: database "orders": schedule\.cron is "0 2 \* \* \*"; it has 5 field/,
    );
    expect(problem).toContain('allowed: an EventBridge Scheduler cron of 6 fields');
  });

  it.each([
    ['0 25 * * ? *', 'hours'],
    ['0 2 * * * *', 'exactly one of day-of-month and day-of-week must be ?'],
    ['0 2 ? * MON-FRI,XYZ *', 'day-of-week'],
    ['cron(0 2 * * ? *)', 'cron( … )'],
  ])('fails on the cron expression "%s"', (cron, hint) => {
    const [problem] = problemsOf(withOrders({ schedule: { cron } }));

    expect(problem).toContain(`schedule.cron is ${JSON.stringify(cron)}`);
    expect(problem).toContain(hint);
  });

  it.each([
    '0 2 * * ? *',
    '30 1 ? * SUN *',
    '0/15 8-18 ? * MON-FRI *',
    '0 3 L * ? *',
    '0 4 ? * 6#3 2026-2030',
  ])('accepts the cron expression "%s"', (cron) => {
    // The default staleAfterHours follows the cadence: no cron needs a setting of its own.
    expect(problemsOf(withOrders({ schedule: { cron } }))).toEqual([]);
  });

  it('fails on an unknown time zone', () => {
    expect(problemsOf(withOrders({ schedule: { timeZone: 'Europe/Berln' } }))).toEqual([
      'config/test.json: database "orders": schedule.timeZone is "Europe/Berln"; it is not a known time zone; ' +
        'allowed: an IANA time zone name such as UTC, Europe/Berlin or America/New_York',
    ]);
  });

  it('fails on a time zone in the wrong case and names the right spelling', () => {
    const [problem] = problemsOf(withOrders({ schedule: { timeZone: 'europe/berlin' } }));

    expect(problem).toContain('schedule.timeZone is "europe/berlin"; it is spelled "Europe/Berlin"');
  });

  it('fails on duplicate ids, naming both positions', () => {
    expect(problemsOf({ databases: [ORDERS, { ...ORDERS }] })).toEqual([
      'config/test.json: database "orders": id is used by databases[0], databases[1]; allowed: each id once',
    ]);
  });

  it('fails on a plain http ORDS URL outside loopback', () => {
    const [problem] = problemsOf(withOrders({ ordsUrl: 'http://db.example.com/ords/pdb1/dbapi_user/' }));

    expect(problem).toMatch(
      /^config\/test\.json: database "orders": ordsUrl is "http:\/\/db\.example\.com\/ords\/pdb1\/dbapi_user\/"; it uses http: — only https: is allowed/,
    );
  });

  it('fails on an ORDS URL with credentials and does not repeat them', () => {
    const [problem] = problemsOf(withOrders({ ordsUrl: 'https://scott:tiger@db.example.com/ords/hr/' }));

    expect(problem).toContain('must not contain user:password@');
    expect(problem).not.toContain('tiger');
  });

  it('accepts plain http for a loopback ORDS URL', () => {
    expect(problemsOf(withOrders({ ordsUrl: 'http://127.0.0.1:8080/ords/hr/' }))).toEqual([]);
  });

  it('fails on an unknown key and lists the allowed keys', () => {
    expect(problemsOf(withOrders({ pollInterval: 30 }))).toEqual([
      'config/test.json: database "orders": pollInterval is not a known key; allowed: id, ordsUrl, secret, ordsCidrs, schedule, window, ' +
        'export, pollIntervalSeconds, timeoutHours, prefix, acceptCompletedWithErrors, onRunningExport, enabled, ' +
        'staleAfterHours, serverCleanup, autonomousDatabase, retention, recordSha256, consistency, consistentExport, restoreDrill',
    ]);
  });

  it('fails on unknown keys at every level', () => {
    const problems = problemsOf({
      defualts: {},
      defaults: { schedule: { zone: 'UTC' } },
      bucket: { name: 'x' },
      databases: [{ ...ORDERS, export: { ...ORDERS.export, parallel: 4 } }],
    });

    expect(problems).toEqual([
      'config/test.json: defualts is not a known key; allowed: $schema, defaults, bucket, alerts, network, namePrefix, databasesPerStack, ordsCaps, deploymentCap, databases',
      'config/test.json: defaults.schedule.zone is not a known key; allowed: cron, timeZone',
      'config/test.json: bucket.name is not a known key; allowed: existingBucketName, encryption, kmsKeyArn, ' +
        'archiveAfterDays, expireAfterDays, noncurrentVersionsExpireAfterDays, offsiteCopy, objectLock',
      expect.stringMatching(
        /^config\/test\.json: database "orders": export\.parallel is not a known key; allowed: jobMode, /,
      ),
    ]);
  });

  it('fails naming the database by position when its id is invalid', () => {
    expect(problemsOf({ databases: [{ ...ORDERS, id: 'Orders_DB' }] })).toEqual([
      'config/test.json: databases[0]: id is "Orders_DB"; allowed: 2 to 32 of a-z, 0-9 and -, starting with a letter, not ending with -',
    ]);
  });

  it('fails with every problem of the file at once', () => {
    const problems = problemsOf({
      defaults: { pollIntervalSeconds: 5 },
      databases: [
        { ...ORDERS, export: { jobMode: 'FOOL' }, timeoutHours: 100 },
        { ...ORDERS, id: 'sales', secret: 'arn:aws:s3:::bucket' },
      ],
    });

    expect(problems).toEqual([
      'config/test.json: defaults.pollIntervalSeconds is 5; allowed: whole seconds from 10 to 3600',
      'config/test.json: database "orders": export.jobMode is "FOOL"; allowed: FULL, SCHEMA, TABLE, TABLESPACE',
      'config/test.json: database "orders": timeoutHours is 100; allowed: whole hours from 1 to 72',
      expect.stringContaining(
        'database "sales": secret is "arn:aws:s3:::bucket"; it is not a Secrets Manager secret ARN',
      ),
    ]);
  });

  it('fails on a TABLE export without a filter', () => {
    const [problem] = problemsOf(withOrders({ export: { jobMode: 'TABLE' } }));

    expect(problem).toContain('database "orders": export.filter is missing for export.jobMode TABLE');
    expect(problem).toContain('ORDS 19c requires a filter unless jobMode is FULL');
  });

  it('fails on schemas with a mode other than SCHEMA', () => {
    const problems = problemsOf(withOrders({ export: { jobMode: 'TABLESPACE', schemas: ['HR'] } }));

    expect(problems).toContain(
      'config/test.json: database "orders": export.schemas is ["HR"] with export.jobMode TABLESPACE; ' +
        'allowed: schemas only with jobMode SCHEMA (use filter for TABLE and TABLESPACE exports)',
    );
  });

  it('fails when the polls of one export would not fit in one execution history', () => {
    const [problem] = problemsOf(withOrders({ timeoutHours: 72, pollIntervalSeconds: 10 }));

    expect(problem).toContain('pollIntervalSeconds is 10 with timeoutHours 72: up to 25920 status reads');
    expect(problem).toContain('pollIntervalSeconds ≥ 104');
  });

  it('fails on an empty list of databases', () => {
    expect(problemsOf({ databases: [] })).toEqual([
      'config/test.json: databases is []; allowed: at least one database',
    ]);
  });

  it.each([
    ['prod/ords/orders', 'name'],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/ords/b-Ab12Cd', 'suffixed-arn'],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/ords/orders-reader', 'suffixed-arn'],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/ords/c', 'partial-arn'],
  ])('classifies the secret reference %s as %s', (value, kind) => {
    expect(parseSecretReference(value).kind).toBe(kind);
  });

  it('fails to load a missing file, naming it and the context key', () => {
    expect(() => loadConfig('config/does-not-exist.json')).toThrow(
      /config\/does-not-exist\.json: cannot read the configuration file \(ENOENT\); choose another with -c ords-datapump-backup:configFile=/,
    );
  });

  it('fails to load a file that is not JSON', () => {
    const directory = mkdtempSync(join(tmpdir(), 'ords-backup-config-'));
    try {
      const path = join(directory, 'broken.json');
      writeFileSync(path, '{ "databases": [ }');

      expect(() => loadConfig(path)).toThrow(/broken\.json:1:18: is not valid JSON: Unexpected token '\}'$/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  describe('operations settings', () => {
    const KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

    it('reads staleAfterHours from the database, then the defaults', () => {
      const config = parseConfig(
        {
          defaults: { staleAfterHours: 30 },
          databases: [ORDERS, { ...ORDERS, id: 'billing', staleAfterHours: 400 }],
        },
        'test.json',
      );

      expect(config.databases.map((database) => database.staleAfterHours)).toEqual([30, 400]);
    });

    it.each([
      [0, 'staleAfterHours is 0; allowed: whole hours from 1 to 9000'],
      [9001, 'staleAfterHours is 9001; allowed: whole hours from 1 to 9000'],
      [1.5, 'staleAfterHours is 1.5; allowed: whole hours from 1 to 9000'],
      ['26', 'staleAfterHours is "26"; allowed: whole hours from 1 to 9000'],
    ])('fails on staleAfterHours %j, naming the database and the limits', (value, expected) => {
      expect(problemsOf(withOrders({ staleAfterHours: value }))).toEqual([
        `config/test.json: database "orders": ${expected}`,
      ]);
    });

    it('fails on a staleAfterHours default out of range, naming defaults', () => {
      expect(problemsOf({ defaults: { staleAfterHours: -1 }, databases: [ORDERS] })).toEqual([
        'config/test.json: defaults.staleAfterHours is -1; allowed: whole hours from 1 to 9000',
      ]);
    });

    it.each([
      ['0 2 * * ? *', 12, 38],
      ['30 1 ? * SUN *', 20, 190],
      ['0 3 1 * ? *', 12, 31 * 24 + 14],
      ['0 3 ? * 1#1 *', 12, 35 * 24 + 14],
      ['0 2 ? * MON-FRI *', 4, 78],
    ])(
      'derives staleAfterHours for "%s" with timeoutHours %i: the longest gap + timeoutHours + 2',
      (cron, timeoutHours, hours) => {
        const config = parseConfig(
          { databases: [{ ...ORDERS, schedule: { cron }, timeoutHours }] },
          'test.json',
        );

        expect(config.databases[0]!.staleAfterHours).toBe(hours);
      },
    );

    it('fails when staleAfterHours is not 2 hours longer than the longest gap between two scheduled backups', () => {
      expect(
        problemsOf(withOrders({ schedule: { cron: '0 2 ? * MON-FRI *' }, staleAfterHours: 26 })),
      ).toEqual([
        'config/test.json: database "orders": staleAfterHours is 26 with schedule.cron "0 2 ? * MON-FRI *", which ' +
          'leaves up to 72 hours between two backups; allowed: at least 74, or leave it unset for 86 (the gap + timeoutHours + 2)',
      ]);
      expect(
        problemsOf(withOrders({ schedule: { cron: '0 2 ? * MON-FRI *' }, staleAfterHours: 74 })),
      ).toEqual([]);
    });

    it('fails on a nightly default staleAfterHours inherited by a weekly database', () => {
      expect(
        problemsOf({
          defaults: { staleAfterHours: 26 },
          databases: [{ ...ORDERS, schedule: { cron: '30 1 ? * SUN *' } }],
        }),
      ).toEqual([
        'config/test.json: database "orders": staleAfterHours is 26 with schedule.cron "30 1 ? * SUN *", which ' +
          'leaves up to 168 hours between two backups; allowed: at least 170, or leave it unset for 182 (the gap + timeoutHours + 2)',
      ]);
    });

    it('does not check the stale-backup alarm of a disabled database', () => {
      expect(
        problemsOf(withOrders({ schedule: { cron: '30 1 ? * SUN *' }, staleAfterHours: 26, enabled: false })),
      ).toEqual([]);
    });

    it('reads the alert settings', () => {
      const config = parseConfig(
        {
          alerts: {
            existingTopicArn: 'arn:aws:sns:eu-central-1:123456789012:dba-alerts',
            emails: ['dba-oncall@example.com'],
          },
          databases: [ORDERS],
        },
        'test.json',
      );

      expect(config.alerts).toEqual({
        existingTopicArn: 'arn:aws:sns:eu-central-1:123456789012:dba-alerts',
        emails: ['dba-oncall@example.com'],
      });
    });

    it('fails on an e-mail address that is not one, naming its position', () => {
      expect(
        problemsOf({ alerts: { emails: ['ops@example.com', 'dba-oncall'] }, databases: [ORDERS] }),
      ).toEqual([
        'config/test.json: alerts.emails[1] is "dba-oncall"; allowed: an e-mail address such as ops@example.com',
      ]);
    });

    it('fails on more than 20 e-mail addresses', () => {
      const emails = Array.from({ length: 21 }, (_, index) => `dba${index}@example.com`);
      const [problem] = problemsOf({ alerts: { emails }, databases: [ORDERS] });

      expect(problem).toMatch(/^config\/test\.json: alerts\.emails is \[.*; allowed: at most 20 addresses/);
    });

    it.each([
      'arn:aws:sns:eu-central-1:123456789012:dba-alerts.fifo',
      'arn:aws:sqs:eu-central-1:123456789012:dba-alerts',
      'dba-alerts',
    ])('fails on the topic ARN "%s"', (arn) => {
      expect(problemsOf({ alerts: { existingTopicArn: arn }, databases: [ORDERS] })).toEqual([
        `config/test.json: alerts.existingTopicArn is "${arn}"; allowed: an SNS standard topic ARN, ` +
          'arn:aws:sns:<region>:<account>:<name> (FIFO topics cannot take alarms)',
      ]);
    });

    it('reads databasesPerStack', () => {
      expect(
        parseConfig({ databasesPerStack: 120, databases: [ORDERS] }, 'test.json').databasesPerStack,
      ).toBe(120);
    });

    it.each([0, 121, 2.5])('fails on databasesPerStack %j, naming the largest safe value', (value) => {
      expect(problemsOf({ databasesPerStack: value, databases: [ORDERS] })).toEqual([
        `config/test.json: databasesPerStack is ${value}; allowed: whole databases from 1 to 120`,
      ]);
    });

    it('reads the bucket lifecycle, lock and key settings', () => {
      const config = parseConfig(
        {
          bucket: {
            kmsKeyArn: KEY_ARN,
            archiveAfterDays: 60,
            expireAfterDays: 400,
            noncurrentVersionsExpireAfterDays: 7,
            objectLock: { mode: 'GOVERNANCE', retentionDays: 35 },
          },
          databases: [ORDERS],
        },
        'test.json',
      );

      expect(config.bucket).toEqual({
        encryption: 'kms',
        kmsKeyArn: KEY_ARN,
        archiveAfterDays: 60,
        expireAfterDays: 400,
        noncurrentVersionsExpireAfterDays: 7,
        objectLock: { mode: 'GOVERNANCE', retentionDays: 35 },
      });
    });

    it('fails at synth when objects would expire before they are archived (the bucket construct checks it)', () => {
      expect(synthError({ bucket: { expireAfterDays: 20 }, databases: [ORDERS] })).toBe(
        'OrdsDatapumpBackup/Default/Bucket: expireAfter must be longer than archiveAfter (30 days), got 20 days',
      );
    });

    it('fails on Object Lock with an existing bucket', () => {
      expect(
        problemsOf({
          bucket: {
            existingBucketName: 'corp-oracle-backups',
            objectLock: { mode: 'COMPLIANCE', retentionDays: 30 },
          },
          databases: [ORDERS],
        }),
      ).toEqual([
        'config/test.json: bucket.objectLock is {"mode":"COMPLIANCE","retentionDays":30} with ' +
          'bucket.existingBucketName "corp-oracle-backups"; allowed: only for a new bucket (an existing ' +
          "bucket's Object Lock is its owner's)",
      ]);
    });

    it('fails on lifecycle settings with an existing bucket', () => {
      expect(
        problemsOf({
          bucket: { existingBucketName: 'corp-oracle-backups', archiveAfterDays: 90 },
          databases: [ORDERS],
        }),
      ).toEqual([
        'config/test.json: bucket.archiveAfterDays is 90 with bucket.existingBucketName "corp-oracle-backups"; ' +
          "allowed: only for a new bucket (an existing bucket's lifecycle is its owner's)",
      ]);
    });

    it('fails on a new key for an existing bucket, pointing to kmsKeyArn', () => {
      const [problem] = problemsOf({
        bucket: { existingBucketName: 'corp-oracle-backups', encryption: 'kms' },
        databases: [ORDERS],
      });

      expect(problem).toContain(
        'bucket.encryption is "kms" with bucket.existingBucketName "corp-oracle-backups"',
      );
      expect(problem).toContain('bucket.kmsKeyArn');
    });

    it('fails at synth on kmsKeyArn with S3-managed encryption (the bucket construct checks it)', () => {
      expect(synthError({ bucket: { encryption: 's3', kmsKeyArn: KEY_ARN }, databases: [ORDERS] })).toBe(
        'OrdsDatapumpBackup/Default/Bucket: encryptionKey needs encryption KMS, got S3_MANAGED',
      );
    });

    it.each([
      [
        { objectLock: { mode: 'LEGAL_HOLD', retentionDays: 30 } },
        'bucket.objectLock.mode is "LEGAL_HOLD"; allowed: GOVERNANCE, COMPLIANCE',
      ],
      [
        { objectLock: { mode: 'GOVERNANCE', retentionDays: 0 } },
        'bucket.objectLock.retentionDays is 0; allowed: whole days from 1 to 36500',
      ],
      [
        { archiveAfterDays: -1 },
        'bucket.archiveAfterDays is -1; allowed: whole days (0: never) from 0 to 36500',
      ],
      [{ encryption: 'aes' }, 'bucket.encryption is "aes"; allowed: s3, kms'],
      [{ kmsKeyArn: 'alias/backups' }, 'bucket.kmsKeyArn is "alias/backups"; allowed: a KMS key ARN'],
    ])('fails on the bucket setting %j, naming field and value', (bucket, expected) => {
      const [problem] = problemsOf({ bucket, databases: [ORDERS] });

      expect(problem).toContain(`config/test.json: ${expected}`);
    });
  });
});

describe('server cleanup settings', () => {
  it('reads serverCleanup and autonomousDatabase from the database, then the defaults', () => {
    // GIVEN defaults that keep files and a database that names its own settings
    const document = {
      defaults: { serverCleanup: 'off' },
      databases: [ORDERS, { ...ORDERS, id: 'adb', serverCleanup: 'files', autonomousDatabase: true }],
    };

    // WHEN the configuration is parsed
    const { databases } = parseConfig(document, 'test.json');

    // THEN each database gets its own setting, else the default's
    expect(
      databases.map(({ serverCleanup, autonomousDatabase }) => [serverCleanup, autonomousDatabase]),
    ).toEqual([
      ['off', false],
      ['files', true],
    ]);
  });

  it('fails on an unknown serverCleanup value, naming the value and the allowed ones', () => {
    const problems = problemsOf(withOrders({ serverCleanup: 'everything' }));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('database "orders": serverCleanup is "everything"');
    expect(problems[0]).toContain('off');
    expect(problems[0]).toContain('files-and-control-table');
  });

  it('reads recordSha256 from the database, then the defaults, and leaves it off unless asked', () => {
    // GIVEN no default for it, then a default that turns it on, overridden by one database
    const off = parseConfig({ databases: [ORDERS] }, 'test.json');
    const on = parseConfig(
      {
        defaults: { recordSha256: true },
        databases: [ORDERS, { ...ORDERS, id: 'fast', recordSha256: false }],
      },
      'test.json',
    );

    // THEN it is off by default, and each database gets its own setting, else the default's
    expect(off.databases.map((database) => database.recordSha256)).toEqual([false]);
    expect(on.databases.map((database) => database.recordSha256)).toEqual([true, false]);
  });

  it('fails on a recordSha256 that is not a boolean', () => {
    expect(problemsOf(withOrders({ recordSha256: 'yes' }))).toEqual([
      'config/test.json: database "orders": recordSha256 is "yes"; allowed: true or false',
    ]);
  });

  it('reads consistency from the database, then the defaults, auto unless asked', () => {
    const plain = parseConfig({ databases: [ORDERS] }, 'test.json');
    const asked = parseConfig(
      {
        defaults: { consistency: 'point-in-time' },
        databases: [ORDERS, { ...ORDERS, id: 'legacy', consistency: 'per-table' }],
      },
      'test.json',
    );

    expect(plain.databases.map((database) => database.consistency)).toEqual(['auto']);
    expect(asked.databases.map((database) => database.consistency)).toEqual(['point-in-time', 'per-table']);
  });

  it('fails on a consistency it does not offer, naming the value and the allowed ones', () => {
    const problems = problemsOf(withOrders({ consistency: 'always' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('consistency');
    expect(problems[0]).toContain('"always"');
    expect(problems[0]).toContain('point-in-time');
    expect(problems[0]).toContain('auto');
  });

  it('fails on an autonomousDatabase that is not a boolean', () => {
    expect(problemsOf(withOrders({ autonomousDatabase: 'yes' }))).toEqual([
      'config/test.json: database "orders": autonomousDatabase is "yes"; allowed: true or false',
    ]);
  });
});
