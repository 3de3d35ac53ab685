import { describe, expect, it } from 'vitest';
import { ExportSpecSchema } from '../../../../functions/core/export/index.js';
import { manifestConsistency } from '../../../../functions/core/manifest/manifest-consistency.js';
import type { JobRef } from '../../../../functions/core/state/index.js';

const GiB = 1024 ** 3;
const SCN = '4215839';
const JOB: JobRef = {
  path: 'rest-sql',
  owner: 'DBAPI_USER',
  jobName: 'ODBK_ABCDEFGHIJKLMNOPQRSTUVWXY',
  runId: '20261207T020000Z-5304',
  fileName: 'ORDERS-20261207T020000Z-5304-%U.DMP',
  logFileName: 'ORDERS-20261207T020000Z-5304.LOG',
  jobMode: 'SCHEMA',
  startedAt: '2026-12-07T02:00:05.000Z',
  adopted: false,
  scn: SCN,
};
const VERDICT = {
  summary: 'Job "DBAPI_USER"."ODBK_ABCDEFGHIJKLMNOPQRSTUVWXY" successfully completed',
  consistentEvidence: { scn: SCN, markerLine: `ords-datapump-backup run=x FLASHBACK_SCN=${SCN}` },
};
const SPEC = ExportSpecSchema.parse({ schemas: ['HR'] });
const filesizeOf = (parameters: readonly { name: string; value: string }[] | undefined) =>
  parameters?.find((setting) => setting.name === 'FILESIZE')?.value;

describe('manifestConsistency: the FILESIZE it records', () => {
  it('records the size the run chose and sent (job.filesizeBytes), over the configured options', () => {
    const consistency = manifestConsistency({ ...JOB, filesizeBytes: 18 * GiB }, VERDICT, SPEC, {
      excludeStatistics: true,
    });

    expect(filesizeOf(consistency.parameters)).toBe(String(18 * GiB));
    // The other configured options still show.
    expect(consistency.parameters).toContainEqual(expect.objectContaining({ value: "IN ('STATISTICS')" }));
  });

  it('records the configured size, or 8 GiB, for a job state of an earlier version (no filesizeBytes)', () => {
    expect(filesizeOf(manifestConsistency(JOB, VERDICT, SPEC).parameters)).toBe(String(8 * GiB));
    expect(filesizeOf(manifestConsistency(JOB, VERDICT, SPEC, { filesizeBytes: 2 * GiB }).parameters)).toBe(
      String(2 * GiB),
    );
  });
});
