import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CHECK_NAMES } from '../../../../functions/core/doctor/index.js';
import { doctorChecksInOrder } from '../../../../local/commands/doctor-usage.js';
import { PROJECT_ROOT } from '../../../../local/local-run.js';

/** The check names of a numbered list (`1. Binding, 2. Secret, …`), in the order listed. */
function namesListed(text: string): string[] {
  return [...text.matchAll(/(\d+)\. ([^,\n]+?)(?=,|\n|$)/g)].map((match, index) => {
    expect(Number(match[1])).toBe(index + 1);
    return match[2]!;
  });
}

describe('doctorChecksInOrder', () => {
  it("lists every one of the doctor's checks, numbered in the order they run", () => {
    expect(namesListed(doctorChecksInOrder())).toEqual([...CHECK_NAMES]);
  });

  it('wraps between checks, never inside a name, within the width', () => {
    const names = ['Alpha beta', 'Gamma delta epsilon', 'Zeta', 'Eta theta'];

    const text = doctorChecksInOrder(names, 30);

    expect(text.split('\n')).toEqual([
      '  1. Alpha beta,',
      '  2. Gamma delta epsilon,',
      '  3. Zeta, 4. Eta theta',
    ]);
    expect(namesListed(text)).toEqual(names);
  });

  it('puts a name longer than the width on a line of its own rather than losing it', () => {
    const text = doctorChecksInOrder(['A rather long check name', 'B'], 10);

    expect(text.split('\n')).toEqual(['  1. A rather long check name,', '  2. B']);
  });
});

describe('npm run doctor -- --help', () => {
  it('lists all the checks the doctor runs, in order', async () => {
    const tsx = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['local/doctor.ts', '--help'], { cwd: PROJECT_ROOT });

    const listed = stdout.slice(stdout.indexOf('in order'), stdout.indexOf('It prints one line per check'));
    expect(namesListed(listed)).toEqual([...CHECK_NAMES]);
    expect(CHECK_NAMES.length).toBeGreaterThanOrEqual(15);
  });
});
