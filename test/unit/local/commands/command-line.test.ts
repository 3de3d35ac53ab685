import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  argumentProblem,
  helpCommand,
  parseCommandLine,
  positiveNumberOption,
  wholeNumberOption,
} from '../../../../local/commands/command-line.js';
import { UsageError } from '../../../../local/commands/state-machine.js';

const USAGE = 'Usage: npm run fleet-sim -- [options]\n\n  --seed N   the seed\n  -h, --help';
const CONFIG = {
  options: { seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
} as const;

/** What `parseArgs` throws for `args`, to feed the real errors to `argumentProblem`. */
function refusalOf(args: string[], allowPositionals = false): unknown {
  try {
    parseArgs({ ...CONFIG, args, allowPositionals });
  } catch (error) {
    return error;
  }
  throw new Error(`parseArgs accepted ${args.join(' ')}`);
}

describe('helpCommand', () => {
  it('names the npm command of the usage text, npm start and scripts with a colon included', () => {
    expect(helpCommand(USAGE)).toBe('npm run fleet-sim -- --help');
    expect(helpCommand('Usage: npm start -- [options]')).toBe('npm start -- --help');
    expect(helpCommand('Usage: npm run bench:crc -- [options]')).toBe('npm run bench:crc -- --help');
  });

  it('falls back to --help when the usage names no npm command', () => {
    expect(helpCommand('Usage: something else')).toBe('--help');
  });
});

describe('argumentProblem', () => {
  it('turns an unknown option into one line naming it and the help command, without the note on --', () => {
    const error = refusalOf(['--sed', '3'], true);
    expect((error as Error).message).toContain("To specify a positional argument starting with a '-'");

    expect(argumentProblem(error, USAGE)).toBe(
      "Unknown option '--sed': npm run fleet-sim -- --help lists the options",
    );
    expect(argumentProblem(refusalOf(['--sed'], false), USAGE)).toBe(
      "Unknown option '--sed': npm run fleet-sim -- --help lists the options",
    );
  });

  it('names an option whose text holds a full stop whole', () => {
    expect(argumentProblem(refusalOf(['--a. b'], true), USAGE)).toBe(
      "Unknown option '--a. b': npm run fleet-sim -- --help lists the options",
    );
  });

  it('keeps, on the one line, how to give a value that starts with a dash', () => {
    const error = refusalOf(['--seed', '-05:00']);
    expect((error as Error).message).toContain('\n');

    expect(argumentProblem(error, USAGE)).toBe(
      "Option '--seed' argument is ambiguous (to specify an option argument starting with a dash use '--seed=-XYZ'): " +
        'npm run fleet-sim -- --help lists the options',
    );
  });

  it('names a short option, a missing value and an unexpected argument', () => {
    expect(argumentProblem(refusalOf(['-x']), USAGE)).toBe(
      "Unknown option '-x': npm run fleet-sim -- --help lists the options",
    );
    expect(argumentProblem(refusalOf(['--seed']), USAGE)).toBe(
      "Option '--seed <value>' argument missing: npm run fleet-sim -- --help lists the options",
    );
    expect(argumentProblem(refusalOf(['extra']), USAGE)).toMatch(
      /^Unexpected argument 'extra'[^\n]*: npm run fleet-sim -- --help lists the options$/,
    );
    expect(argumentProblem(refusalOf(['--help=yes']), USAGE)).toMatch(
      /'-h, --help' does not take an argument/,
    );
  });

  it('leaves every other error alone, a TypeError of another code too', () => {
    const other = Object.assign(new TypeError('fetch failed'), { code: 'ERR_INVALID_URL' });

    expect(argumentProblem(new Error('Unknown option'), USAGE)).toBeUndefined();
    expect(argumentProblem(other, USAGE)).toBeUndefined();
    expect(argumentProblem(new TypeError('no code'), USAGE)).toBeUndefined();
    expect(argumentProblem('ERR_PARSE_ARGS_UNKNOWN_OPTION', USAGE)).toBeUndefined();
  });
});

describe('parseCommandLine', () => {
  it('returns what parseArgs parses', () => {
    const { values } = parseCommandLine({ ...CONFIG, args: ['--seed', '7', '-h'] }, USAGE);

    expect(values).toEqual({ seed: '7', help: true });
  });

  it('throws a UsageError of one line for a refused argument', () => {
    const parse = () => parseCommandLine({ ...CONFIG, args: ['--databases', '3'] }, USAGE);

    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(/^Unknown option '--databases': npm run fleet-sim -- --help lists the options$/);
  });
});

describe('wholeNumberOption', () => {
  it('accepts a whole number from the minimum up', () => {
    expect(wholeNumberOption('latency-ms', '0', 0)).toBe(0);
    expect(wholeNumberOption('mib', '64', 1)).toBe(64);
  });

  it.each([
    ['0', 1],
    ['1.5', 1],
    ['abc', 1],
    ['', 0],
    [' ', 0],
    ['-1', 0],
    ['Infinity', 1],
  ])('refuses "%s" (minimum %d) naming the option and the value', (text, min) => {
    const read = () => wholeNumberOption('mib', text, min);

    expect(read).toThrow(UsageError);
    expect(read).toThrow(`--mib "${text}" is not allowed; allowed: a whole number of at least ${min}`);
  });
});

describe('positiveNumberOption', () => {
  it('accepts a positive number, fractions included', () => {
    expect(positiveNumberOption('seconds', '0.5')).toBe(0.5);
    expect(positiveNumberOption('seconds', '600')).toBe(600);
  });

  it.each(['0', '-5', 'abc', '', '  ', 'Infinity', 'NaN'])('refuses "%s" naming the option', (text) => {
    const read = () => positiveNumberOption('seconds', text);

    expect(read).toThrow(UsageError);
    expect(read).toThrow(`--seconds "${text}" is not allowed; allowed: a positive number`);
  });

  it('refuses a missing value', () => {
    expect(() => positiveNumberOption('seconds', undefined)).toThrow('--seconds "undefined" is not allowed');
  });
});
