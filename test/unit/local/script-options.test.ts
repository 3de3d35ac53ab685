import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../local/local-run.js';

/**
 * Every operator and bench script of package.json (`tsx local/….ts`, `tsx bench/….ts`), in its own
 * process as `npm run` starts it: `--help` prints its usage and exits 0; an unknown option or a bad
 * value prints one line naming it and exits 2, before any work starts.
 */

const { scripts } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const SCRIPTS = Object.entries(scripts).flatMap(([name, command]) => {
  const file = /^tsx ((?:local|bench)\/[\w/-]+\.ts)$/.exec(command)?.[1];
  return file === undefined ? [] : [{ name, file, npm: name === 'start' ? 'npm start' : `npm run ${name}` }];
});

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(file: string, args: string[]): Promise<Outcome> {
  const tsx = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  return promisify(execFile)(tsx, [file, ...args], {
    cwd: PROJECT_ROOT,
    // A script that ignored the arguments would start its work: stop it rather than wait for it.
    timeout: 30_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

/** stderr's lines that are not blank. */
const linesOf = (stderr: string) => stderr.split('\n').filter((line) => line.trim() !== '');

describe('the scripts of package.json', () => {
  it('include every operator command and bench script', () => {
    expect(SCRIPTS.map((script) => script.name)).toEqual(
      expect.arrayContaining([
        'start',
        'backup-now',
        'runs',
        'doctor',
        'release-lock',
        'restore',
        'verify',
        'bench',
        'bench:crc',
        'large-run',
        'outage-run',
        'fleet-sim',
        'restore-bench',
      ]),
    );
  });

  it.each(SCRIPTS)('$npm -- --help prints its usage and exits 0', async ({ file, npm }) => {
    const result = await run(file, ['--help']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: ${npm} --`));
    expect(result.stdout).toContain('--help');
  });

  it.each(SCRIPTS)(
    '$npm -- --no-such-option prints one line naming it and exits 2',
    async ({ file, npm }) => {
      const result = await run(file, ['--no-such-option']);

      expect(result.stdout).toBe('');
      expect(linesOf(result.stderr)).toEqual([
        `Unknown option '--no-such-option': ${npm} -- --help lists the options`,
      ]);
      expect(result.code).toBe(2);
    },
  );

  it.each([
    ['bench/fleet-sim.ts', ['--databases', '0'], '--databases "0" is not allowed'],
    ['bench/fleet-sim.ts', ['--window-hours', 'ten'], '--window-hours "ten" is not allowed'],
    ['bench/large-run.ts', ['--size', 'huge'], '--size "huge" is not allowed'],
    ['bench/large-run.ts', ['--variants', 'range,sideways'], '--variants: unknown variant "sideways"'],
    ['bench/large-run.ts', ['--invocation-seconds', '0'], '--invocation-seconds "0" is not allowed'],
    ['bench/outage-run.ts', ['--poll-seconds', 'soon'], '--poll-seconds "soon" is not allowed'],
    ['bench/restore-bench.ts', ['--mib', '1.5'], '--mib "1.5" is not allowed'],
    ['bench/restore-bench.ts', ['--latency-ms'], "Option '--latency-ms <value>' argument missing"],
    ['bench/crc-bench.ts', ['--repeat', '0'], '--repeat must be a positive integer, got 0'],
    ['bench/copy-bench.ts', ['--sizes', 'big'], '--sizes: "big" is not a size'],
    ['local/verify.ts', [], 'verify takes one manifest URI, got none'],
  ])('%s %j exits 2 with one line naming the value', async (file, args, message) => {
    const result = await run(file, args);

    expect(linesOf(result.stderr)).toEqual([expect.stringContaining(message)]);
    expect(result.code).toBe(2);
  });
});
