import { describe, expect, it } from 'vitest';
import { startOrder } from '../../../../functions/core/fleet/index.js';

const ran = (durationSeconds: number[], totalBytes: number[] = durationSeconds.map(() => 1)) => ({
  durationSeconds,
  totalBytes,
});

describe('startOrder', () => {
  it('starts the slowest first, then the biggest, then by id', () => {
    const order = startOrder([
      { id: 'small', history: ran([60]) },
      { id: 'slow', history: ran([3600]) },
      { id: 'big-b', history: ran([600], [9e9]) },
      { id: 'big-a', history: ran([600], [9e9]) },
      { id: 'mid', history: ran([600], [1e9]) },
    ]);
    expect(order).toEqual(['slow', 'big-a', 'big-b', 'mid', 'small']);
  });

  it('starts databases without history after all others, by id', () => {
    const order = startOrder([
      { id: 'new-b' },
      { id: 'known', history: ran([1]) },
      { id: 'new-a', history: ran([]) },
    ]);
    expect(order).toEqual(['known', 'new-a', 'new-b']);
  });

  it('is the same whatever order the databases are given in', () => {
    const fleet = Array.from({ length: 50 }, (_, i) => ({
      id: `db-${i}`,
      history: i % 7 === 0 ? undefined : ran([(i * 37) % 11]),
    }));
    const order = startOrder(fleet);
    expect(startOrder([...fleet].reverse())).toEqual(order);
    // Every seventh first, then the rest: a different order of the same databases.
    const shuffled = [...fleet.filter((_, i) => i % 7 === 3), ...fleet.filter((_, i) => i % 7 !== 3)];
    expect(startOrder(shuffled)).toEqual(order);
  });

  it('keeps the order when one night is an outlier (median of the recent runs)', () => {
    const before = startOrder([
      { id: 'a', history: ran([100, 100, 100]) },
      { id: 'b', history: ran([90, 90, 90]) },
    ]);
    const after = startOrder([
      { id: 'a', history: ran([100, 100, 100]) },
      { id: 'b', history: ran([90, 90, 5000]) },
    ]);
    expect(after).toEqual(before);
  });

  it('ignores values a manifest cannot hold (negative, NaN, infinite) rather than ranking by them', () => {
    const order = startOrder([
      { id: 'a', history: ran([Number.NaN, -5, Number.POSITIVE_INFINITY]) },
      { id: 'b', history: ran([10]) },
    ]);
    expect(order).toEqual(['b', 'a']);
  });
});
