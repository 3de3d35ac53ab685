import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, parseSecretReference } from '../../infra/config.js';
import { exampleConfig } from './synth.js';

const ORDERS = {
  id: 'orders',
  ordsUrl: 'https://db.example.com:8443/ords/pdb1/dbapi_user/',
  secret: 'prod/ords/orders',
  export: { jobMode: 'SCHEMA', schemas: ['HR'] },
};

/** The problems `parseConfig` reports for a document (empty when it is valid). */
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
    });
    expect(config.bucket).toEqual({});
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

  it('fails on a bad jobMode, naming file, database, field, value and the allowed values', () => {
    expect(problemsOf(withOrders({ export: { jobMode: 'FOOL' } }))).toEqual([
      'config/test.json: database "orders": export.jobMode is "FOOL"; allowed: FULL, SCHEMA, TABLE, TABLESPACE',
    ]);
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
      'config/test.json: database "orders": pollInterval is not a known key; allowed: id, ordsUrl, secret, schedule, ' +
        'export, pollIntervalSeconds, timeoutHours, prefix, acceptCompletedWithErrors, onRunningExport, enabled',
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
      'config/test.json: defualts is not a known key; allowed: defaults, bucket, databases',
      'config/test.json: defaults.schedule.zone is not a known key; allowed: cron, timeZone',
      'config/test.json: bucket.name is not a known key; allowed: existingBucketName',
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
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/ords/b-Ab12Cd', 'complete-arn'],
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

      expect(() => loadConfig(path)).toThrow(/broken\.json: is not valid JSON/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
