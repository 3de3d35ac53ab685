import { parseCommandLine, positiveNumberOption, runMain } from '../local/commands/command-line.js';
import { UsageError } from '../local/commands/state-machine.js';
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

const USAGE = `Usage: npm run large-run -- [options]

One backup per variant of a generated dump through the local state machine, every stored byte
checked against what the simulator served. Exit 0: every variant as designed; 1: one failed.

  --size SIZE                the dump file's size, e.g. 512MiB, 8GiB                    [8GiB]
  --invocation-seconds N     time budget of one copy invocation                          [20]
  --variants LIST            any of range, no-range, reset            [range,no-range,reset]
  -h, --help`;

const VARIANTS = ['range', 'no-range', 'reset'] as const;

async function main(): Promise<number> {
  const { values } = parseCommandLine(
    {
      options: {
        size: { type: 'string', default: '8GiB' },
        'invocation-seconds': { type: 'string', default: '20' },
        variants: { type: 'string', default: VARIANTS.join(',') },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const size = sizeOption(values.size);
  const budget = positiveNumberOption('invocation-seconds', values['invocation-seconds']);
  const variants = values.variants.split(',').map((name) => name.trim());
  const unknown = variants.filter((name) => !(VARIANTS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    const named = unknown.map((name) => `"${name}"`).join(', ');
    throw new UsageError(`--variants: unknown variant ${named}; allowed: ${VARIANTS.join(', ')}`);
  }
  const switchesOf: Record<string, object> = {
    range: { range: true },
    'no-range': { range: false },
    reset: { range: true, resetDownloadAfterBytes: Math.floor(size / 2) + 12_345, resetCount: 1 },
  };

  let failed = false;
  for (const variant of variants) {
    const switches = switchesOf[variant]!;
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
  return failed ? 1 : 0;
}

/** `--size`: bytes, or a UsageError naming the option. */
function sizeOption(text: string): number {
  try {
    const bytes = parseBytes(text);
    if (bytes > 0) return bytes;
  } catch {
    // named below
  }
  throw new UsageError(`--size "${text}" is not allowed; allowed: a size such as 512MiB or 8GiB`);
}

runMain(main, USAGE);
