import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, startHarness } from './harness.js';

/**
 * Why point-in-time matters, played end to end: a busy schema whose per-table export restores with
 * ORA-02298 in the restore drill (order lines without their orders), while the point-in-time export
 * of the same schema restores clean.
 */
describe('a busy schema through the restore drill', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ busySchema: true });
  });
  afterAll(() => h.stop());

  it('fails the drill of the per-table backup with ORA-02298, the backup itself stored', async () => {
    const result = await h.run({ consistency: 'per-table', restoreDrill: 'HR_DRILL' });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.RestoreDrillFailed);
    expect(result.cause).toMatch(
      /ORA-02298: cannot validate \(HR\.ORDER_LINES_ORDER_FK\) - parent keys not found/,
    );
    // The backup itself is stored with its manifest (per-table, saying so): only its restore failed.
    const manifests = (await h.keys()).filter((key) => key.endsWith('/manifest.json'));
    expect(manifests).toHaveLength(1);
    const manifest = JSON.parse((await h.read(manifests[0]!)).toString('utf8'));
    expect(manifest.consistency).toMatchObject({ mode: 'per-table' });
  });

  it('restores the point-in-time backup of the same schema clean', async () => {
    const result = await h.run({ consistency: 'point-in-time', restoreDrill: 'HR_DRILL' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.manifest!.consistency).toMatchObject({ mode: 'point-in-time' });
    expect(result.output).toMatchObject({ restoreDrill: { succeeded: true, verdict: 'succeeded' } });
  });
});
