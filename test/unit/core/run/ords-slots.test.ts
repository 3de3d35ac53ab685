import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deploymentSlots,
  releaseSlots,
  type SlotRequest,
  originSlots as slotsOf,
  takeSlots,
} from '../../../../functions/core/run/ords-slots.js';
import type { SlotHolding } from '../../../../functions/core/state/index.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(() => s3.stop());

const ARN = 'arn:aws:states:eu-central-1:123456789012:execution:backup:';
const EMPTY: SlotHolding = { held: [] };
/** The key prefix the slots are kept under here (a database's prefix). */
const PREFIX = 'nightly/';
const originSlots = (origin: string) => slotsOf(PREFIX, origin);
const DEPLOYMENT_SLOTS = deploymentSlots(PREFIX);

/** Step Functions as the slots see it: each execution's status by ARN (absent: RUNNING). */
let statuses: Map<string, string>;
let origin: string;
let n = 0;
beforeEach(() => {
  statuses = new Map();
  // Each test its own origin, so their slots never meet.
  origin = `https://ords-${++n}.example.com`;
});
const deps = () => ({
  s3: s3.client,
  bucket: s3.bucket,
  logger: recordingLogger(),
  executionStatus: async (arn: string) => statuses.get(arn) ?? 'RUNNING',
});
const run = (name: string, extra: Partial<SlotRequest> = {}, originCap = 1): SlotRequest => ({
  database: name.split('_')[0]!,
  prefix: PREFIX,
  caps: { origin, originCap },
  holder: { executionArn: `${ARN}${name}`, executionName: name, startedAt: '2026-12-07T01:00:00.000Z' },
  ...extra,
});
const take = (name: string, extra: Partial<SlotRequest> = {}, holding = EMPTY, want = 1, cap = 1) =>
  takeSlots(deps(), run(name, extra, cap), want, holding, { queue: true });
const holderOf = async (key: string) => {
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
  return head.Metadata?.['execution-name'];
};
const keysUnder = async (prefix: string) => {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
};

