import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;
/** 40 MiB in the copy function's 8 MiB parts: five parts. */
const SIZE = 40 * MiB;

describe('dumps larger than one invocation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() =>
    h.simulator.configure({
      dumpFiles: 1,
      dumpFileBytes: SIZE,
      range: true,
      contentLength: true,
      resetDownloadAfterBytes: undefined,
    }),
  );

  // A budget shorter than the safety margin leaves room for one part per invocation.
  const tinyBudget = { maxInvocationSeconds: 0.5 };
  const dumpOf = (result: Awaited<ReturnType<Harness['run']>>) =>
    result.manifest?.files.find((f) => f.kind === 'dump');

  it('resumes across invocations with Range requests, byte-identical, and records the invocations', async () => {
    const result = await h.run(tinyBudget);

    expect(result.status).toBe('SUCCEEDED');
    expect(dumpOf(result)?.invocations).toBeGreaterThanOrEqual(5);
    await h.expectStoredAsServed(result);
    const ranges = h.simulator.requests.filter((r) => r.path.endsWith('.DMP') && r.headers.range);
    expect(ranges.length).toBeGreaterThanOrEqual(4);
  });

  it('fails fast, without retries, when ORDS ignores Range and the file cannot be re-read within one invocation', async () => {
    h.simulator.configure({ range: false });
    const before = h.simulator.requests.length;
    const result = await h.run(tinyBudget);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RangeNotSupportedError');
    expect(result.cause).toContain(`holds ${SIZE} bytes`);
    expect(result.cause).toContain('honour');
    // The first invocation and one resume: a non-retried error.
    const dumpReads = h.simulator.requests.slice(before).filter((r) => r.path.endsWith('.DMP'));
    expect(dumpReads.length).toBe(2);
  });

  it('resumes after a connection reset in the middle of a part without losing or duplicating bytes', async () => {
    h.simulator.configure({ resetDownloadAfterBytes: 19 * MiB + 12345, resetCount: 1 });
    const result = await h.run();

    expect(result.status).toBe('SUCCEEDED');
    expect(h.simulator.requests.some((r) => r.fault === 'reset')).toBe(true);
    await h.expectStoredAsServed(result);
  });

  it('copies a body of unknown length (chunked) across invocations', async () => {
    h.simulator.configure({ contentLength: false });
    const result = await h.run(tinyBudget);

    expect(result.status).toBe('SUCCEEDED');
    // Part 1 waits for part 2 (a one-part file is one PutObject): the first invocation stores two.
    expect(dumpOf(result)?.invocations).toBeGreaterThanOrEqual(4);
    await h.expectStoredAsServed(result);
  });
});
