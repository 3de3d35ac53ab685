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

describe('the progress line of "Start export"', () => {
  const job = { owner: 'DBAPI_USER', jobName: 'DATAPUMP_REST_EXPORT_20261202020000', adopted: false };

  it("names an earlier run's files it removed, and why it left another's, before its own job", () => {
    const superseded = [
      {
        execution: 'orders_20261201T020000Z',
        job: 'DBAPI_USER.DATAPUMP_REST_EXPORT_20261201020000',
        serverCleanup: 'done',
        removedFiles: ['A-01.DMP', 'A.LOG'],
        droppedControlTable: 'DBAPI_USER.DATAPUMP_REST_EXPORT_20261201020000',
        keep: false,
      },
      {
        execution: 'orders_20261130T020000Z',
        job: 'DBAPI_USER.DATAPUMP_REST_EXPORT_20261130020000',
        serverCleanup: 'failed',
        removedFiles: [],
        droppedControlTable: null,
        reason: 'ORDS answered 500',
        keep: true,
      },
    ];

    expect(describeEvent(exited('Start export', { run: { job, superseded } }))?.split('\n')).toEqual([
      '  earlier run orders_20261201T020000Z (job DBAPI_USER.DATAPUMP_REST_EXPORT_20261201020000): removed ' +
        'A-01.DMP, A.LOG, dropped DBAPI_USER.DATAPUMP_REST_EXPORT_20261201020000',
      '  earlier run orders_20261130T020000Z (job DBAPI_USER.DATAPUMP_REST_EXPORT_20261130020000): left on the ' +
        'server: ORDS answered 500',
      '  job DBAPI_USER.DATAPUMP_REST_EXPORT_20261202020000',
    ]);
    expect(describeEvent(exited('Start export', { run: { job } }))).toBe(
      '  job DBAPI_USER.DATAPUMP_REST_EXPORT_20261202020000',
    );
  });
});
