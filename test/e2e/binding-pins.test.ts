import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, SECRET, startHarness } from './harness.js';

/**
 * Someone who may edit SSM parameters, but not deploy code, rewrites a database's binding to send
 * its credentials elsewhere. The functions carry the deployment's pins and refuse before any request.
 */
describe('a binding edited out of band', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dumpFiles: 1, dumpFileBytes: 64 * 1024 });
    // Another database's secret exists in the account: the edit below points at it.
    h.aws.putSecret('local/ords/billing', SECRET);
  });
  afterAll(() => h.stop());

  /** Secret reads made by the runs since `from` (the local AWS endpoint logs each call). */
  const secretReads = (from: number) =>
    h.aws.calls.slice(from).filter((call) => call.startsWith('secretsmanager.GetSecretValue'));

  it('runs as deployed: the unedited binding backs up (the pins do not get in the way)', async () => {
    h.simulator.requests.length = 0;
    const result = await h.run({ database: 'orders' });

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(h.simulator.requests.length).toBeGreaterThan(0);
    // Every secret read went through a session of the secret reader role tagged with the database.
    expect(h.aws.calls).toContain('sts.AssumeRole ords-datapump-backup:database=orders');
    expect(h.aws.sessions.length).toBeGreaterThan(0);
    for (const session of h.aws.sessions) {
      expect(session.tags).toEqual({ 'ords-datapump-backup:database': 'orders' });
    }
  });

  it('fails, sending no request and reading no secret, when the ORDS URL was pointed elsewhere', async () => {
    h.simulator.requests.length = 0;
    const calls = h.aws.calls.length;
    const elsewhere = `${new URL(h.simulator.url).origin}/ords/pdb1/collector/`;

    const result = await h.run({ database: 'orders', bindingEdits: { ordsUrl: elsewhere } });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.BindingMismatch);
    expect(result.cause).toContain(`ORDS URL "${elsewhere}" instead of "${h.simulator.url}"`);
    expect(h.simulator.requests).toHaveLength(0);
    expect(secretReads(calls)).toEqual([]);
  });

  it("fails, sending no request, when the secret was switched to another database's", async () => {
    h.simulator.requests.length = 0;
    const calls = h.aws.calls.length;

    const result = await h.run({ database: 'orders', bindingEdits: { secretId: 'local/ords/billing' } });

    expect(result.error).toBe(ErrorName.BindingMismatch);
    expect(result.cause).toContain('secret "local/ords/billing" instead of "local/ords/orders"');
    expect(h.simulator.requests).toHaveLength(0);
    expect(secretReads(calls)).toEqual([]);
  });

  it("fails, writing nothing, when the prefix was moved over another deployment's objects", async () => {
    h.simulator.requests.length = 0;
    const before = await h.keys();

    const result = await h.run({ database: 'orders', bindingEdits: { prefix: 'other-team/' } });

    expect(result.error).toBe(ErrorName.BindingMismatch);
    expect(h.simulator.requests).toHaveLength(0);
    expect(await h.keys()).toEqual(before);
  });
});
