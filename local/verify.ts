import { S3Client } from '@aws-sdk/client-s3';
import { helpCommand, parseCommandLine, runMain } from './commands/command-line.js';
import { UsageError } from './commands/state-machine.js';
import { describeClaim } from './verify/verify-consistency.js';
import { type VerifyResult, verifyManifest } from './verify/verify-manifest.js';

/**
 * `npm run verify -- s3://bucket/…/manifest.json [--download] [--json] [--s3-endpoint URL] [--region R]`:
 * checks every file a backup's manifest lists against S3 (size, FULL_OBJECT CRC-32, type) and shows
 * what the manifest claims about consistency; with `--download` also reads each object, recomputes
 * its CRC-32 and SHA-256, and checks that the log's SCN line names the manifest's SCN. `--json`
 * prints the result as one JSON line. Credentials come from
 * the standard AWS chain (environment, profile, SSO, instance role). Exit 0: all match; 1: a
 * mismatch; 2: the command could not run.
 */

const USAGE = `Usage: npm run verify -- s3://<bucket>/<prefix>/manifest.json [options]

Checks every file the backup's manifest lists against S3 (size, FULL_OBJECT CRC-32, type) and shows
what the manifest claims about consistency.

  --download                  also read each object, recompute its CRC-32 and SHA-256, and check
                              that the log's SCN line names the manifest's SCN
  --json                      print the result as one JSON line on stdout
  --s3-endpoint URL           another S3 endpoint (the local S3)
  --region REGION             the bucket's region (default: the SDK's)
  --offsite BUCKET            also check the off-site replica in BUCKET
  --offsite-profile PROFILE   the AWS profile of the off-site reader role
  --offsite-region REGION     the off-site bucket's region
  --offsite-endpoint URL      another S3 endpoint for the off-site bucket
  -h, --help

AWS credentials come from the standard chain (AWS_PROFILE, environment, SSO, instance role).
Exit codes: 0 every file matches, 1 a mismatch, 2 the command could not run.`;

async function main(): Promise<number> {
  const { values, positionals } = parse();
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [uri] = positionals;
  if (uri === undefined || positionals.length !== 1) {
    const got = positionals.length === 0 ? 'none' : positionals.join(' ');
    throw new UsageError(
      `verify takes one manifest URI, got ${got}: ${helpCommand(USAGE)} lists the options`,
    );
  }
  const endpoint = values['s3-endpoint'];
  const s3 = new S3Client({
    ...(values.region ? { region: values.region } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true, region: values.region ?? 'us-east-1' } : {}),
  });
  try {
    const offsite = offsiteTarget(values);
    const result = await verifyManifest({
      s3,
      manifestUri: uri,
      download: values.download === true,
      ...(offsite ? { offsite } : {}),
    });
    if (values.json === true) console.log(JSON.stringify(result));
    else printResult(result);
    return result.ok ? 0 : 1;
  } catch (error) {
    console.error(`Could not verify ${uri}: ${(error as Error).name}: ${(error as Error).message}`);
    return 2;
  } finally {
    s3.destroy();
  }
}

function printResult(result: VerifyResult): void {
  for (const file of result.files) {
    const status = file.problems.length === 0 ? 'ok      ' : 'MISMATCH';
    console.log(`${status} s3://${result.bucket}/${file.key} (${file.bytes} bytes)`);
    for (const problem of file.problems) console.log(`         ${problem}`);
  }
  if (result.retention) {
    console.log(`tier ${result.retention.tier}, deletable from ${result.retention.deletableFrom}`);
  }
  for (const line of describeClaim(result.consistency)) console.log(line);
  if (result.consistency.mode === 'point-in-time') {
    const { logScn } = result;
    if (!logScn.checked) console.log('  the log was not read: add --download to check its SCN line');
    else if (logScn.problems.length === 0) console.log(`  the log's SCN line names SCN ${logScn.logScn}: ok`);
    for (const problem of logScn.problems) console.log(`MISMATCH ${problem}`);
  }
  const bad = result.files.filter((file) => file.problems.length > 0).length;
  console.log(
    bad === 0
      ? `All ${result.files.length} files match.`
      : `${bad} of ${result.files.length} files do not match.`,
  );
  if (result.logScn.problems.length > 0) console.log("The log does not prove the manifest's SCN.");
}

/**
 * The off-site bucket and its client: the reader role of `OffsiteBackupBucket`, through its own
 * profile (`--offsite-profile`), in the bucket's Region.
 */
function offsiteTarget(
  values: ReturnType<typeof parse>['values'],
): { s3: S3Client; bucket: string } | undefined {
  const bucket = values.offsite;
  if (bucket === undefined) return undefined;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new RangeError(`--offsite takes the off-site bucket's name, got "${bucket}"`);
  }
  const endpoint = values['offsite-endpoint'];
  const region = values['offsite-region'];
  return {
    bucket,
    s3: new S3Client({
      ...(values['offsite-profile'] ? { profile: values['offsite-profile'] } : {}),
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint, forcePathStyle: true, region: region ?? 'us-east-1' } : {}),
    }),
  };
}

function parse() {
  return parseCommandLine(
    {
      allowPositionals: true,
      options: {
        download: { type: 'boolean' },
        json: { type: 'boolean' },
        offsite: { type: 'string' },
        'offsite-profile': { type: 'string' },
        'offsite-region': { type: 'string' },
        'offsite-endpoint': { type: 'string' },
        's3-endpoint': { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
}

runMain(main, USAGE);
