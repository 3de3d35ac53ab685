import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatBytes, parseBytes } from './format.js';
import { type LocalRunOptions, runLocalBackup } from './local-run.js';

/**
 * `npm start -- [options]`: one backup, locally. With no options it backs up the embedded ORDS
 * simulator into an embedded S3 server; pointed at a real ORDS and S3 endpoint it runs a real backup
 * from a workstation through the same state machine and handlers that deploy to AWS.
 */
const USAGE = `Usage: npm start -- [options]

  --ords-url URL              ORDS URL (https://host/ords/[db/]schema-alias/); omitted: embedded simulator
  --secret-file FILE          JSON in the secret's shape: {"username","password"} or {"clientId","clientSecret"}
  --s3-endpoint URL           S3-compatible endpoint (bucket must exist; credentials from AWS_* variables);
                              omitted: embedded s3rver keeping data in .local/s3
  --bucket NAME               bucket (default ords-datapump-backup-local)
  --prefix PREFIX             key prefix, empty or ending with / (default none)
  --database ID               database id used in keys and file names (default local)
  --export FILE               export spec JSON, as in the configuration (default: SCHEMA export of the user's schema)
  --poll-seconds N            seconds between two job reads (default 2 with the simulator, 30 otherwise)
  --max-invocation-seconds N  the copy step's time budget per invocation (default: the function's timeout)
  --accept-completed-with-errors   count "completed with N error(s)" as success
  --json                      print the manifest as one JSON line, last on stdout
  --verbose                   show the functions' log lines (JSON)
  Embedded simulator only:
  --sim-dump-files N          dump files in the set (default 1)
  --sim-dump-bytes SIZE       size of each dump file, e.g. 64MiB, 8GiB (default 1MiB)
  --sim-no-range              the simulator ignores Range requests (answers 200)
  --sim-chunked               the simulator sends no Content-Length
  --sim-reset-after-bytes SIZE  the first download is reset after that many bytes
  --sim-outcome OUTCOME       success | errors | fatal | stopped | no-log (default success)
  -h, --help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'ords-url': { type: 'string' },
      'secret-file': { type: 'string' },
      's3-endpoint': { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      database: { type: 'string' },
      export: { type: 'string' },
      'poll-seconds': { type: 'string' },
      'max-invocation-seconds': { type: 'string' },
      'accept-completed-with-errors': { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'sim-dump-files': { type: 'string' },
      'sim-dump-bytes': { type: 'string' },
      'sim-no-range': { type: 'boolean' },
      'sim-chunked': { type: 'boolean' },
      'sim-reset-after-bytes': { type: 'string' },
      'sim-outcome': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const json = values.json ?? false;
  // With --json, stdout carries only the manifest line: progress goes to stderr.
  const say = (line: string) => (json ? console.error(line) : console.log(line));

  const options: LocalRunOptions = {
    ordsUrl: values['ords-url'],
    secret: values['secret-file'] ? readFileSync(values['secret-file'], 'utf8') : undefined,
    s3Endpoint: values['s3-endpoint'],
    bucket: values.bucket,
    prefix: values.prefix,
    database: values.database,
    exportSpec: values.export ? JSON.parse(readFileSync(values.export, 'utf8')) : undefined,
    pollSeconds: optionalNumber('--poll-seconds', values['poll-seconds']),
    maxInvocationSeconds: optionalNumber('--max-invocation-seconds', values['max-invocation-seconds']),
    acceptCompletedWithErrors: values['accept-completed-with-errors'],
    logLevel: values.verbose ? 'INFO' : 'WARN',
    simulator: simulatorOptions(values),
    onProgress: say,
  };
  const result = await runLocalBackup(options);

  if (result.status !== 'SUCCEEDED') {
    console.error(`\nBackup FAILED after ${result.durationSeconds} s: ${result.error}`);
    console.error(result.cause);
    return 1;
  }
  const manifest = result.manifest;
  say(`\nBackup of "${result.input.database}" complete in ${result.durationSeconds} s`);
  if (manifest) {
    say(`  job      ${manifest.owner}.${manifest.jobName} (${manifest.jobMode})`);
    say(`  verdict  ${manifest.verdict}: ${manifest.summary}`);
    for (const file of manifest.files) {
      say(
        `  ${file.kind.padEnd(4)}     ${formatBytes(file.bytes).padStart(10)}  s3://${manifest.bucket}/${file.key}`,
      );
      const sha256 = file.sha256 === undefined ? '' : ` · sha256 ${file.sha256}`;
      say(
        `           ${file.checksum.algorithm} ${file.checksum.value} (${file.checksum.type})${sha256} · ${file.invocations} invocation(s)`,
      );
    }
    say(`  total    ${formatBytes(manifest.totalBytes)}`);
  }
  if (json) console.log(JSON.stringify(manifest));
  return 0;
}

function optionalNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new Error(`${flag} must be a positive number, got "${value}"`);
  return parsed;
}

function simulatorOptions(values: Record<string, string | boolean | undefined>) {
  const text = (name: string) => values[name] as string | undefined;
  return {
    ...(text('sim-dump-files')
      ? { dumpFiles: optionalNumber('--sim-dump-files', text('sim-dump-files')) }
      : {}),
    ...(text('sim-dump-bytes') ? { dumpFileBytes: parseBytes(text('sim-dump-bytes')!) } : {}),
    ...(values['sim-no-range'] ? { range: false } : {}),
    ...(values['sim-chunked'] ? { contentLength: false } : {}),
    ...(text('sim-reset-after-bytes')
      ? { resetDownloadAfterBytes: parseBytes(text('sim-reset-after-bytes')!) }
      : {}),
    ...(text('sim-outcome') ? { outcome: text('sim-outcome') as never } : {}),
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.exit(2);
  },
);
