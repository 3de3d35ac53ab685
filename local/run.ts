import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeConsistency } from '../functions/core/manifest/index.js';
import { CONSISTENCY, type Consistency } from '../functions/core/state/index.js';
import type { SimulatorOptions } from '../simulator/index.js';
import { runMain } from './commands/command-line.js';
import { describeCleanup } from './describe-cleanup.js';
import { formatBytes, parseBytes } from './format.js';
import { describeRestoreDrill } from './local-drill.js';
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
  --keep-server-files         leave this run's dump and log files and its control table on the
                              database server (default: removed through REST-enabled SQL, as deployed)
  --record-sha256             record a SHA-256 of each file copied within one invocation (default:
                              the FULL_OBJECT CRC-32 alone, as deployed)
  --consistency MODE          auto (default: point-in-time where ORDS serves the job's files, else
                              per-table in the same run, said), point-in-time (every table at one
                              SCN through REST-enabled SQL, proved by the log) or per-table (the
                              ORDS export POST)
  --restore-drill SCHEMA      after the manifest, import the dump into the new schema SCHEMA (remapped
                              from the first exported schema), check the import log, then drop SCHEMA
  --restore-drill-source SRC  server (default: the files on the server, before the cleanup) or s3
                              (this night's S3 copy, after the cleanup, uploaded through ORDS)
  --ords-outage-seconds N     once the export has started, play an ORDS outage of N seconds
                              (503s, then refused connections) through a local proxy
  --json                      print the manifest as one JSON line, last on stdout
  --verbose                   show the functions' log lines (JSON)
  Embedded simulator only:
  --sim-dump-files N          dump files in the set (default 1)
  --sim-dump-bytes SIZE       size of each dump file, e.g. 64MiB, 8GiB (default 1MiB)
  --sim-no-range              the simulator ignores Range requests (answers 200)
  --sim-chunked               the simulator sends no Content-Length
  --sim-reset-after-bytes SIZE  the first download is reset after that many bytes
  --sim-outcome OUTCOME       success | errors | fatal | stopped | no-log (default success)
  --sim-link-base-path PATH   links carry this path instead of the ORDS URL's (a path-rewriting gateway)
  --sim-log-language LANG     en | ja | unknown: the language of the Data Pump log (default en)
  --sim-end-state-in-state always|transient  finished jobs show COMPLETED / STOPPED in state instead
                              of NOT RUNNING (transient: only at the first poll after the end)
  --sim-list-noise N          N other owners' jobs, N BIN$ rows and N orphan jobs in the job list
  --sim-page-limit N          job list page size (default 25)
  --sim-job-appears-after-ms N  a new job is invisible for N ms after its POST
  --sim-post-answer-lost      the first POST creates its job, then its connection is dropped
  --sim-ignore-keep-master    drop a successful job when it ends, as ORDS before 25.x may
  --sim-serve-dropped-files   serve a dropped job's files by name (with --sim-ignore-keep-master)
  --sim-no-rest-sql           REST-enabled SQL is off (…/_/sql answers 404): cleanup cannot run
  --sim-refuse-sql-job-files  ORDS answers 404 for the files of Data Pump jobs made through
                              REST-enabled SQL: auto falls back to per-table, point-in-time fails
  --sim-import-outcome OUTCOME  how the drill's import ends: success | errors | fatal (default success)
  --sim-db-time-zone ZONE     the database host's time zone, e.g. +09:00, -05:00, America/New_York
  --sim-job-name-clock CLOCK  utc | database: the clock of the time in ORDS job names (default utc)
  --sim-foreign-import WHEN   before-intent | after-intent: someone else imports into the drill schema
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
      'keep-server-files': { type: 'boolean' },
      'record-sha256': { type: 'boolean' },
      consistency: { type: 'string' },
      'restore-drill': { type: 'string' },
      'restore-drill-source': { type: 'string' },
      'ords-outage-seconds': { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'sim-dump-files': { type: 'string' },
      'sim-dump-bytes': { type: 'string' },
      'sim-no-range': { type: 'boolean' },
      'sim-chunked': { type: 'boolean' },
      'sim-reset-after-bytes': { type: 'string' },
      'sim-outcome': { type: 'string' },
      'sim-link-base-path': { type: 'string' },
      'sim-log-language': { type: 'string' },
      'sim-end-state-in-state': { type: 'string' },
      'sim-list-noise': { type: 'string' },
      'sim-page-limit': { type: 'string' },
      'sim-job-appears-after-ms': { type: 'string' },
      'sim-post-answer-lost': { type: 'boolean' },
      'sim-ignore-keep-master': { type: 'boolean' },
      'sim-serve-dropped-files': { type: 'boolean' },
      'sim-no-rest-sql': { type: 'boolean' },
      'sim-refuse-sql-job-files': { type: 'boolean' },
      'sim-import-outcome': { type: 'string' },
      'sim-db-time-zone': { type: 'string' },
      'sim-job-name-clock': { type: 'string' },
      'sim-foreign-import': { type: 'string' },
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
    keepServerFiles: values['keep-server-files'],
    recordSha256: values['record-sha256'],
    consistency: consistencyOf(values.consistency),
    restoreDrill: values['restore-drill'],
    ...drillSourceOf(values['restore-drill-source'], values['restore-drill']),
    ...(values['ords-outage-seconds'] !== undefined
      ? { ordsOutage: { seconds: optionalNumber('--ords-outage-seconds', values['ords-outage-seconds'])! } }
      : {}),
    logLevel: values.verbose ? 'INFO' : 'WARN',
    simulator: { ...simulatorOptions(values), ...clockAndForeignImport(values) },
    onProgress: say,
  };
  const result = await runLocalBackup(options);

  if (result.status !== 'SUCCEEDED' && result.error === 'RestoreDrillFailedError') {
    console.error(`\nBackup stored, but its restore drill FAILED after ${result.durationSeconds} s:`);
    console.error(result.cause);
    return 1;
  }
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
    if (manifest.consistency) say(`  consistency ${describeConsistency(manifest.consistency)}`);
    for (const file of manifest.files) {
      say(
        `  ${file.kind.padEnd(4)}     ${formatBytes(file.bytes).padStart(10)}  s3://${manifest.bucket}/${file.key}`,
      );
      const sha256 = file.sha256 === undefined ? '' : ` · sha256 ${file.sha256}`;
      const rate = file.transferMiBps === undefined ? '' : ` · ${file.transferMiBps} MiB/s`;
      say(
        `           ${file.checksum.algorithm} ${file.checksum.value} (${file.checksum.type})${sha256} · ${file.invocations} invocation(s)${rate}`,
      );
    }
    say(`  total    ${formatBytes(manifest.totalBytes)}`);
  }
  for (const line of describeRestoreDrill(result.output)) say(line);
  for (const line of describeCleanup(result.output)) say(line);
  const drill = (result.output as { restoreDrill?: unknown } | undefined)?.restoreDrill;
  if (json) console.log(JSON.stringify(drill ? { ...manifest, restoreDrill: drill } : manifest));
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
    ...(text('sim-link-base-path') ? { linkBasePath: text('sim-link-base-path') } : {}),
    ...(text('sim-log-language') ? { logLanguage: text('sim-log-language') as never } : {}),
    ...(text('sim-end-state-in-state') ? { endStateInState: endState(text('sim-end-state-in-state')!) } : {}),
    ...(text('sim-list-noise') ? { listNoise: listNoise(text('sim-list-noise')!) } : {}),
    ...(text('sim-page-limit')
      ? { pageLimit: optionalNumber('--sim-page-limit', text('sim-page-limit')) }
      : {}),
    ...(text('sim-job-appears-after-ms')
      ? { jobAppearsAfterMs: optionalNumber('--sim-job-appears-after-ms', text('sim-job-appears-after-ms')) }
      : {}),
    ...(values['sim-post-answer-lost'] ? { postHangAfterCreate: { destroyAfterMs: 100, count: 1 } } : {}),
    ...(values['sim-ignore-keep-master'] ? { ignoreKeepMaster: true } : {}),
    ...(values['sim-serve-dropped-files'] ? { servesDroppedJobFiles: true } : {}),
    ...(values['sim-no-rest-sql'] ? { restSql: false } : {}),
    ...(values['sim-refuse-sql-job-files'] ? { servesSqlJobFiles: false } : {}),
    ...(text('sim-import-outcome') ? { importOutcome: text('sim-import-outcome') as never } : {}),
  };
}

