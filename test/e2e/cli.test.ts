import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/local-run.js';
import { type Harness, startHarness } from './harness.js';

const run = promisify(execFile);
const PASSWORD = 'cli-password-never-printed';

/** `npm start -- …` as a user types it: the real CLI in its own process. */
async function npmStart(args: string[], env: Record<string, string> = {}) {
  const tsx = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  return run(tsx, ['local/run.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe('npm start', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ users: { DBAPI_USER: PASSWORD } });
    dir = mkdtempSync(join(tmpdir(), 'ords-cli-'));
    writeFileSync(join(dir, 'secret.json'), JSON.stringify({ username: 'DBAPI_USER', password: PASSWORD }));
    writeFileSync(join(dir, 'export.json'), JSON.stringify({ jobMode: 'SCHEMA', schemas: ['HR'] }));
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const target = () => [
    '--ords-url',
    h.simulator.url,
    '--secret-file',
    join(dir, 'secret.json'),
    '--s3-endpoint',
    h.s3.endpoint,
    '--bucket',
    h.s3.bucket,
    '--export',
    join(dir, 'export.json'),
    '--poll-seconds',
    '1',
  ];
  const s3Credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

  it('backs up a given ORDS into a given S3 endpoint and prints the manifest as the last JSON line', async () => {
    const result = await npmStart([...target(), '--database', 'cli', '--json', '--verbose'], s3Credentials);

    expect(result.code).toBe(0);
    const manifest = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(manifest).toMatchObject({ database: 'cli', verdict: 'succeeded', bucket: h.s3.bucket });
    await h.expectStoredAsServed({ manifest } as never);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it('completes byte-identical against an ORDS whose links carry another path, whose state reads COMPLETED and whose job list is noisy and paged', async () => {
    h.simulator.configure({
      linkBasePath: '/gateway/ORDS/PDB1/DBAPI_USER/',
      endStateInState: true,
      listNoise: { foreignOwnerJobs: 2, recycleBinRows: 2, orphanJobs: 2 },
      pageLimit: 2,
    });
    try {
      const result = await npmStart([...target(), '--database', 'cli-variant', '--json'], s3Credentials);

      expect(result.code).toBe(0);
      const manifest = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
      expect(manifest).toMatchObject({ database: 'cli-variant', verdict: 'succeeded' });
      await h.expectStoredAsServed({ manifest } as never);
    } finally {
      h.simulator.configure({
        linkBasePath: undefined,
        endStateInState: false,
        listNoise: {},
        pageLimit: 25,
      });
    }
  });

  it('makes a point-in-time backup by default, its manifest carrying the SCN the stored log proves', async () => {
    const result = await npmStart([...target(), '--database', 'cli-pit', '--json'], s3Credentials);

    expect(result.code).toBe(0);
    const manifest = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(manifest.jobName).toMatch(/^ODBK_/);
    expect(manifest.consistency).toMatchObject({
      path: 'rest-sql',
      mode: 'point-in-time',
      scn: expect.stringMatching(/^[1-9]\d*$/),
    });
    const log = manifest.files.find((file: { kind: string }) => file.kind === 'log');
    expect((await h.read(log.key)).toString('utf8')).toContain(`FLASHBACK_SCN=${manifest.consistency.scn}`);
    expect(result.stderr).toContain(`consistency point-in-time at SCN ${manifest.consistency.scn}`);
  });

  it('falls back to per-table by default where ORDS refuses the files of the point-in-time job, and says so', async () => {
    h.simulator.configure({ servesSqlJobFiles: false });
    try {
      const result = await npmStart([...target(), '--database', 'cli-refused', '--json'], s3Credentials);

      expect(result.code).toBe(0);
      const manifest = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
      expect(manifest.consistency).toMatchObject({ path: 'ords-export', mode: 'per-table' });
      expect(manifest.consistency.reason).toMatch(
        /^consistency downgraded \(auto\): point-in-time refused: ORDS answers 404/,
      );
      expect(result.stderr).toContain('consistency per-table: consistency downgraded (auto)');
    } finally {
      h.simulator.configure({ servesSqlJobFiles: true });
    }
  });

  it('fails with a non-zero exit code and the error name and cause on stderr', async () => {
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ username: 'DBAPI_USER', password: 'wrong-one' }));
    const args = target();
    args[3] = join(dir, 'wrong.json');
    const result = await npmStart([...args, '--database', 'cli-wrong'], s3Credentials);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('OrdsAuthError');
    expect(result.stderr).toContain('401');
    expect(result.stdout + result.stderr).not.toContain('wrong-one');
  });

  it('says on stderr which files it removed from the server, keeping the manifest the last stdout line', async () => {
    const result = await npmStart([...target(), '--database', 'cli-clean', '--json'], s3Credentials);

    expect(result.code).toBe(0);
    const manifest = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(result.stderr).toContain(`removed ${manifest.files.length} file(s): ${manifest.files[0].name}`);
    expect(result.stderr).toContain(`dropped control table DBAPI_USER.${manifest.jobName}`);
  });

  it('leaves the files on the server with --keep-server-files, and says so', async () => {
    const result = await npmStart(
      [...target(), '--database', 'cli-keep', '--keep-server-files', '--json'],
      s3Credentials,
    );

    expect(result.code).toBe(0);
    const manifest = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(result.stderr).toContain('cleanup off');
    expect(h.simulator.jobs().find((job) => job.jobName === manifest.jobName)?.dropped).toBe(false);
  });

  it('drills with --restore-drill: imports with the remap, reports the verdict, removes the drill schema', async () => {
    writeFileSync(join(dir, 'export-hr.json'), JSON.stringify({ jobMode: 'SCHEMA', schemas: ['HR'] }));
    const result = await npmStart(
      [
        ...target(),
        '--database',
        'cli-drill',
        '--export',
        join(dir, 'export-hr.json'),
        '--restore-drill',
        'HR_DRILL',
        '--json',
      ],
      s3Credentials,
    );

    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(output.restoreDrill).toMatchObject({
      succeeded: true,
      targetSchema: 'HR_DRILL',
      schemaDropped: true,
    });
    expect(result.stderr).toMatch(/drill {4}succeeded: 7 table\(s\), 215 row\(s\) imported into HR_DRILL/);
    expect(result.stderr).toContain('drill schema HR_DRILL removed');
    const drillImport = h.simulator.jobs().find((job) => job.operation === 'IMPORT');
    expect(drillImport?.requestBody).toMatchObject({ remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }] });
    expect(h.simulator.users().map((user) => user.username)).not.toContain('HR_DRILL');
  });

  it('drills from S3 with --restore-drill-source s3: restores the stored copy after the cleanup', async () => {
    writeFileSync(join(dir, 'export-hr.json'), JSON.stringify({ jobMode: 'SCHEMA', schemas: ['HR'] }));
    const before = h.simulator.jobs().filter((job) => job.operation === 'IMPORT').length;
    const result = await npmStart(
      [
        ...target(),
        '--database',
        'cli-drill-s3',
        '--export',
        join(dir, 'export-hr.json'),
        '--restore-drill',
        'HR_DRILL',
        '--restore-drill-source',
        's3',
        '--json',
      ],
      s3Credentials,
    );

    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(output.restoreDrill).toMatchObject({
      succeeded: true,
      targetSchema: 'HR_DRILL',
      schemaDropped: true,
    });
    const drillImport = h.simulator
      .jobs()
      .filter((job) => job.operation === 'IMPORT')
      .slice(before)[0];
    // The import read the files the drill uploaded (named by its restore id), not the export's own
    expect(String(drillImport?.requestBody.file_name)).toMatch(/^R[0-9A-F]{10}-/);
  });
});
