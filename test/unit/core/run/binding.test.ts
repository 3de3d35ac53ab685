import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import {
  assertKeyOfJob,
  bindingParameterName,
  DatabaseBindingSchema,
  parseBinding,
} from '../../../../functions/core/run/binding.js';
import { testBinding } from '../../../helpers/bindings.js';

const job = {
  owner: 'DBAPI_USER',
  jobName: 'DATAPUMP_REST_EXPORT_20261201020000',
  runId: '20261201T020000Z-1A2B',
  fileName: 'ORDERS-20261201T020000Z-1A2B-%U.DMP',
  jobMode: 'SCHEMA',
  startedAt: '2026-12-01T02:00:05.000Z',
  adopted: false,
};

describe('database bindings', () => {
  it('names the parameter after the path and the database', () => {
    expect(bindingParameterName('/ords-datapump-backup/databases/', 'orders')).toBe(
      '/ords-datapump-backup/databases/orders',
    );
  });

  it('parses a binding written for the database', () => {
    const binding = parseBinding('orders', '/p/orders', JSON.stringify(testBinding()));

    expect(binding).toMatchObject({
      database: 'orders',
      secretId: 'prod/ords/orders',
      export: { jobMode: 'SCHEMA' },
    });
  });

  it('reads a binding written before server cleanup existed with cleanup on, files removed by UTL_FILE', () => {
    // GIVEN a binding without the cleanup fields
    const { serverCleanup: _cleanup, autonomousDatabase: _adb, ...older } = testBinding();

    // WHEN it is parsed THEN the configuration's defaults apply
    expect(parseBinding('orders', '/p/orders', JSON.stringify(older))).toMatchObject({
      serverCleanup: 'files-and-control-table',
      autonomousDatabase: false,
    });
  });

  it('reads a binding written before recordSha256 existed with the SHA-256 off', () => {
    // GIVEN a binding without the field (deployed by an earlier version)
    const { recordSha256: _sha256, ...older } = testBinding();

    // WHEN it is parsed THEN the copy records the CRC-32 alone, the new default
    expect(parseBinding('orders', '/p/orders', JSON.stringify(older)).recordSha256).toBe(false);
  });

  it('reads a binding written before consistency existed as per-table, and refuses one it does not offer', () => {
    // GIVEN a binding deployed by an earlier version, and one tampered with
    const { consistency: _consistency, ...older } = testBinding() as ReturnType<typeof testBinding> & {
      consistency?: string;
    };
    const tampered = JSON.stringify({ ...testBinding(), consistency: 'always' });

    // THEN the first runs as it always did, the second fails naming the field
    expect(parseBinding('orders', '/p/orders', JSON.stringify(older)).consistency).toBe('per-table');
    expect(() => parseBinding('orders', '/p/orders', tampered)).toThrow(/consistency/);
  });

  it('fails on a binding with an unknown serverCleanup, naming the field', () => {
    const value = JSON.stringify({ ...testBinding(), serverCleanup: 'all' });

    expect(() => parseBinding('orders', '/p/orders', value)).toThrow(/serverCleanup/);
  });

  it('fails on a parameter that binds another database, naming both', () => {
    const error = (() => {
      try {
        return parseBinding('orders', '/p/orders', JSON.stringify(testBinding({ database: 'billing' })));
      } catch (e) {
        return e as Error;
      }
    })();

    expect(error).toMatchObject({ name: ErrorName.UnknownDatabase });
    expect((error as Error).message).toMatch(/"billing", not "orders"/);
  });

  it.each([
    ['not JSON', 'nope'],
    ['no value', undefined],
    ['a URL that is not http(s)', JSON.stringify(testBinding({ ordsUrl: 'file:///etc/passwd' }))],
    ['an unknown field', JSON.stringify({ ...testBinding(), extra: true })],
  ])('fails on a binding with %s', (_what, value) => {
    expect(() => parseBinding('orders', '/p/orders', value)).toThrow(/binding of database "orders"/);
  });

  it("accepts a key inside the job's folder of the database's prefix", () => {
    const binding = DatabaseBindingSchema.parse(testBinding({ prefix: 'oracle/' }));
    const key = `oracle/orders/2026/12/01/${job.jobName}/X-01.DMP`;

    expect(() => assertKeyOfJob(binding, job, 'X-01.DMP', key)).not.toThrow();
  });

  it.each([
    ['another prefix', `other/orders/2026/12/01/${job.jobName}/X-01.DMP`],
    ['another database', `oracle/billing/2026/12/01/${job.jobName}/X-01.DMP`],
    ['a manifest', `oracle/orders/2026/12/01/${job.jobName}/manifest.json`],
    ['a path escape', `oracle/orders/2026/12/01/${job.jobName}/../X-01.DMP`],
  ])('fails on a key in %s', (_what, key) => {
    const binding = DatabaseBindingSchema.parse(testBinding({ prefix: 'oracle/' }));

    expect(() => assertKeyOfJob(binding, job, 'X-01.DMP', key)).toThrow(/Refusing to store "X-01.DMP"/);
  });
});
