import { SFNClient } from '@aws-sdk/client-sfn';
import { runMain } from './command-line.js';
import type { Output } from './state-machine.js';

// Workstations may run Node.js 20, which the SDK warns about; the deployed functions run the newest runtime.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** stdout and stderr, for the operator commands. */
export const consoleOutput: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** A Step Functions client with the standard credential chain, in the state machine's region. */
export function sfnClient(region: string | undefined): SFNClient {
  return new SFNClient(region ? { region } : {});
}

/**
 * Runs a command's main and exits with its code: usage errors (bad flags, missing configuration,
 * AWS refusing the request) print their message and exit 2, as does anything unexpected; an unknown
 * option prints one line naming it and pointing to the command's `--help` (`runMain`).
 */
export function runCommand(main: () => Promise<number>, usage: string): void {
  runMain(main, usage);
}
