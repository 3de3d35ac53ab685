import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, startHarness } from './harness.js';

describe('one database, one run, whatever happens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dumpFiles: 1, dumpFileBytes: 256 * 1024 });
  });
  afterAll(() => h.stop());

  it('lets only one of two runs started at the same moment export; the other names the holder', async () => {
    h.simulator.requests.length = 0;
    const [first, second] = await Promise.all([
      h.run({ database: 'twin', executionName: 'twin_20261201T020000Z' }),
      h.run({ database: 'twin', executionName: 'twin_manual-20261201T020000Z' }),
    ]);

    // Export POSTs only: the winner's cleanup POSTs its statements to …/_/sql as well.
    const posts = h.simulator.requests.filter(
      (request) => request.method === 'POST' && !request.path.endsWith('/_/sql'),
    );
    expect(posts).toHaveLength(1);
    const [won, lost] = first.status === 'SUCCEEDED' ? [first, second] : [second, first];
    expect(won.status).toBe('SUCCEEDED');
    expect(lost.error).toBe(ErrorName.DatabaseBusy);
    const holder = won === first ? 'twin_20261201T020000Z' : 'twin_manual-20261201T020000Z';
    expect(lost.cause).toContain(`execution ${holder}`);
    await h.expectStoredAsServed(won);
  });

  it('runs again once the holder has ended', async () => {
    const result = await h.run({ database: 'twin' });

    expect(result.status).toBe('SUCCEEDED');
  });

  it('rides out an ORDS outage of 503s and refused connections in the middle of an export', async () => {
    // The simulator needs polls to move the job on, so the export is still running after the outage.
    h.simulator.configure({ pollsPerState: 3 });
    const result = await h.run({ database: 'outage', ordsOutage: { seconds: 8 }, pollSeconds: 1 });

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const unreachable = result.events.filter(
      (event) =>
        event.type === 'StateExited' &&
        event.state.name === 'Read job' &&
        (event.state.output as { status?: { state?: string } }).status?.state === 'UNREACHABLE',
    );
    expect(result.outageFaults).toBeGreaterThan(0);
    // More unreachable reads than 503s answered: the rest met refused connections.
    expect(unreachable.length).toBeGreaterThan(result.outageFaults!);
    await h.expectStoredAsServed(result);
  });
});
