import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { restoreIdOf } from '../../functions/core/restore/index.js';
import {
  acquireRunLock,
  readLockHolder,
  releaseRunLock,
  releaseSlots,
  takeSlots,
} from '../../functions/core/run/index.js';
import type { SlotHolding } from '../../functions/core/state/index.js';
import {
  BY_HAND_EXECUTION,
  type RestoreCommandOptions,
  runRestoreCommand,
} from '../../local/commands/restore.js';
import { defaultRestoreSwitches } from '../../simulator/uploaded-files.js';
import { type Harness, SECRET, startHarness } from './harness.js';

/** Another run of the same ORDS (a backup's execution), holding slots through the local S3. */
const OTHER = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:backup:other-run',
  executionName: 'other-run',
  startedAt: new Date().toISOString(),
};
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('npm run restore takes an ORDS slot of its origin, and gives it back however it ends', () => {
  let h: Harness;
  let manifestUri: string;
  beforeAll(async () => {
    h = await startHarness();
    h.simulator.configure({ dumpFiles: 1, dumpFileBytes: 4096, restSql: true });
    const result = await h.run();
    expect(result.status).toBe('SUCCEEDED');
    const manifestKey = (await h.keys()).filter((key) => key.endsWith('/manifest.json')).at(-1)!;
    manifestUri = `s3://${h.s3.bucket}/${manifestKey}`;
  });
  afterAll(() => h.stop());
  beforeEach(() => h.simulator.configure({ restore: defaultRestoreSwitches(), importOutcome: 'success' }));

  const origin = () => new URL(h.simulator.url).origin;
  const store = () => ({ s3: h.s3.client, bucket: h.s3.bucket });
  /** The other run takes `count` slots of the origin (and of the deployment with a deployment cap). */
  const otherTakes = async (count: number, caps: { originCap: number; deploymentCap?: number }) => {
    const taken = await takeSlots(
      { ...store(), logger: quiet, executionStatus: async () => 'RUNNING' },
      { database: 'sales', prefix: '', caps: { origin: origin(), ...caps }, holder: OTHER },
      count,
      { held: [] },
      { queue: false },
    );
    expect(taken.originSlots).toBe(count);
    return taken.holding;
  };
  const otherReleases = (holding: SlotHolding) => releaseSlots(store(), holding, OTHER.executionArn);
  const slotKeys = async () => (await h.keys()).filter((key) => key.startsWith('_slots/'));
  const lockHeld = async () => readLockHolder(store(), '_locks/orders.json');
  const imports = () => h.simulator.jobs().filter((job) => job.operation === 'IMPORT').length;
  const dropUser = async (name: string) => {
    const response = await fetch(`${h.simulator.url}_/sql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/sql',
        authorization: `Basic ${Buffer.from('DBAPI_USER:secret-password').toString('base64')}`,
      },
      body: `DROP USER "${name}" CASCADE;`,
    });
    expect(response.status).toBe(200);
  };

  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  const restore = async (changes: Partial<RestoreCommandOptions>) => {
    lines.out = [];
    lines.err = [];
    const code = await runRestoreCommand(
      { s3: h.s3.client, out: (line) => lines.out.push(line), err: (line) => lines.err.push(line) },
      {
        manifestUri,
        database: 'orders',
        targetSchema: 'HR_SLOT',
        ordsUrl: h.simulator.url,
        secretText: SECRET,
        secretSource: 'test secret',
        keyPrefix: '',
        path: 'auto',
        pollSeconds: 1,
        timeoutSeconds: 120,
        remover: 'utl-file',
        presignSeconds: 300,
        ...changes,
      },
    );
    return { code, report: JSON.parse(lines.out.at(-1) ?? '{}') };
  };

  it('waits while another run fills the cap, then restores once the slot frees, leaving no slot behind', async () => {
    // GIVEN another run holding the origin's only slot
    const other = await otherTakes(1, { originCap: 1 });
    const importsBefore = imports();

    // WHEN a restore with a cap of 1 starts
    const running = restore({ targetSchema: 'HR_WAITED', ordsCap: 1, slotWaitMinutes: 5 });
    const waiting = `waiting for an ORDS slot of ${origin()}, 1 in use (${origin()} (cap 1); try 1`;
    await vi.waitFor(() => expect(lines.err.some((line) => line.startsWith(waiting))).toBe(true), {
      timeout: 20_000,
      interval: 50,
    });
    // THEN it started nothing on the server while it waited, and does not hold the database's run lock
    // meanwhile (a backup of that database may still start)
    expect(imports()).toBe(importsBefore);
    expect(await lockHeld()).toBeNull();
    // AND once the other run releases its slot, the restore takes it under its synthetic execution and finishes
    await otherReleases(other);
    const { code, report } = await running;

    expect(code, report.message).toBe(0);
    expect(report.succeeded).toBe(true);
    expect(lines.err.some((line) => line.startsWith(`Took an ORDS slot of ${origin()} after `))).toBe(true);
    expect(await slotKeys()).toEqual([]);
    expect(await lockHeld()).toBeNull();
    await dropUser('HR_WAITED');
  });

  it('fails naming the origin and cap when no slot frees within --slot-wait-minutes, touching nothing', async () => {
    const other = await otherTakes(2, { originCap: 2 });
    const requests = h.simulator.requests.length;
    try {
      const { code, report } = await restore({ targetSchema: 'HR_NO_SLOT', ordsCap: 2, slotWaitMinutes: 0 });

      expect(code).toBe(1);
      expect(report.error).toBe('RestoreFailedError');
      expect(report.message).toContain(`No ORDS slot of ${origin()} (cap 2) for database "orders"`);
      expect(report.message).toMatch(/all 2 slots of the origin are held/);
      // AND it sent nothing to ORDS, released the run lock, and left the other run's slots as they were
      expect(h.simulator.requests.length).toBe(requests);
      expect(await lockHeld()).toBeNull();
      expect(await slotKeys()).toEqual(other.held.slice().sort());
    } finally {
      await otherReleases(other);
    }
  });

  it('counts the deployment cap too: a held deployment slot keeps it waiting, and it keeps no origin slot', async () => {
    const other = await otherTakes(1, { originCap: 4, deploymentCap: 1 });
    try {
      const { code, report } = await restore({
        targetSchema: 'HR_NO_SLOT',
        ordsCap: 4,
        deploymentCap: 1,
        slotWaitMinutes: 0,
      });

      expect(code).toBe(1);
      expect(report.message).toContain(`${origin()} (cap 4, deployment cap 1)`);
      expect(report.message).toMatch(/all 1 slots of the deployment are held/);
      expect(await slotKeys()).toEqual(other.held.slice().sort());
    } finally {
      await otherReleases(other);
    }
  });

  it('adopts the slot an earlier run of the same restore left when its process died, taking no second one', async () => {
    // GIVEN the origin's only slot held by this very restore's synthetic execution, started an hour ago
    const restoreId = restoreIdOf(manifestUri, 'orders', 'HR_ADOPTED');
    const earlier = await takeSlots(
      { ...store(), logger: quiet, executionStatus: async () => 'RUNNING' },
      {
        database: 'orders',
        prefix: '',
        caps: { origin: origin(), originCap: 1 },
        holder: {
          executionArn: `arn:aws:states:local:000000000000${BY_HAND_EXECUTION}${restoreId}`,
          executionName: restoreId,
          startedAt: new Date(Date.now() - 3_600_000).toISOString(),
        },
      },
      1,
      { held: [] },
      { queue: false },
    );
    expect(earlier.originSlots).toBe(1);

    // WHEN the restore is run again, with no time to wait
    const { code, report } = await restore({ targetSchema: 'HR_ADOPTED', ordsCap: 1, slotWaitMinutes: 0 });

    // THEN it restores under the slot it already held, and releases it at the end
    expect(code, report.message).toBe(0);
    expect(lines.err.some((line) => line.startsWith('waiting for'))).toBe(false);
    expect(await slotKeys()).toEqual([]);
    await dropUser('HR_ADOPTED');
  });

  it('gives its slot back when the database run lock is held by another run', async () => {
    const lockDeps = { ...store(), logger: quiet, executionStatus: async () => 'RUNNING' };
    await acquireRunLock(lockDeps, {
      database: 'orders',
      prefix: '',
      executionArn: OTHER.executionArn,
      executionName: OTHER.executionName,
      executionStartTime: OTHER.startedAt,
    });
    const requests = h.simulator.requests.length;
    try {
      const { code, report } = await restore({ targetSchema: 'HR_LOCKED', ordsCap: 1 });

      expect(code).toBe(1);
      expect(report.error).toBe('DatabaseBusyError');
      expect(await slotKeys()).toEqual([]);
      expect(h.simulator.requests.length).toBe(requests);
      expect((await lockHeld())?.executionArn).toBe(OTHER.executionArn);
    } finally {
      await releaseRunLock(store(), '', 'orders');
    }
  });

  it('releases its slot and the run lock when the restore fails', async () => {
    h.simulator.configure({ importOutcome: 'fatal' });

    const { code, report } = await restore({ targetSchema: 'HR_FAILS', ordsCap: 1 });

    expect(code).toBe(1);
    expect(report.message).toMatch(/did not succeed/);
    expect(await slotKeys()).toEqual([]);
    expect(await lockHeld()).toBeNull();
  });

  it('releases its slot and the run lock when the restore is refused after taking them', async () => {
    const { code, report } = await restore({ targetSchema: 'DBAPI_USER', ordsCap: 1 });

    expect(code).toBe(1);
    expect(report.message).toMatch(/DBAPI_USER already exists/);
    expect(await slotKeys()).toEqual([]);
    expect(await lockHeld()).toBeNull();
  });
});
