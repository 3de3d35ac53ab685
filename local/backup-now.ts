import { parseArgs } from 'node:util';
import { DEFAULT_NAME_PREFIX } from '../infra/names.js';
import { backupNow } from './commands/backup-now.js';
import { consoleOutput, runCommand, sfnClient } from './commands/cli.js';
import { locateStateMachine } from './commands/locate-state-machine.js';
import { regionFor, STATE_MACHINE_ARN_VARIABLE, UsageError } from './commands/state-machine.js';

/** `npm run backup-now -- <database>`: one backup now, on the deployed state machine. */
const USAGE = `Usage: npm run backup-now -- <database> [options]

Starts a backup of <database> on the deployed state machine (execution <database>_manual_<UTC stamp>,
input {"database":"<database>"}), follows it state by state and prints its summary.

  --prefix PREFIX           the deployment's namePrefix: the state machine named PREFIX in the region
                            (default: $${STATE_MACHINE_ARN_VARIABLE}, else ${DEFAULT_NAME_PREFIX})
  --state-machine-arn ARN   the stack's StateMachineArn output instead of the lookup
  --region REGION           where to look (default: the SDK's); must match an ARN's region
  --json                    print the result as one JSON line, last on stdout (progress on stderr)
  -h, --help

AWS credentials come from the standard chain (AWS_PROFILE, environment, SSO, instance role).
Exit codes: 0 the backup succeeded, 1 it failed, 2 bad arguments or configuration.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      'state-machine-arn': { type: 'string' },
      prefix: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `backup-now takes one database id, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${USAGE}`,
    );
  }
  const machine = await locateStateMachine(
    { arn: values['state-machine-arn'], prefix: values.prefix, region: values.region },
    process.env,
    sfnClient,
  );
  return backupNow(
    {
      ...consoleOutput,
      sfn: sfnClient(regionFor(machine, values.region)),
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    { database: positionals[0]!, machine, json: values.json ?? false },
  );
}

runCommand(main, USAGE);
