import { describe, expect, it } from 'vitest';
import { windowCapacityWarnings } from '../../../../functions/core/fleet/index.js';

const WINDOW = { start: '01:00', hours: 4, timeZone: 'Europe/Berlin' };
const A = 'https://a.example.com';
const B = 'https://b.example.com:8443';
const HOUR = 3600;

describe('windowCapacityWarnings', () => {
  it('is silent when every origin fits: work ÷ cap and the longest run within the window', () => {
    const databases = [
      ...Array.from({ length: 8 }, (_, index) => ({ id: `a${index}`, origin: A, durationSeconds: 2 * HOUR })),
      { id: 'b0', origin: B, durationSeconds: 4 * HOUR },
    ];
    // A: 16 h of work at 4 slots = 4 h; B: one run of exactly 4 h.
    expect(windowCapacityWarnings(WINDOW, databases, { perOrigin: 4 })).toEqual([]);
  });

  it('warns for an origin whose work at its cap outlasts the window, naming origin, numbers and the fix', () => {
    const databases = Array.from({ length: 9 }, (_, index) => ({
      id: `a${index}`,
      origin: A,
      durationSeconds: 2 * HOUR,
    }));

    expect(windowCapacityWarnings(WINDOW, databases, { perOrigin: 4 })).toEqual([
      `window 01:00 4h Europe/Berlin cannot hold ORDS ${A}: its 9 database(s) need 18.0 h of runs, 4.5 h at 4 slot(s), ` +
        "longer than the window's 4 h; raise its cap (ordsCaps), lengthen the window or move databases to another window",
    ]);
    // The origin's own cap is used.
    expect(windowCapacityWarnings(WINDOW, databases, { perOrigin: 4, byOrigin: { [A]: 5 } })).toEqual([]);
  });

  it('warns for a single run longer than the window, whatever the cap', () => {
    const warnings = windowCapacityWarnings(
      WINDOW,
      [
        { id: 'huge', origin: B, durationSeconds: 5 * HOUR },
        { id: 'small', origin: A, durationSeconds: HOUR },
      ],
      { perOrigin: 100 },
    );
    expect(warnings).toEqual([expect.stringContaining(`ORDS ${B}: its longest run, "huge", takes 5.0 h`)]);
  });

  it('warns for the deployment cap, and says how many databases had no last run time', () => {
    const databases = [
      { id: 'a', origin: A, durationSeconds: 3 * HOUR },
      { id: 'b', origin: B, durationSeconds: 3 * HOUR },
      { id: 'new', origin: B },
      { id: 'odd', origin: A, durationSeconds: Number.NaN },
    ];
    expect(windowCapacityWarnings(WINDOW, databases, { perOrigin: 4, deployment: 1 })).toEqual([
      "window 01:00 4h Europe/Berlin cannot hold the deployment: its 2 database(s) need 6.0 h of runs, 6.0 h at the deployment cap of 1 slot(s), longer than the window's 4 h (2 database(s) without a last run time not counted); raise deploymentCap or lengthen the window",
    ]);
  });

  it('is silent for a window whose databases have no run times yet', () => {
    expect(
      windowCapacityWarnings(WINDOW, [{ id: 'new', origin: A }], { perOrigin: 1, deployment: 1 }),
    ).toEqual([]);
  });
});
