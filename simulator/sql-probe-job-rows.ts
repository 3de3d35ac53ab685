import { databaseClockTime } from './database-clock.js';
import type { JobStore } from './job-store.js';
import { stateOf } from './simulated-job.js';
import type { SimulatorOptions } from './simulator-options.js';

/**
 * The rows the doctor's sweep query (./sql-probe-jobs.ts) answers for `caller`: its live jobs named
 * `ODBK_DR_…`, by name, each with its state, no attached session (the simulator attaches none), and
 * its creation and age on the simulator clock.
 */
export function probeJobRows(
  store: JobStore,
  options: SimulatorOptions,
  caller: string,
): Array<Record<string, unknown>> {
  const now = options.now();
  return store
    .list()
    .filter((job) => job.owner === caller && job.jobName.startsWith('ODBK_DR_'))
    .sort((a, b) => a.jobName.localeCompare(b.jobName))
    .map((job) => ({
      owner: caller,
      job_name: job.jobName,
      state: stateOf(job, store.observe(job, false)),
      attached_sessions: 0,
      created: databaseClockTime(job.createdAt, options.databaseTimeZone).text,
      age_seconds: Math.round((now.getTime() - job.createdAt.getTime()) / 1000),
    }));
}
