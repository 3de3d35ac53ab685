import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { consoleOutput, runCommand, sfnClient } from './commands/cli.js';
import { runRestoreCommand } from './commands/restore.js';
import { UsageError } from './commands/state-machine.js';

/** `npm run restore -- <manifest s3 uri> --database <id> --target-schema <NEW> …` */
const USAGE = `Usage: npm run restore -- s3://<bucket>/<backup folder>/manifest.json --database ID --target-schema NEW [options]

Restores one schema of a backup from S3 into a database through ORDS alone: checks the manifest and
each dump file in S3, takes the database's run lock and an ORDS slot of its origin, puts the dump
files into the directory object (DBMS_CLOUD.GET_OBJECT on a presigned URL, else chunked uploads
through REST-enabled SQL), checks them in the database, imports them into the new schema NEW (remap_schemas; NEW must not exist), compares
tables and rows with the backup, then removes the files, the import's log and its control table.

  --database ID             the target database's id (its run lock: s3://BUCKET/<key prefix>_locks/ID.json)
  --target-schema NEW       the schema to create; it must not exist
  --schemas NAME            the exported schema to restore (needed when the backup holds several)
  --ords-url URL            the target's ORDS URL (https://host/ords/[db/]schema-alias/)
  --secret-file FILE        JSON in the secret's shape: {"username","password"} or {"clientId","clientSecret"}
  --directory DIR           the directory object (default: the backup's export directory)
  --path MODE               auto (default: GET_OBJECT, else chunks), get-object or chunked
  --chunk-bytes N           raw bytes per chunked request (default 737190: under 1 MiB with base64)
  --key-prefix PREFIX       the database's S3 key prefix (default none)
  --s3-endpoint URL         an S3-compatible endpoint (path-style)
  --region REGION           the bucket's region (default: the SDK's)
  --autonomous-database     remove files with DBMS_CLOUD.DELETE_FILE instead of UTL_FILE.FREMOVE
  --poll-seconds N          seconds between two reads of the import job (default 30)
  --timeout-seconds N       how long the import may run (default 43200)
  --presign-seconds N       how long a presigned URL stays valid (default 300)
  --ords-cap N              ORDS slots of the target's origin, as the deployment's ordsCaps (default 4)
  --deployment-cap N        the deployment's deploymentCap, if it has one (default none)
  --slot-wait-minutes N     how long to wait for an ORDS slot of the origin, trying every
                            --poll-seconds; 0 tries once (default 60)
  -h, --help

Progress goes to stderr; the last stdout line is the JSON report. Exit codes: 0 restored, 1 the
restore failed (the report's message says what is left on the server), 2 bad arguments.`;

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1, got "${value}"`);
  return number;
}

function wholeNumber(name: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 0)
    throw new UsageError(`--${name} must be a whole number ≥ 0, got "${value}"`);
  return number;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      database: { type: 'string' },
      'target-schema': { type: 'string' },
      schemas: { type: 'string' },
      'ords-url': { type: 'string' },
      'secret-file': { type: 'string' },
      directory: { type: 'string' },
      path: { type: 'string' },
      'chunk-bytes': { type: 'string' },
      'key-prefix': { type: 'string' },
      's3-endpoint': { type: 'string' },
      region: { type: 'string' },
      'autonomous-database': { type: 'boolean' },
      'poll-seconds': { type: 'string' },
      'timeout-seconds': { type: 'string' },
      'presign-seconds': { type: 'string' },
      'ords-cap': { type: 'string' },
      'deployment-cap': { type: 'string' },
      'slot-wait-minutes': { type: 'string' },
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
      `restore takes one manifest URI, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${USAGE}`,
    );
  }
  for (const name of ['database', 'target-schema', 'ords-url', 'secret-file'] as const) {
    if (!values[name]) throw new UsageError(`restore needs --${name}\n\n${USAGE}`);
  }
  const secretFile = values['secret-file'] as string;
  let secretText: string;
  try {
    secretText = readFileSync(secretFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--secret-file ${secretFile} cannot be read: ${(error as Error).message}`);
  }
  const endpoint = values['s3-endpoint'];
  const s3 = new S3Client({
    ...(values.region ? { region: values.region } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true, region: values.region ?? 'us-east-1' } : {}),
  });
  try {
    return await runRestoreCommand(
      { ...consoleOutput, s3, ...(endpoint ? {} : { sfn: sfnClient(values.region) }) },
      {
        manifestUri: positionals[0] as string,
        database: values.database as string,
        targetSchema: values['target-schema'] as string,
        ...(values.schemas ? { schema: values.schemas } : {}),
        ordsUrl: values['ords-url'] as string,
        secretText,
        secretSource: secretFile,
        keyPrefix: values['key-prefix'] ?? '',
        ...(values.directory ? { directory: values.directory } : {}),
        path: (values.path ?? 'auto') as 'auto',
        ...(values['chunk-bytes']
          ? { chunkBytes: positiveNumber('chunk-bytes', values['chunk-bytes'], 0) }
          : {}),
        pollSeconds: positiveNumber('poll-seconds', values['poll-seconds'], 30),
        timeoutSeconds: positiveNumber('timeout-seconds', values['timeout-seconds'], 43_200),
        presignSeconds: positiveNumber('presign-seconds', values['presign-seconds'], 300),
        remover: values['autonomous-database'] ? 'dbms-cloud' : 'utl-file',
        ...(values['ords-cap'] ? { ordsCap: positiveNumber('ords-cap', values['ords-cap'], 0) } : {}),
        ...(values['deployment-cap']
          ? { deploymentCap: positiveNumber('deployment-cap', values['deployment-cap'], 0) }
          : {}),
        ...(values['slot-wait-minutes'] !== undefined
          ? { slotWaitMinutes: wholeNumber('slot-wait-minutes', values['slot-wait-minutes']) }
          : {}),
      },
    );
  } finally {
    s3.destroy();
  }
}

runCommand(main, USAGE);
