import { parseCommandLine, positiveNumberOption, runMain } from '../local/commands/command-line.js';
import { runLocalBackup } from '../local/local-run.js';

/**
 * `npm run outage-run`: one backup through the local state machine with a long ORDS outage in the
 * middle of the export (not part of `npm test`: it takes the outage's length). The first half of
 * the outage answers 503, the second half refuses connections; the run must ride it out and
 * complete. `--seconds` sets the outage (default 600, ten minutes).
 */
const USAGE = `Usage: npm run outage-run -- [options]

One backup through the local state machine with an ORDS outage in the middle of the export: 503
answers for the first half, refused connections for the second. Exit 0: the run rode it out.

  --seconds N          the outage's length                                   [600]
  --poll-seconds N     the state machine's wait between two job reads          [5]
  -h, --help`;

async function main(): Promise<number> {
  const { values } = parseCommandLine(
    {
      options: {
        seconds: { type: 'string', default: '600' },
        'poll-seconds': { type: 'string', default: '5' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seconds = positiveNumberOption('seconds', values.seconds);
  const pollSeconds = positiveNumberOption('poll-seconds', values['poll-seconds']);
  const started = Date.now();
  const result = await runLocalBackup({
    database: 'outage',
    pollSeconds,
    ordsOutage: { seconds },
    // Three polls per state keep the export running across the outage: polls move the simulator on.
    simulator: { pollsPerState: 3 },
    logLevel: 'SILENT',
    onProgress: (line) => {
      if (!line.startsWith('  state ')) console.log(line);
    },
  });
  const unreachable = result.events.filter(
    (event) =>
      event.type === 'StateExited' &&
      event.state.name === 'Read job' &&
      (event.state.output as { status?: { state?: string } } | undefined)?.status?.state === 'UNREACHABLE',
  ).length;
  console.log(
    `${result.status}: an outage of ${seconds} s (${result.outageFaults ?? 0} answers 503, then refused connections); ` +
      `${unreachable} job reads found ORDS unreachable; run took ${((Date.now() - started) / 1000).toFixed(0)} s` +
      (result.status === 'SUCCEEDED' ? '' : ` — ${result.error}: ${result.cause}`),
  );
  return result.status === 'SUCCEEDED' ? 0 : 1;
}

runMain(main, USAGE);
