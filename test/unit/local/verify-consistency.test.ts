import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_VERSION } from '../../../functions/core/manifest/manifest.js';
import { type LocalS3, startLocalS3 } from '../../../local/s3/local-s3.js';
import {
  checkLogScn,
  describeClaim,
  readConsistencyClaim,
  UNRECORDED_CONSISTENCY,
} from '../../../local/verify/verify-consistency.js';
import { verifyManifest } from '../../../local/verify/verify-manifest.js';
import { FakeOrds } from '../../helpers/fake-ords.js';
import { copyDeps, copyPayload, copyUntilDone } from '../core/transfer/transfer-fixtures.js';

const RUN = 'run-20261207-0200';
const MARKER = `ords-datapump-backup run=${RUN} FLASHBACK_SCN=4711`;
const LOG_TEXT =
  `07-DEC-26 02:00:01.123: ${MARKER}\n` +
  '07-DEC-26 02:00:09.000: Job "DBAPI_USER"."ODB_X" successfully completed at Mon Dec 7 02:00:09 2026\n';
const POINT_IN_TIME = {
  path: 'rest-sql',
  mode: 'point-in-time',
  scn: '4711',
  scnReadAt: '2026-12-07T02:00:00.000Z',
  evidence: [MARKER, 'Job "DBAPI_USER"."ODB_X" successfully completed at Mon Dec 7 02:00:09 2026'],
  parameters: [
    { call: 'SET_PARAMETER', name: 'FLASHBACK_SCN', value: 'scn_out' },
    { call: 'SET_PARAMETER', name: 'KEEP_MASTER', value: '1' },
  ],
  licensedOptions: [],
};
const log = (text: string) => ({ key: 'db/run/ODB_X.LOG', text });

describe('readConsistencyClaim and describeClaim', () => {
  it('shows a point-in-time claim: path, mode, SCN, read time, parameters and the proving log lines', () => {
    const lines = describeClaim(readConsistencyClaim(POINT_IN_TIME));

    expect(lines).toEqual([
      'consistency: point-in-time (path rest-sql)',
      '  SCN 4711, read at 2026-12-07T02:00:00.000Z',
      '  Data Pump parameters sent:',
      '    SET_PARAMETER FLASHBACK_SCN = scn_out',
      '    SET_PARAMETER KEEP_MASTER = 1',
      '  log lines that prove it:',
      `    ${MARKER}`,
      '    Job "DBAPI_USER"."ODB_X" successfully completed at Mon Dec 7 02:00:09 2026',
    ]);
  });

  it('shows the reason of a per-table backup, and a manifest without consistency as per-table', () => {
    const reason = 'consistency downgraded (auto): point-in-time refused: ORDS answers 404';
    expect(describeClaim(readConsistencyClaim({ path: 'ords-export', mode: 'per-table', reason }))).toEqual([
      'consistency: per-table (path ords-export)',
      `  reason: ${reason}`,
    ]);
    expect(readConsistencyClaim(undefined)).toBe(UNRECORDED_CONSISTENCY);
  });

  it('refuses a point-in-time claim without an SCN, and an SCN that is not digits, naming the field', () => {
    expect(() => readConsistencyClaim({ ...POINT_IN_TIME, scn: undefined })).toThrow(
      'its consistency claims point-in-time without an SCN',
    );
    expect(() => readConsistencyClaim({ ...POINT_IN_TIME, scn: '47; DROP' })).toThrow(
      'its consistency is not readable at scn: an SCN is digits only',
    );
  });
});

