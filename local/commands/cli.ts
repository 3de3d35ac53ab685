import { SFNClient } from '@aws-sdk/client-sfn';
import { ExitCode, type Output, UsageError } from './state-machine.js';

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
 * AWS refusing the request) print their message and exit 2, as does anything unexpected.
 */
export function runCommand(main: () => Promise<number>, usage: string): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(error.message);
      } else if (
        error instanceof TypeError &&
        'code' in error &&
        String(error.code).startsWith('ERR_PARSE_ARGS')
      ) {
        console.error(`${error.message}\n\n${usage}`);
      } else {
        console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
      process.exit(ExitCode.Usage);
    },
  );
}
