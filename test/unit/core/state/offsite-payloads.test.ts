import { describe, expect, it } from 'vitest';
import { OffsiteCopyTaskPayloadSchema, parsePayload } from '../../../../functions/core/state/index.js';

const check = {
  executionName: 'orders_1',
  database: 'orders',
  phase: 'check',
  manifest: 's3://backups/orders/2026/03/01/JOB/manifest.json',
  since: '',
};
const parse = (payload: unknown) =>
  parsePayload(OffsiteCopyTaskPayloadSchema, payload, 'The input of "Check off-site copy"');

describe('the payload of "Check off-site copy"', () => {
  it('takes a first check (no since yet), a later one, and a failure to record', () => {
    expect(parse(check)).toEqual(check);
    expect(parse({ ...check, since: '2026-03-01T02:40:00.000Z' }).phase).toBe('check');
    expect(parse({ executionName: 'orders_1', database: 'orders', phase: 'record-failure' }).phase).toBe(
      'record-failure',
    );
  });

  it('refuses what is not a manifest URI, a bad time, a bad database and extra fields, naming them', () => {
    expect(() => parse({ ...check, manifest: 's3://backups/orders/last-backup.json' })).toThrow('manifest');
    expect(() => parse({ ...check, since: 'yesterday' })).toThrow('since');
    expect(() => parse({ ...check, database: '../hr' })).toThrow('database');
    expect(() => parse({ ...check, password: 'x' })).toThrow('The input of "Check off-site copy" is invalid');
    expect(() =>
      parse({ executionName: 'orders_1', database: 'orders', phase: 'record-failure', manifest: 'x' }),
    ).toThrow();
  });
});
