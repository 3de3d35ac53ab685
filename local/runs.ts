import { parseArgs } from 'node:util';
import { DEFAULT_NAME_PREFIX } from '../infra/names.js';
import { consoleOutput, runCommand, sfnClient } from './commands/cli.js';
import { listRuns, MAX_DESCRIBED, MAX_LIMIT, parseLimit } from './commands/list-runs.js';
import { locateStateMachine } from './commands/locate-state-machine.js';
import { regionFor, STATE_MACHINE_ARN_VARIABLE, UsageError } from './commands/state-machine.js';

/** `npm run runs -- [<database>]`: the last runs of the deployed state machine. */
const USAGE = `Usage: npm run runs -- [<database>] [options]

Lists the last runs, newest first: database, start, verdict or status, size, duration and a console link.

  --limit N                 runs to list, 1 to ${MAX_LIMIT} (default 10); sizes and errors are read
                            for the newest ${MAX_DESCRIBED}
  --prefix PREFIX           the deployment's namePrefix: the state machine named PREFIX in the region
                            (default: $${STATE_MACHINE_ARN_VARIABLE}, else ${DEFAULT_NAME_PREFIX})
  --state-machine-arn ARN   the stack's StateMachineArn output instead of the lookup
  --region REGION           where to look (default: the SDK's); must match an ARN's region
  --json                    print the runs as one JSON array on stdout
  -h, --help

AWS credentials come from the standard chain (AWS_PROFILE, environment, SSO, instance role).
Exit codes: 0 listed, 2 bad arguments or configuration.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      limit: { type: 'string' },
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
  if (positionals.length > 1) {
    throw new UsageError(`runs takes at most one database id, got ${positionals.join(' ')}\n\n${USAGE}`);
  }
  const limit = parseLimit(values.limit);
  const machine = await locateStateMachine(
    { arn: values['state-machine-arn'], prefix: values.prefix, region: values.region },
    process.env,
    sfnClient,
  );
  return listRuns(
    { ...consoleOutput, sfn: sfnClient(regionFor(machine, values.region)), now: () => new Date() },
    { machine, database: positionals[0], limit, json: values.json ?? false },
  );
}

runCommand(main, USAGE);
