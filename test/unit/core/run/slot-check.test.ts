import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import type { SlotCaps } from '../../../../functions/core/run/binding.js';
import { deploymentSlots, originSlots, takeSlots } from '../../../../functions/core/run/ords-slots.js';
import { releaseRunSlots } from '../../../../functions/core/run/run-slots.js';
import { assertRunSlots } from '../../../../functions/core/run/slot-check.js';
import type { SlotHolding } from '../../../../functions/core/state/index.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(() => s3.stop());

const ARN = 'arn:aws:states:eu-central-1:123456789012:execution:backup:';
const STARTED = new Date().toISOString();
const holder = (name: string) => ({ executionArn: `${ARN}${name}`, executionName: name, startedAt: STARTED });
let n = 0;
/** A key prefix and origin of their own; `status` answers DescribeExecution for every holder. */
function setup(caps: Omit<SlotCaps, 'origin'>, status = 'RUNNING') {
  const prefix = `check${++n}/`;
  const full: SlotCaps = { origin: `https://slots-${n}.example.com`, ...caps };
  let requests = 0;
  const client = new Proxy(s3.client, {
    get(target, key, receiver) {
      if (key !== 'send') return Reflect.get(target, key, receiver);
      return (...args: Parameters<typeof target.send>) => {
        requests++;
        return target.send(...args);
      };
    },
  });
  const deps = {
    s3: client,
    bucket: s3.bucket,
    logger: recordingLogger(),
    executionStatus: async () => status,
  };
  const take = async (name: string, count: number, holding: SlotHolding = { held: [] }) =>
    (
      await takeSlots(
        deps,
        { database: 'orders', prefix, caps: full, holder: holder(name) },
        count,
        holding,
        { queue: false },
      )
    ).holding;
  const check = (name: string, holding: SlotHolding, step = 'Read job') =>
    assertRunSlots(deps, { database: 'orders', prefix, caps: full, holder: holder(name), holding, step });
  const holderOf = async (key: string) => {
    try {
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      return head.Metadata?.['execution-name'];
    } catch {
      return 'nobody';
    }
  };
  const keys = async () =>
    (
      await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}_slots/` }))
    ).Contents?.map((object) => object.Key!) ?? [];
  return {
    deps,
    prefix,
    caps: full,
    take,
    check,
    holderOf,
    keys,
    origin: originSlots(prefix, full.origin),
    requests: () => requests,
  };
}

describe('a step that calls ORDS holds the slots its state names first (assertRunSlots)', () => {
  it('goes on with one HeadObject per slot while this execution holds them, writing nothing', async () => {
    const t = setup({ originCap: 2 });
    const holding = await t.take('run_a', 2);
    const before = t.requests();

    const checked = await t.check('run_a', holding);

    expect(checked).toEqual({ holding, replaced: [] });
    expect(t.requests() - before).toBe(2);
  });

  it('takes a slot its run released again, under the same key, so "Release run lock" frees it', async () => {
    // GIVEN a run that released its slot on its way to "Backup failed"
    const t = setup({ originCap: 1 });
    const holding = await t.take('run_a', 1);
    await releaseRunSlots(t.deps, holding, `${ARN}run_a`);
    expect(await t.keys()).toEqual([]);

    // WHEN its redrive checks its slots
    const checked = await t.check('run_a', holding);

    // THEN it holds the same key again, and its end releases it
    expect(checked).toEqual({ holding, replaced: [] });
    expect(await t.holderOf(`${t.origin}0.json`)).toBe('run_a');
    expect(await releaseRunSlots(t.deps, checked.holding, `${ARN}run_a`)).toBe(1);
    expect(await t.keys()).toEqual([]);
  });

  it('replaces a slot another running execution took with a free one, and its end releases the replacement', async () => {
    // GIVEN a redriven run whose slot 0 another run took, slot 1 free
    const t = setup({ originCap: 2 });
    const stale = await t.take('run_a', 1);
    await releaseRunSlots(t.deps, stale, `${ARN}run_a`);
    const other = await t.take('run_b', 1);
    expect(other.held).toEqual(stale.held);

    // WHEN it checks its slots
    const checked = await t.check('run_a', stale);

    // THEN it holds slot 1, leaves slot 0 to its holder, and says what it replaced
    expect(checked).toEqual({ holding: { held: [`${t.origin}1.json`] }, replaced: [`${t.origin}0.json`] });
    expect(await t.holderOf(`${t.origin}0.json`)).toBe('run_b');
    expect(await t.holderOf(`${t.origin}1.json`)).toBe('run_a');
    // AND "Release run lock", which only knows the state's (stale) keys, still frees slot 1, not slot 0
    expect(await releaseRunSlots(t.deps, stale, `${ARN}run_a`)).toBe(1);
    expect(await t.keys()).toEqual([`${t.origin}0.json`]);
  });

  it('fails with OrdsSlotLostError naming the holder when no slot is free, and keeps no deployment slot', async () => {
    // GIVEN a redriven run whose only origin slot another running execution holds, the deployment slot free
    const t = setup({ originCap: 1, deploymentCap: 2 });
    const stale = await t.take('run_a', 1);
    await releaseRunSlots(t.deps, stale, `${ARN}run_a`);
    await t.take('run_b', 1);

    // WHEN it checks its slots
    const failure = await t.check('run_a', stale, 'Copy file').catch((error: Error) => error);

    // THEN it fails, naming the step, the holder and the caps, and holds nothing it took on the way
    expect(failure).toMatchObject({ name: ErrorName.OrdsSlotLost });
    expect((failure as Error).message).toMatch(
      /^"Copy file" sends nothing to the ORDS of "orders": .*held by execution run_b .*cap 1, deployment cap 2/,
    );
    const deployment = deploymentSlots(t.prefix);
    expect((await t.keys()).filter((key) => key.startsWith(deployment))).toEqual([`${deployment}0.json`]);
    expect(await t.holderOf(`${deployment}0.json`)).toBe('run_b');
  });

  it('never takes the slot of an ended execution it may not describe: a holder counts as running', async () => {
    // GIVEN the only slot held by an execution that ended, and a step that cannot describe it
    const t = setup({ originCap: 1 }, 'RUNNING');
    const stale = await t.take('run_a', 1);
    await releaseRunSlots(t.deps, stale, `${ARN}run_a`);
    await t.take('run_ended', 1);

    // WHEN the redriven run checks its slots
    const failure = await t.check('run_a', stale).catch((error: Error) => error);

    // THEN it takes nothing on a guess
    expect(failure).toMatchObject({ name: ErrorName.OrdsSlotLost });
    expect(await t.holderOf(`${t.origin}0.json`)).toBe('run_ended');
  });

  it('does not take a slot again above a cap lowered since, and takes one below it instead', async () => {
    // GIVEN a run that held slot 2 of 3, released; the cap is 2 now
    const wide = setup({ originCap: 3 });
    await wide.take('run_x', 2);
    const stale = await wide.take('run_a', 1);
    expect(stale.held).toEqual([`${wide.origin}2.json`]);
    await releaseRunSlots(wide.deps, stale, `${ARN}run_a`);
    await releaseRunSlots(wide.deps, { held: [`${wide.origin}1.json`] }, `${ARN}run_x`);
    const narrow = assertRunSlots(wide.deps, {
      database: 'orders',
      prefix: wide.prefix,
      caps: { ...wide.caps, originCap: 2 },
      holder: holder('run_a'),
      holding: stale,
      step: 'Read job',
    });

    // THEN it holds slot 1, not slot 2
    expect((await narrow).holding.held).toEqual([`${wide.origin}1.json`]);
    expect(await wide.holderOf(`${wide.origin}2.json`)).toBe('nobody');
  });

  it('does not take a slot of an execution of the same name under another ARN for its own', async () => {
    // GIVEN slot 0 held by "run_a" of another state machine (another deployment sharing the ORDS)
    const t = setup({ originCap: 1 });
    const stale = await t.take('run_a', 1);
    await releaseRunSlots(t.deps, stale, `${ARN}run_a`);
    await takeSlots(
      t.deps,
      {
        database: 'orders',
        prefix: t.prefix,
        caps: t.caps,
        holder: {
          ...holder('run_a'),
          executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:other:run_a',
        },
      },
      1,
      { held: [] },
      { queue: false },
    );

    // WHEN this deployment's redriven "run_a" checks its slot
    const failure = await t.check('run_a', stale).catch((error: Error) => error);

    // THEN it is not fooled by the name
    expect(failure).toMatchObject({ name: ErrorName.OrdsSlotLost });
  });

  it('holds one slot when its state names none', async () => {
    const t = setup({ originCap: 1 });
    const checked = await t.check('run_a', { held: [] });
    expect(checked.holding.held).toEqual([`${t.origin}0.json`]);
  });
});
