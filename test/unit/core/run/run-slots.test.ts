import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import { DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import { copySlots, releaseRunSlots, takeRunSlot } from '../../../../functions/core/run/run-slots.js';
import type { SlotHolding } from '../../../../functions/core/state/index.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { testBinding } from '../../../helpers/bindings.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(() => s3.stop());

const ARN = 'arn:aws:states:eu-central-1:123456789012:execution:backup:';
let host = 0;
/** A database of its own origin, cap 1; the clock at `now`. */
function setup(now: string) {
  const url = `https://slots-${++host}.example.com/ords/pdb1/dbapi_user/`;
  const binding = DatabaseBindingSchema.parse(
    testBinding({ ordsUrl: url, pollSeconds: 60, slots: { origin: new URL(url).origin, originCap: 1 } }),
  );
  const clock = { now: new Date(now) };
  const deps = {
    s3: s3.client,
    bucket: s3.bucket,
    logger: recordingLogger(),
    executionStatus: async () => 'RUNNING',
    binding: async () => binding,
    now: () => clock.now,
  };
  return { deps, clock };
}
const payload = (name: string, input: unknown, slots: SlotHolding = { held: [] }) => ({
  phase: 'take-slot' as const,
  executionName: name,
  executionArn: `${ARN}${name}`,
  executionStartTime: '2026-12-07T01:00:00.000Z',
  input,
  slots,
});
const WINDOW = { closesAt: '2026-12-07T02:00:00Z', rank: 0 };
const scheduled = { database: 'orders', scheduledTime: '2026-12-07T01:00:00Z' };

describe('taking the ORDS slot of a run', () => {
  it('takes a free slot, waits while none is free, and misses the window once it closes', async () => {
    const { deps, clock } = setup('2026-12-07T01:00:00Z');
    const first = await takeRunSlot(deps, payload('orders_a', scheduled));
    expect(first).toMatchObject({ taken: true, copyConcurrency: 1 });

    const waiting = await takeRunSlot(deps, payload('orders_b', { ...scheduled, window: WINDOW }));
    expect(waiting).toMatchObject({ taken: false, open: true, waits: 1 });
    expect(waiting.cause).toContain('all 1 slots of the origin are held');
    // Its tries are spread over the hour left, never past the closing time.
    expect(waiting.waitSeconds).toBeGreaterThanOrEqual(60);
    expect(waiting.waitSeconds).toBeLessThanOrEqual(3600);

    clock.now = new Date('2026-12-07T02:00:00Z');
    const missed = await takeRunSlot(deps, payload('orders_b', { ...scheduled, window: WINDOW }, waiting));
    expect(missed).toMatchObject({ taken: false, open: false });
    expect(missed.cause).toMatch(
      /^Missed the backup window: database "orders" got no ORDS slot at https:\/\/slots-\d+\.example\.com \(cap 1\) before its window closed at 2026-12-07T02:00:00.000Z \(rank 0/,
    );
    await releaseRunSlots(deps, missed, `${ARN}orders_b`);
    await releaseRunSlots(deps, first, `${ARN}orders_a`);
  });

  it('never starts late: a slot free after the window closed is not taken', async () => {
    const { deps } = setup('2026-12-07T02:00:01Z');
    const late = await takeRunSlot(deps, payload('orders_c', { ...scheduled, window: WINDOW }));
    expect(late).toMatchObject({ taken: false, open: false, held: [] });
  });

  it.each([
    ['a closing time in 2099', { closesAt: '2099-01-01T00:00:00Z', rank: 0 }, 'window.closesAt'],
    ['a negative rank', { closesAt: '2026-12-07T02:00:00Z', rank: -1 }, 'window.rank -1'],
  ])('refuses a window with %s before taking any slot', async (_, window, words) => {
    const { deps } = setup('2026-12-07T01:00:00Z');
    const error = await takeRunSlot(deps, payload('orders_d', { ...scheduled, window })).catch(
      (e: Error) => e,
    );
    expect(error).toMatchObject({ name: ErrorName.InvalidInput });
    expect((error as Error).message).toContain(words);
  });

  it('tops up the copy slots only from free ones, and copies one at a time when none is free', async () => {
    const { deps } = setup('2026-12-07T01:00:00Z');
    const start = await takeRunSlot(deps, payload('orders_e', scheduled));
    const copy = await copySlots(deps, {
      ...payload('orders_e', scheduled, start),
      database: 'orders',
      phase: 'copy',
      files: 4,
      fileConcurrency: 2,
    });
    expect(copy).toMatchObject({ taken: true, copyConcurrency: 1 });
    await releaseRunSlots(deps, copy, `${ARN}orders_e`);
  });
});
