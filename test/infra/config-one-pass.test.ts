import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../infra/config/index.js';

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

describe('configuration problems in one pass', () => {
  it('fails with a single-field and a cross-field problem of one database at once', () => {
    // GIVEN a prefix without its trailing / and a TABLE export without a filter
    const document = { databases: [{ ...ORDERS, prefix: 'backups', export: { jobMode: 'TABLE' } }] };

    // WHEN it is parsed
    const problems = problemsOf(document);

    // THEN both are reported
    expect(problems).toEqual([
      expect.stringMatching(
        /^config\/test\.json: database "orders": prefix is "backups"; allowed: empty, or folder/,
      ),
      expect.stringMatching(
        /^config\/test\.json: database "orders": export\.filter is missing for export\.jobMode TABLE; allowed: /,
      ),
    ]);
  });

  it('fails with the cross-field problems of a database whose id is invalid, naming it by position', () => {
    // GIVEN a bad id and schemas with a FULL export
    const document = {
      databases: [{ ...ORDERS, id: 'Orders', export: { jobMode: 'FULL', schemas: ['HR'] } }],
    };

    // WHEN it is parsed
    const problems = problemsOf(document);

    // THEN the id and the schemas are both reported
    expect(problems).toEqual([
      expect.stringContaining('databases[0]: id is "Orders"'),
      expect.stringContaining('databases[0]: export.schemas is ["HR"] with export.jobMode FULL'),
    ]);
  });

  it('fails with a single-field and a cross-field problem of the bucket at once', () => {
    // GIVEN an unknown encryption and a lifecycle for an existing bucket
    const document = {
      bucket: { encryption: 'aes', existingBucketName: 'corp-oracle-backups', archiveAfterDays: 90 },
      databases: [ORDERS],
    };

    // WHEN it is parsed
    const problems = problemsOf(document);

    // THEN both are reported
    expect(problems).toEqual([
      'config/test.json: bucket.encryption is "aes"; allowed: s3, kms',
      expect.stringContaining(
        'bucket.archiveAfterDays is 90 with bucket.existingBucketName "corp-oracle-backups"',
      ),
    ]);
  });

  it('fails with the cross-field problem of a database while the defaults have a problem of their own', () => {
    // GIVEN a bad default and a database whose polls do not fit in one execution
    const document = {
      defaults: { prefix: 'x' },
      databases: [{ ...ORDERS, timeoutHours: 72, pollIntervalSeconds: 10 }],
    };

    // WHEN it is parsed
    const problems = problemsOf(document);

    // THEN both are reported
    expect(problems).toEqual([
      expect.stringContaining('defaults.prefix is "x"'),
      expect.stringContaining('database "orders": pollIntervalSeconds is 10 with timeoutHours 72'),
    ]);
  });

  it('fails without a cross-field problem made up from the default of a value that is invalid', () => {
    // GIVEN timeoutHours 72 and a pollIntervalSeconds out of range, whose default (60) would be too short
    const document = { databases: [{ ...ORDERS, timeoutHours: 72, pollIntervalSeconds: 5 }] };

    // WHEN it is parsed
    const problems = problemsOf(document);

    // THEN only the range is reported
    expect(problems).toEqual([
      'config/test.json: database "orders": pollIntervalSeconds is 5; allowed: whole seconds from 10 to 3600',
    ]);
  });

  it('fails without a cross-field problem made up from the default of an invalid bucket value', () => {
    // GIVEN archiveAfterDays out of range: the expire rule cannot compare with it
    const document = { bucket: { archiveAfterDays: -1, expireAfterDays: 20 }, databases: [ORDERS] };

    // WHEN it is parsed
    const problems = problemsOf(document);

    // THEN only the range is reported
    expect(problems).toEqual([
      'config/test.json: bucket.archiveAfterDays is -1; allowed: whole days (0: never) from 0 to 36500',
    ]);
  });

  it('fails on an export that is valid alone but not merged over the defaults, naming its field', () => {
    // GIVEN schemas in the defaults and a filter in the database
    const document = {
      defaults: { export: { schemas: ['HR'] } },
      databases: [{ ...ORDERS, export: { jobMode: 'SCHEMA', filter: 'SALES' } }],
    };

    // WHEN it is parsed
    const problems = problemsOf(document);

    // THEN the merged export is reported under export.schemas
    expect(problems).toEqual([
      'config/test.json: database "orders": export.schemas is ["HR"]; give either schemas or filter, not both',
    ]);
  });

  it('fails on the problems of the other sections when databases is missing', () => {
    // GIVEN no databases and a bad default
    const problems = problemsOf({ defaults: { timeoutHours: 0 } });

    // THEN both are reported
    expect(problems).toEqual([
      'config/test.json: databases is missing; allowed: a list of databases',
      'config/test.json: defaults.timeoutHours is 0; allowed: whole hours from 1 to 72',
    ]);
  });
});
