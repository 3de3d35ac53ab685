import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../infra/config/index.js';
import { DEFAULT_NAME_PREFIX } from '../infra/names.js';
import { consoleOutput, runCommand } from './commands/cli.js';
import {
  DOCTOR_FUNCTION_VARIABLE,
  doctorFunctionOf,
  printReport,
  runDoctorCommand,
} from './commands/doctor.js';
import { runLocalDoctor } from './commands/doctor-local.js';
import { doctorChecksInOrder } from './commands/doctor-usage.js';
import { runWindowsDoctor } from './commands/doctor-windows.js';
import { UsageError } from './commands/state-machine.js';

/** `npm run doctor -- <database>`: checks one database from inside the deployment. */
const USAGE = `Usage: npm run doctor -- <database> [options]

Invokes the deployed doctor function for <database>. From inside the deployment (its subnets, its
roles) it runs these checks, in order (docs/operations.md says what each reads):
${doctorChecksInOrder()}
It prints one line per check (✓ ok, ✗ failed, – skipped) and what to fix for each failure. A check
whose input is missing is skipped with the reason. After a refused login it sends nothing more (the
account would lock).

  --prefix PREFIX        the deployment's namePrefix: invokes <PREFIX>-doctor (default ${DEFAULT_NAME_PREFIX})
  --function-name NAME   the doctor function (default: $${DOCTOR_FUNCTION_VARIABLE}, else <prefix>-doctor)
  --region REGION        the deployment's region (default: the SDK's, e.g. AWS_REGION or the profile's)
  --json                 print the report as one JSON line on stdout
  --local                run the checks in this process, without AWS: against the embedded ORDS
                         simulator, or against --ords-url URL with --secret-file FILE (the secret's
                         JSON), checking --directory DIR (default DATA_PUMP_DIR)
  -h, --help

Usage: npm run doctor -- --windows --bucket NAME [--config FILE] [--region REGION]

Warns when a night window cannot hold its databases at the ORDS slot caps (ordsCaps, default
4 per origin, and deploymentCap) of the configuration FILE (default ${DEFAULT_CONFIG_FILE}), judged
from the last run times in the bucket's last-backup.json records: per origin, the larger of its runs'
total time divided by its cap and its longest run must fit in the window's hours.

AWS credentials come from the standard chain (AWS_PROFILE, environment, SSO, instance role); the
caller needs lambda:InvokeFunction on the function.
Exit codes: 0 every check passed, 1 a check failed, 2 bad arguments, AWS refused, or the function failed.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      'function-name': { type: 'string' },
      prefix: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean' },
      local: { type: 'boolean' },
      'ords-url': { type: 'string' },
      'secret-file': { type: 'string' },
      directory: { type: 'string' },
      windows: { type: 'boolean' },
      config: { type: 'string' },
      bucket: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.windows) {
    if (positionals.length > 0) throw new UsageError(`--windows takes no database id\n\n${USAGE}`);
    if (!values.bucket) throw new UsageError(`--windows needs --bucket NAME\n\n${USAGE}`);
    return runWindowsDoctor(
      { ...consoleOutput, s3: new S3Client(values.region ? { region: values.region } : {}) },
      { config: loadConfig(values.config ?? DEFAULT_CONFIG_FILE), bucket: values.bucket },
    );
  }
  for (const flag of ['config', 'bucket'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --windows\n\n${USAGE}`);
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `doctor takes one database id, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${USAGE}`,
    );
  }
  if (values.local) {
    const secretFile = values['secret-file'];
    const report = await runLocalDoctor({
      database: positionals[0]!,
      ...(values['ords-url'] ? { ordsUrl: values['ords-url'] } : {}),
      ...(secretFile ? { secret: { text: readSecretFile(secretFile), source: secretFile } } : {}),
      ...(values.directory ? { directory: values.directory } : {}),
    });
    return printReport(consoleOutput, report, values.json ?? false);
  }
  for (const flag of ['ords-url', 'secret-file', 'directory'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --local\n\n${USAGE}`);
  }
  const functionName = doctorFunctionOf(
    { functionName: values['function-name'], prefix: values.prefix },
    process.env[DOCTOR_FUNCTION_VARIABLE],
  );
  return runDoctorCommand(
    { ...consoleOutput, lambda: new LambdaClient(values.region ? { region: values.region } : {}) },
    { database: positionals[0]!, functionName, json: values.json ?? false },
  );
}

function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--secret-file ${path} cannot be read: ${(error as Error).message}`);
  }
}

runCommand(main, USAGE);
