import { describe, expect, it } from 'vitest';
import { describeEvent, type EventLog } from '../../../local/progress-lines.js';

const exited = (name: string, output: unknown) =>
  ({
    type: 'StateExited',
    timestamp: 0,
    state: { name, type: 'Task', input: {}, output },
  }) as unknown as EventLog;

describe('the progress line of "Take an ORDS slot"', () => {
  it('shows why a run waits, and nothing once it holds its slot', () => {
    const cause =
      'Database "orders" waits for an ORDS slot at https://db.example.com (cap 2): all 2 slots of the origin are held';

    expect(describeEvent(exited('Take an ORDS slot', { slots: { taken: false, open: true, cause } }))).toBe(
      `  ${cause}`,
    );
    expect(describeEvent(exited('Take an ORDS slot', { slots: { taken: true, cause: '' } }))).toBeUndefined();
  });
});
