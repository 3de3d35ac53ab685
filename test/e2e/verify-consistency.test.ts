import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/local-run.js';
import { type Harness, startHarness } from './harness.js';

const run = promisify(execFile);

/**
 * Issue 24, item 6: `npm run verify` shows what a real run's manifest claims about consistency, and
 * with `--download` fails when the manifest's SCN is not the one the stored log names.
 */
describe('npm run verify on the consistency a run recorded', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    h.simulator.configure({
      dumpFiles: 1,
      dumpFileBytes: 1000,
      outcome: 'success',
      servesSqlJobFiles: true,
      showsSqlJobs: true,
    });
  });

  /** `npm run verify -- <manifest> --download [--json] --s3-endpoint …` in its own process. */
  const npmRunVerify = (manifestKey: string, ...extra: string[]) =>
    run(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
      [
        'local/verify.ts',
        `s3://${h.s3.bucket}/${manifestKey}`,
        '--download',
        ...extra,
        '--s3-endpoint',
        h.s3.endpoint,
      ],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
      },
    ).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: `${error.stdout}${error.stderr}`,
      }),
    );
  const manifestKeyOf = (manifest: { files: readonly { key: string }[] }) => {
    const key = manifest.files[0]!.key;
    return `${key.slice(0, key.lastIndexOf('/') + 1)}manifest.json`;
  };

  it('shows a point-in-time claim in text and --json, proves its SCN by the log, and fails a tampered SCN naming both', async () => {
    const result = await h.run({ consistency: 'point-in-time' });
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    const consistency = result.manifest!.consistency;
    const scn = consistency.scn!;
    const key = manifestKeyOf(result.manifest!);

    const text = await npmRunVerify(key);
    const json = await npmRunVerify(key, '--json');

    expect(text.code, text.stdout).toBe(0);
    expect(text.stdout).toContain('consistency: point-in-time (path rest-sql)');
    expect(text.stdout).toContain(`SCN ${scn}, read at ${consistency.scnReadAt}`);
    expect(text.stdout).toContain('SET_PARAMETER FLASHBACK_SCN = scn_out');
    expect(text.stdout).toContain(`    ${consistency.evidence![0]}`);
    expect(text.stdout).toContain(`the log's SCN line names SCN ${scn}: ok`);
    expect(json.code, json.stdout).toBe(0);
    const parsed = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
    expect(parsed).toMatchObject({
      ok: true,
      consistency: {
        mode: 'point-in-time',
        scn,
        scnReadAt: consistency.scnReadAt,
        parameters: consistency.parameters,
      },
      logScn: { checked: true, logScn: scn, problems: [] },
    });

    // A copy of the manifest whose SCN was changed: every file still matches, the log does not.
    const original = await h.s3.client.send(new GetObjectCommand({ Bucket: h.s3.bucket, Key: key }));
    const manifest = JSON.parse(await original.Body!.transformToString());
    const forged = String(BigInt(scn) - 1n);
    manifest.consistency.scn = forged;
    const tamperedKey = key.replace(/manifest\.json$/, 'tampered/manifest.json');
    await h.s3.client.send(
      new PutObjectCommand({ Bucket: h.s3.bucket, Key: tamperedKey, Body: JSON.stringify(manifest) }),
    );

    const tampered = await npmRunVerify(tamperedKey);

    expect(tampered.code, tampered.stdout).toBe(1);
    expect(tampered.stdout).toContain(`names SCN ${scn} (`);
    expect(tampered.stdout).toContain(`the manifest SCN ${forged}`);
    expect(tampered.stdout).toContain("The log does not prove the manifest's SCN.");
  }, 120_000);

  it('shows the reason of a per-table backup', async () => {
    const result = await h.run({ consistency: 'per-table', database: 'pertable' });
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');

    const text = await npmRunVerify(manifestKeyOf(result.manifest!));

    expect(text.code, text.stdout).toBe(0);
    expect(text.stdout).toContain('consistency: per-table (path ords-export)');
    expect(text.stdout).toContain('  reason: point-in-time not enabled: ');
  }, 120_000);
});
