import { parseArgs } from 'node:util';
import { runLocalBackup } from '../local/local-run.js';

/**
 * `npm run outage-run`: one backup through the local state machine with a long ORDS outage in the
 * middle of the export (not part of `npm test`: it takes the outage's length). The first half of
 * the outage answers 503, the second half refuses connections; the run must ride it out and
 * complete. `--seconds` sets the outage (default 600, ten minutes).
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    'poll-seconds': { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds);
const pollSeconds = Number(values['poll-seconds']);
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
process.exit(result.status === 'SUCCEEDED' ? 0 : 1);
