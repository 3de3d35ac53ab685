import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../infra/config/index.js';
import { runWindowsDoctor } from '../../../../local/commands/doctor-windows.js';

const WINDOW = { start: '01:00', hours: 4, timeZone: 'Europe/Berlin' };
const database = (id: string, host: string, extra: Record<string, unknown> = {}) => ({
  id,
  ordsUrl: `https://${host}/ords/${id}/`,
  secret: `prod/ords/${id}`,
  ...extra,
});

const record = (database: string, durationSeconds: number) => ({
  Body: {
    transformToString: async () =>
      JSON.stringify({
        lastBackupVersion: 1,
        database,
        finishedAt: '2026-12-06T03:00:00Z',
        jobName: 'DATAPUMP_REST_EXPORT_1',
        verdict: 'succeeded',
        manifest: `s3://backups/${database}/manifest.json`,
        totalBytes: 1e9,
        durationSeconds,
      }),
  } as never,
});

describe('npm run doctor -- --windows', () => {
  const s3 = mockClient(S3Client);
  let lines: string[];
  beforeEach(() => {
    s3.reset();
    lines = [];
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no such key', $metadata: {} }));
  });
  const deps = () => ({
    s3: new S3Client({ region: 'eu-central-1' }),
    out: (line: string) => lines.push(line),
    err: (line: string) => lines.push(line),
  });

  it('warns, exit 1, when an origin cannot hold its databases at its cap, judged from last runs', async () => {
    // Two databases of 3 h on one ORDS with a cap of 1: 6 h in a 4-hour window.
    const config = parseConfig(
      {
        ordsCaps: { 'https://a.example.com': 1 },
        defaults: { window: WINDOW },
        databases: [
          database('one', 'a.example.com'),
          database('two', 'a.example.com', { prefix: 'oracle/' }),
          database('other', 'b.example.com'),
          database('nightly', 'b.example.com', { window: undefined, schedule: { cron: '0 3 * * ? *' } }),
        ],
      },
      'fleet.json',
    );
    s3.on(GetObjectCommand, { Key: 'one/last-backup.json' }).resolves(record('one', 3 * 3600));
    s3.on(GetObjectCommand, { Key: 'oracle/two/last-backup.json' }).resolves(record('two', 3 * 3600));

    const code = await runWindowsDoctor(deps(), { config, bucket: 'backups' });

    expect(code).toBe(1);
    expect(lines).toEqual([
      '! window 01:00 4h Europe/Berlin: cannot hold its 3 database(s)',
      "    window 01:00 4h Europe/Berlin cannot hold ORDS https://a.example.com: its 2 database(s) need 6.0 h of runs, 6.0 h at 1 slot(s), longer than the window's 4 h (1 database(s) without a last run time not counted); raise its cap (ordsCaps), lengthen the window or move databases to another window",
    ]);
  });

  it('says the window holds its fleet, exit 0, at the default cap of 4', async () => {
    const config = parseConfig(
      {
        defaults: { window: WINDOW },
        databases: [database('one', 'a.example.com'), database('two', 'a.example.com')],
      },
      'fleet.json',
    );
    s3.on(GetObjectCommand, { Key: 'one/last-backup.json' }).resolves(record('one', 3 * 3600));
    s3.on(GetObjectCommand, { Key: 'two/last-backup.json' }).resolves({
      Body: { transformToString: async () => 'not json' } as never,
    });

    const code = await runWindowsDoctor(deps(), { config, bucket: 'backups' });

    expect(code).toBe(0);
    expect(lines).toContain(
      '✓ window 01:00 4h Europe/Berlin: holds its 2 database(s) (1 with a last run time)',
    );
    expect(lines.some((line) => line.includes('two: last run time unreadable'))).toBe(true);
  });
});
