import { parseArgs } from 'node:util';
import { formatBytes, parseBytes } from '../local/format.js';
import { startHarness } from '../local/harness.js';

/**
 * `npm run large-run`: multi-GB dumps through the local state machine (not part of `npm test`).
 * For each variant — Range honoured, Range ignored, a connection reset in the middle — one backup of
 * a generated dump through the synthesized state machine, the real handlers, the ORDS simulator and
 * the local S3 (checksums, 5 MiB parts, SigV4 enforced), with a short copy budget so the file spans
 * many invocations; then every stored byte is checked against what the simulator served, and S3's
 * FULL_OBJECT CRC-32 against the manifest's. Without Range a file that cannot be re-read within one
 * invocation must fail fast with RangeNotSupportedError (issue 9): that outcome passes too.
 */
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '8GiB' },
    'invocation-seconds': { type: 'string', default: '20' },
    variants: { type: 'string', default: 'range,no-range,reset' },
  },
});
const size = parseBytes(values.size);
const budget = Number(values['invocation-seconds']);
const variants = values.variants.split(',');

const SWITCHES: Record<string, object> = {
  range: { range: true },
  'no-range': { range: false },
  reset: { range: true, resetDownloadAfterBytes: Math.floor(size / 2) + 12_345, resetCount: 1 },
};

let failed = false;
for (const variant of variants) {
  const switches = SWITCHES[variant];
  if (!switches) throw new Error(`unknown variant "${variant}": use ${Object.keys(SWITCHES).join(', ')}`);
  const h = await startHarness({ dumpFiles: 1, dumpFileBytes: size, ...switches });
  try {
    const started = Date.now();
    const result = await h.run({
      database: `large-${variant}`,
      maxInvocationSeconds: budget,
      pollSeconds: 1,
    });
    const seconds = (Date.now() - started) / 1000;
    if (variant === 'no-range' && result.error === 'RangeNotSupportedError') {
      console.log(
        `${variant.padEnd(9)} failed fast as designed after ${seconds.toFixed(0)} s: ${result.cause}`,
      );
      continue;
    }
    const dump = result.manifest?.files.find((file) => file.kind === 'dump');
    if (result.status !== 'SUCCEEDED' || !dump) throw new Error(`${result.error}: ${result.cause}`);
    await h.expectStoredAsServed(result);
    console.log(
      `${variant.padEnd(9)} ${formatBytes(dump.bytes)} byte-identical, CRC32 ${dump.checksum.value} (${dump.checksum.type}), ` +
        `${dump.invocations} invocations, ${seconds.toFixed(0)} s (${(dump.bytes / 2 ** 20 / seconds).toFixed(1)} MiB/s)`,
    );
  } catch (error) {
    failed = true;
    console.error(`${variant}: FAILED ${(error as Error).message}`);
  } finally {
    await h.stop();
  }
}
process.exit(failed ? 1 : 0);
