import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { type Harness, startHarness } from './harness.js';

/** Settings that every test starts from: a healthy simulator. */
const HEALTHY = {
  dumpFiles: 2,
  dumpFileBytes: 4096,
  outcome: 'success',
  restSql: true,
  transientFailures: undefined,
  logWithoutDumpFileSet: false,
} as const;

describe('a run accepts and changes only what it can prove, through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  let database = 0;
  const run = (options: Parameters<Harness['run']>[0] = {}) =>
    h.run({ database: `own${++database}`, ...options });
  beforeEach(() => h.simulator.configure(HEALTHY));

  it('fails with ExportFailedError naming the incomplete log when its dump file set is missing, and stores no dump file', async () => {
    // GIVEN an export whose log says success but lists no dump file set
    h.simulator.configure({ logWithoutDumpFileSet: true });

    // WHEN a backup runs
    const result = await run();

    // THEN it fails loudly, naming the incomplete log; no manifest, no dump file in S3
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ErrorName.ExportFailed);
    expect(result.cause).toContain('lists no dump file set');
    const job = h.simulator.jobs().at(-1)!;
    const keys = await h.keys();
    expect(keys.some((key) => key.endsWith('manifest.json') && key.includes(job.jobName))).toBe(false);
    expect(keys.some((key) => key.includes(job.jobName) && key.endsWith('.DMP'))).toBe(false);
    expect(keys.some((key) => key.includes(job.jobName) && key.endsWith('.LOG'))).toBe(true);
  });
});