describe('ORDS slots on the local S3 (real conditional writes)', () => {
  it('gives the last slot to exactly one of two executions racing for it', async () => {
    const [a, b] = await Promise.all([take('a_1'), take('b_1')]);

    expect([a.originSlots, b.originSlots].sort()).toEqual([0, 1]);
    const winner = a.originSlots === 1 ? 'a_1' : 'b_1';
    expect(await holderOf(`${originSlots(origin)}0.json`)).toBe(winner);
    expect((a.originSlots === 1 ? b : a).short).toBe('origin');
  });

  it('counts a slot taken again by the same execution once (a retry after a lost answer)', async () => {
    const first = await take('a_1', {}, EMPTY, 1, 2);
    // The answer was lost: the retry starts from the empty holding again.
    const again = await take('a_1', {}, EMPTY, 1, 2);

    expect(again.holding.held).toEqual(first.holding.held);
    expect(await keysUnder(originSlots(origin))).toEqual([`${originSlots(origin)}0.json`]);
  });

  it.each(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE', 'GONE'])(
    'takes over a slot whose holder ended %s',
    async (status) => {
      await take('old_1');
      statuses.set(`${ARN}old_1`, status);

      const taken = await take('new_1');

      expect(taken.originSlots).toBe(1);
      expect(await holderOf(`${originSlots(origin)}0.json`)).toBe('new_1');
    },
  );

  it('counts a holder whose status cannot be read as running: the slot is never taken on a guess', async () => {
    await take('old_1');
    const refusing = {
      ...deps(),
      executionStatus: async () => {
        throw new Error('AccessDenied: an execution of another deployment');
      },
    };

    const taken = await takeSlots(refusing, run('new_1'), 1, EMPTY, { queue: true });

    expect(taken).toMatchObject({ originSlots: 0, short: 'origin' });
    expect(await holderOf(`${originSlots(origin)}0.json`)).toBe('old_1');
  });

  it('leaves a slot whose holder still runs', async () => {
    await take('old_1');
    const taken = await take('new_1');

    expect(taken).toMatchObject({ originSlots: 0, short: 'origin' });
    expect(await holderOf(`${originSlots(origin)}0.json`)).toBe('old_1');
  });

  it('releases only its own slot: a late release after a takeover leaves the new holder its slot', async () => {
    const old = await take('old_1');
    statuses.set(`${ARN}old_1`, 'ABORTED');
    await take('new_1');

    const left = await releaseSlots(deps(), old.holding, `${ARN}old_1`);

    expect(left.held).toEqual([]);
    expect(await holderOf(`${originSlots(origin)}0.json`)).toBe('new_1');
  });

  it('releases its slot, which the next run then takes without a takeover', async () => {
    const held = await take('a_1');
    await releaseSlots(deps(), held.holding, `${ARN}a_1`);

    expect(await keysUnder(originSlots(origin))).toEqual([]);
    expect((await take('b_1')).originSlots).toBe(1);
  });

  it('takes the deployment slot first and gives it back when the origin has none', async () => {
    const caps = (name: string) => ({
      caps: { origin, originCap: 1, deploymentCap: 50 },
      ...run(name).holder,
    });
    const a = await takeSlots(deps(), { ...run('a_1'), caps: caps('a_1').caps }, 1, EMPTY, { queue: false });
    const b = await takeSlots(deps(), { ...run('b_1'), caps: caps('b_1').caps }, 1, EMPTY, { queue: false });

    expect(a.holding.held).toEqual([
      expect.stringMatching(/^nightly\/_slots\/_deployment\/\d+\.json$/),
      `${originSlots(origin)}0.json`,
    ]);
    expect(b).toMatchObject({ originSlots: 0, short: 'origin', holding: { held: [] } });
    const deployment = (await keysUnder(DEPLOYMENT_SLOTS)).filter((key) => a.holding.held.includes(key));
    expect(deployment).toHaveLength(1);
    await releaseSlots(deps(), a.holding, `${ARN}a_1`);
  });

  it('fails to take anything while the deployment cap is reached, whatever the origin has free', async () => {
    const full = { origin, originCap: 4, deploymentCap: 1 };
    // The deployment's one slot is held by a run of another origin.
    const other = await takeSlots(
      deps(),
      { ...run('x_1'), caps: { ...full, origin: `${origin}:8443` } },
      1,
      EMPTY,
      { queue: false },
    );
    const b = await takeSlots(deps(), { ...run('b_1'), caps: full }, 1, EMPTY, { queue: false });

    expect(b).toMatchObject({ originSlots: 0, short: 'deployment' });
    expect(await keysUnder(originSlots(origin))).toEqual([]);
    await releaseSlots(deps(), other.holding, `${ARN}x_1`);
  });

  it('lets the waiting run ranked first take a freed slot: the run ranked later waits', async () => {
    const holder = await take('h_1');
    const first = await take('r0_1', { rank: 0 });
    const second = await take('r1_1', { rank: 1 });
    expect(first).toMatchObject({
      short: 'origin',
      holding: { waiting: expect.stringContaining('/waiting/000000-r0.json') },
    });
    await releaseSlots(deps(), holder.holding, `${ARN}h_1`);

    // The later run polls first: it is held back by the earlier one.
    const early = await take('r1_1', { rank: 1 }, second.holding);
    expect(early).toMatchObject({ originSlots: 0, short: 'queue', ahead: 1 });
    const taken = await take('r0_1', { rank: 0 }, first.holding);
    expect(taken.originSlots).toBe(1);
    expect(taken.holding.waiting).toBeUndefined();
    expect(await keysUnder(`${originSlots(origin)}waiting/`)).toEqual([
      `${originSlots(origin)}waiting/000001-r1.json`,
    ]);
  });

  it('does not let the registration of an ended run hold the queue back: it is removed', async () => {
    const holder = await take('h_1');
    await take('r0_1', { rank: 0 });
    statuses.set(`${ARN}r0_1`, 'TIMED_OUT');
    const second = await take('r1_1', { rank: 1 });
    await releaseSlots(deps(), holder.holding, `${ARN}h_1`);

    const taken = await take('r1_1', { rank: 1 }, second.holding);

    expect(taken.originSlots).toBe(1);
    expect(await keysUnder(`${originSlots(origin)}waiting/`)).toEqual([]);
  });

  it('lets a run without a rank take a free slot at once, and releases a registration at the end', async () => {
    const holder = await take('h_1', {}, EMPTY, 1, 2);
    const waiting = await take('r0_1', { rank: 0 }, EMPTY, 1, 1);
    // cap 2 below: one slot free and one earlier waiter, but a run without a rank takes it at once.
    const rankless = await take('x_1', {}, EMPTY, 1, 2);
    expect(rankless.originSlots).toBe(1);

    await releaseSlots(deps(), waiting.holding, `${ARN}r0_1`);
    expect(await keysUnder(`${originSlots(origin)}waiting/`)).toEqual([]);
    await releaseSlots(deps(), holder.holding, `${ARN}h_1`);
  });

  it('tops up to k slots without waiting and drops back to one', async () => {
    const first = await take('a_1', {}, EMPTY, 1, 3);
    const topped = await takeSlots(deps(), run('a_1', {}, 3), 3, first.holding, { queue: false });
    expect(topped.originSlots).toBe(3);

    const dropped = await releaseSlots(deps(), topped.holding, `${ARN}a_1`, 1);
    expect(dropped.held).toEqual([`${originSlots(origin)}0.json`]);
    expect(await keysUnder(originSlots(origin))).toEqual([`${originSlots(origin)}0.json`]);
  });

  it('names an origin folder after scheme, host and port', () => {
    expect(slotsOf('', 'https://db.example.com:8443')).toBe('_slots/https_db.example.com_8443/');
    expect(slotsOf('a/b/', 'http://[::1]:8080')).toBe('a/b/_slots/http____1__8080/');
  });
});