describe('checkLogScn', () => {
  const claim = readConsistencyClaim(POINT_IN_TIME);

  it("accepts a log whose marker line (after its LOGTIME stamp) names the manifest's SCN", () => {
    expect(checkLogScn(claim, RUN, log(LOG_TEXT))).toEqual({ checked: true, logScn: '4711', problems: [] });
  });

  it('fails a tampered manifest SCN, naming both SCNs', () => {
    const tampered = readConsistencyClaim({ ...POINT_IN_TIME, scn: '4712' });

    const check = checkLogScn(tampered, RUN, log(LOG_TEXT));

    expect(check.problems).toEqual([
      `the log db/run/ODB_X.LOG names SCN 4711 (${MARKER}), the manifest SCN 4712`,
    ]);
  });

  it("fails a log without this run's marker (another run's marker does not count)", () => {
    const other = LOG_TEXT.replace(RUN, 'run-20261206-0200');

    const check = checkLogScn(claim, RUN, log(other));

    expect(check.logScn).toBeNull();
    expect(check.problems).toEqual([
      `the log db/run/ODB_X.LOG has no "ords-datapump-backup run=${RUN} FLASHBACK_SCN=…" line, so nothing proves the manifest's SCN 4711`,
    ]);
  });

  it('fails evidence that the log does not hold, even when the SCN matches', () => {
    const forged = readConsistencyClaim({
      ...POINT_IN_TIME,
      evidence: ['ords-datapump-backup run=x FLASHBACK_SCN=4711'],
    });

    expect(checkLogScn(forged, RUN, log(LOG_TEXT)).problems).toEqual([
      'the manifest\'s evidence line "ords-datapump-backup run=x FLASHBACK_SCN=4711" is not in the log db/run/ODB_X.LOG',
    ]);
  });

  it('fails a point-in-time claim whose manifest lists no log, once every file was downloaded', () => {
    expect(checkLogScn(claim, RUN, undefined, true)).toEqual({
      checked: true,
      logScn: null,
      problems: ['the manifest lists no log file, so nothing proves its SCN 4711'],
    });
  });

  it('checks nothing for a per-table claim or when the log was not read', () => {
    expect(checkLogScn(UNRECORDED_CONSISTENCY, RUN, log(''))).toEqual({
      checked: false,
      logScn: null,
      problems: [],
    });
    expect(checkLogScn(claim, RUN, undefined)).toEqual({ checked: false, logScn: null, problems: [] });
  });
});

describe('verifyManifest with a point-in-time manifest', () => {
  let s3: LocalS3;
  let logFile: Awaited<ReturnType<typeof copyUntilDone>>['file'];
  beforeAll(async () => {
    s3 = await startLocalS3();
    const ords = new FakeOrds({ 'ODB_X.LOG': Buffer.from(LOG_TEXT) });
    const copied = await copyUntilDone(
      copyDeps(ords, s3),
      copyPayload('ODB_X.LOG', 'verify-pit/ODB_X.LOG', 'log'),
    );
    logFile = copied.file;
  });
  afterAll(async () => {
    await s3.stop();
  });
  const manifestWith = async (name: string, consistency: unknown) => {
    const key = `verify-pit/${name}/manifest.json`;
    const body = JSON.stringify({
      manifestVersion: MANIFEST_VERSION,
      runId: RUN,
      files: [logFile],
      consistency,
    });
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    return `s3://${s3.bucket}/${key}`;
  };

  it('reads the stored log on download and proves the SCN; without download it shows the claim only', async () => {
    const uri = await manifestWith('good', POINT_IN_TIME);

    const downloaded = await verifyManifest({ s3: s3.client, manifestUri: uri, download: true });
    const headOnly = await verifyManifest({ s3: s3.client, manifestUri: uri, download: false });

    expect(downloaded).toMatchObject({
      ok: true,
      consistency: { scn: '4711' },
      logScn: { checked: true, logScn: '4711' },
    });
    expect(headOnly).toMatchObject({ ok: true, logScn: { checked: false } });
  });

  it('fails verify when the manifest SCN was tampered with, though every file matches', async () => {
    const uri = await manifestWith('tampered', { ...POINT_IN_TIME, scn: '4700' });

    const result = await verifyManifest({ s3: s3.client, manifestUri: uri, download: true });

    expect(result.files[0]?.problems).toEqual([]);
    expect(result.ok).toBe(false);
    expect(result.logScn.problems).toEqual([expect.stringContaining('names SCN 4711 (')]);
    expect(result.logScn.problems[0]).toContain('the manifest SCN 4700');
  });
});
