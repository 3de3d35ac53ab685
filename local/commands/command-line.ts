import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ExitCode, UsageError } from './state-machine.js';

/**
 * What every script under `local/` and `bench/` shares about its command line: `--help` prints the
 * usage and exits 0; an unknown option or a bad value prints one line naming it, with the command
 * that lists the options, and exits 2.
 */

/** `npm run verify -- --help` (or `npm start -- --help`): the command that prints `usage`'s options. */
export function helpCommand(usage: string): string {
  const command = /\bnpm (start|run [\w:-]+)/.exec(usage)?.[1];
  return command === undefined ? '--help' : `npm ${command} -- --help`;
}

/**
 * The one line a command prints for an argument `parseArgs` refused (`Unknown option '--bogus'`,
 * `Option '--mib <value>' argument missing`), pointing to its `--help`; undefined for any other error.
 */
export function argumentProblem(error: unknown, usage: string): string | undefined {
  if (
    !(error instanceof TypeError) ||
    !String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
  ) {
    return undefined;
  }
  const [first = '', ...rest] = error.message.split('\n');
  // Node.js adds a sentence on `--` to an unknown option: beside the point when the option is a typo.
  const problem = first.replace(/\. To specify a positional argument .*$/, '').replace(/\.$/, '');
  // It explains an ambiguous value (`--seconds -1`) on lines of its own: keep how to give one.
  const dash = rest.find((line) => line.startsWith('To specify an option argument starting with a dash'));
  const hint = dash === undefined ? '' : ` (${dash.replace(/^To/, 'to').replace(/\.$/, '')})`;
  return `${problem}${hint}: ${helpCommand(usage)} lists the options`;
}

/** `parseArgs(config)`, with its refusals turned into `UsageError`s of one line (`argumentProblem`). */
export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const problem = argumentProblem(error, usage);
    throw problem === undefined ? error : new UsageError(problem);
  }
}

/**
 * A whole number of at least `min` from option `--name`'s text, or a UsageError naming the option,
 * the value and what is allowed.
 */
export function wholeNumberOption(name: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} "${text}" is not allowed; allowed: a whole number of at least ${min}`);
  }
  return value;
}

/** A positive number from option `--name`'s text, or a UsageError naming the option and the value. */
export function positiveNumberOption(name: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || !(value > 0)) {
    throw new UsageError(`--${name} "${text}" is not allowed; allowed: a positive number`);
  }
  return value;
}

/**
 * Runs a script's main and exits with its code. Usage errors print their message, `parseArgs`
 * refusals one line (`argumentProblem`), anything else its name and message; all three exit 2
 * (`ExitCode.Usage`): the outcome is unknown.
 */
export function runMain(main: () => Promise<number>, usage: string): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) console.error(error.message);
      else {
        console.error(
          argumentProblem(error, usage) ??
            (error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
        );
      }
      process.exit(ExitCode.Usage);
    },
  );
}