/** `--sim-db-time-zone`, `--sim-job-name-clock` and `--sim-foreign-import` (into `--restore-drill`'s schema). */
function clockAndForeignImport(
  values: Record<string, string | boolean | undefined>,
): Partial<Pick<SimulatorOptions, 'databaseTimeZone' | 'jobNameClock' | 'foreignImport'>> {
  const zone = values['sim-db-time-zone'] as string | undefined;
  const clock = values['sim-job-name-clock'] as string | undefined;
  const when = values['sim-foreign-import'] as string | undefined;
  if (clock !== undefined && clock !== 'utc' && clock !== 'database') {
    throw new Error(`--sim-job-name-clock must be utc or database, got "${clock}"`);
  }
  if (when !== undefined && when !== 'before-intent' && when !== 'after-intent') {
    throw new Error(`--sim-foreign-import must be before-intent or after-intent, got "${when}"`);
  }
  const into = values['restore-drill'] as string | undefined;
  if (when !== undefined && into === undefined) {
    throw new Error('--sim-foreign-import needs --restore-drill SCHEMA: the schema it imports into');
  }
  return {
    ...(zone !== undefined ? { databaseTimeZone: zone } : {}),
    ...(clock !== undefined ? { jobNameClock: clock } : {}),
    ...(when !== undefined && into !== undefined
      ? {
          foreignImport: {
            into: into.toUpperCase(),
            owner: when === 'before-intent' ? 'DBAPI_USER' : 'SYSTEM',
            when,
          },
        }
      : {}),
  };
}

function endState(value: string): true | 'transient' {
  if (value === 'always') return true;
  if (value === 'transient') return 'transient';
  throw new Error(`--sim-end-state-in-state must be always or transient, got "${value}"`);
}

function listNoise(value: string) {
  const count = optionalNumber('--sim-list-noise', value);
  return { foreignOwnerJobs: count, recycleBinRows: count, orphanJobs: count };
}

// An unknown option prints one line pointing to --help; any other error its name and message: exit 2.
runMain(main, USAGE);

/** `--consistency`: `per-table`, `point-in-time` or `auto`; anything else fails naming the value. */
function consistencyOf(value: string | undefined): Consistency | undefined {
  if (value === undefined || (CONSISTENCY as readonly string[]).includes(value)) return value as Consistency;
  throw new Error(`--consistency is ${JSON.stringify(value)}; allowed: ${CONSISTENCY.join(', ')}`);
}

/** `--restore-drill-source`: only with `--restore-drill`. */
function drillSourceOf(
  value: string | undefined,
  drill: string | undefined,
): { restoreDrillSource?: 'server' | 's3' } {
  if (value === undefined) return {};
  if (value !== 'server' && value !== 's3') {
    throw new Error(`--restore-drill-source is ${JSON.stringify(value)}; allowed: server, s3`);
  }
  if (drill === undefined) throw new Error('--restore-drill-source needs --restore-drill SCHEMA');
  return { restoreDrillSource: value };
}
