import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { consoleOutput, runCommand, sfnClient } from './commands/cli.js';
import { releaseLock } from './commands/release-lock.js';
import { UsageError } from './commands/state-machine.js';

/** `npm run release-lock -- <database>`: releases a database's run lock by hand. */
const USAGE = `Usage: npm run release-lock -- <database> --bucket BUCKET [options]

Releases the run lock of <database> (s3://BUCKET/<key prefix>_locks/<database>.json), which a run
takes in "Start export" and checks before every step that changes the database server. A lock whose
execution has ended is taken over by the next run anyway; release one by hand only when told to
(for example to stop a redriven execution from touching the database again).

  --bucket BUCKET           the backup bucket (the stack's BucketName output)
  --key-prefix PREFIX       the database's S3 key prefix ("prefix" in its configuration; default none)
  --force                   release it even while its execution still runs: that execution then
                            stops at its next step that would change the database server (and free
                            the ORDS slots of a running execution of the database too)

It also frees the database's ORDS slots and queue places (s3://BUCKET/<key prefix>_slots/…) held by executions
that ended: the next run would take them over anyway.
  --region REGION           the bucket's region (default: the SDK's)
  -h, --help

AWS credentials come from the standard chain (AWS_PROFILE, environment, SSO, instance role); they
need s3:GetObject and s3:DeleteObject on the lock and on <key prefix>_slots/*, s3:ListBucket, and
states:DescribeExecution on the holders.
Exit codes: 0 released (or no lock was held), 1 left held (its execution still runs, no --force),
2 bad arguments or AWS refused the request.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      bucket: { type: 'string' },
      'key-prefix': { type: 'string' },
      force: { type: 'boolean' },
      region: { type: 'string' },
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
      `release-lock takes one database id, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${USAGE}`,
    );
  }
  if (!values.bucket) throw new UsageError(`release-lock needs --bucket\n\n${USAGE}`);
  return releaseLock(
    {
      ...consoleOutput,
      s3: new S3Client(values.region ? { region: values.region } : {}),
      sfn: sfnClient(values.region),
    },
    {
      database: positionals[0]!,
      bucket: values.bucket,
      keyPrefix: values['key-prefix'] ?? '',
      force: values.force ?? false,
    },
  );
}

runCommand(main, USAGE);
