import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_NAME_PREFIX } from '../infra/names.js';
import { consoleOutput, runCommand, sfnClient } from './commands/cli.js';
import { describeKept, keptBytes, parsePriceFigures } from './commands/kept-bytes.js';
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
  --kept-in BUCKET          instead: the bytes BUCKET keeps per database and retention tier
  --kept-prefix PREFIX      only under the deployment's key prefix PREFIX
  --prices FILE             with --kept-in: estimate the monthly cost from these price figures
                            (JSON, read from AWS's pricing pages: docs/retention.md#cost)
  --offsite                 with --prices: add the off-site replica's storage and replication
  --s3-endpoint URL         with --kept-in: another S3 endpoint (the local S3)
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
      'kept-in': { type: 'string' },
      'kept-prefix': { type: 'string' },
      prices: { type: 'string' },
      offsite: { type: 'boolean' },
      's3-endpoint': { type: 'string' },
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
  if (values['kept-in'] !== undefined) return listKept(values);
  if (values.prices !== undefined || values.offsite) {
    throw new UsageError(`--prices and --offsite go with --kept-in\n\n${USAGE}`);
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

async function listKept(values: {
  'kept-in'?: string;
  'kept-prefix'?: string;
  prices?: string;
  offsite?: boolean;
  region?: string;
  's3-endpoint'?: string;
  json?: boolean;
}): Promise<number> {
  const bucket = values['kept-in'] ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new UsageError(`--kept-in takes a bucket name, got "${bucket}"`);
  }
  const prices = values.prices
    ? parsePriceFigures(readFileSync(values.prices, 'utf8'), values.prices)
    : undefined;
  if (values.offsite && !prices) throw new UsageError('--offsite needs --prices');
  const endpoint = values['s3-endpoint'];
  const s3 = new S3Client({
    ...(values.region ? { region: values.region } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true, region: values.region ?? 'us-east-1' } : {}),
  });
  try {
    const rows = await keptBytes({ s3, now: () => new Date() }, bucket, values['kept-prefix'] ?? '');
    const lines = values.json ? [JSON.stringify(rows)] : describeKept(rows, prices, values.offsite ?? false);
    for (const line of lines) consoleOutput.out(line);
    return 0;
  } finally {
    s3.destroy();
  }
}

runCommand(main, USAGE);
