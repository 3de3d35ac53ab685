import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { argumentProblem } from '../local/commands/command-line.js';
import { ExitCode, UsageError } from '../local/commands/state-machine.js';

/**
 * `npm run bench:crc`: zlib's CRC-32 speed before and after the first zlib stream of a process is
 * initialised, side by side in fresh processes (the choice is made once per process). The copy
 * initialises one before its first checksum so that zlib picks its hardware CRC-32 on arm64
 * (`functions/core/transfer/crc32.ts`). Run it on the functions' architecture: on x86 here the two
 * columns match; `--node 'qemu-aarch64 -L / …/node'` shows the path changing under emulation, where
 * speeds say nothing about hardware.
 */

const USAGE = `Usage: npm run bench:crc -- [options]

  --node COMMAND   the Node binary to measure, with any emulator in front        [this Node]
  --mib N          MiB checksummed per measurement                                 [1024]
  --repeat N       fresh processes                                                  [3]
  --help`;

interface ProbeResult {
  readonly arch: string;
  readonly node: string;
  readonly zlib: string;
  readonly mib: number;
  readonly beforeMibPerSecond: number;
  readonly afterMibPerSecond: number;
  readonly sameCrc: boolean;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      node: { type: 'string' },
      mib: { type: 'string', default: '1024' },
      repeat: { type: 'string', default: '3' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const mib = positive('--mib', values.mib);
  const repeat = positive('--repeat', values.repeat);
  const [command = process.execPath, ...prefix] = (values.node ?? process.execPath)
    .split(' ')
    .filter(Boolean);
  const probe = fileURLToPath(new URL('./crc-probe.mjs', import.meta.url));
  const rows: ProbeResult[] = [];
  for (let run = 1; run <= repeat; run += 1) {
    const output = execFileSync(command, [...prefix, probe, String(mib)], { encoding: 'utf8' });
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '') as ProbeResult;
    if (!result.sameCrc) throw new Error(`run ${run}: the CRC-32 changed with the path: zlib is broken`);
    rows.push(result);
  }
  const first = rows[0] as ProbeResult;
  console.log(`${first.node} ${first.arch}, zlib ${first.zlib}, ${first.mib} MiB per measurement\n`);
  console.log('| run | before a zlib stream MiB/s | after MiB/s | × |');
  console.log('| --- | --- | --- | --- |');
  for (const [index, row] of rows.entries()) {
    const ratio = row.afterMibPerSecond / row.beforeMibPerSecond;
    console.log(
      `| ${index + 1} | ${row.beforeMibPerSecond.toFixed(0)} | ${row.afterMibPerSecond.toFixed(0)} | ${ratio.toFixed(2)} |`,
    );
  }
  console.log('');
  for (const row of rows) console.log(`BENCH_RESULT ${JSON.stringify({ scenario: 'crc32', ...row })}`);
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${name} must be a positive integer, got ${text}`);
  return value;
}

try {
  main();
} catch (error) {
  // A bad option exits 2 with one line, as the operator commands do (local/commands/command-line.ts).
  const problem = argumentProblem(error, USAGE);
  if (problem === undefined && !(error instanceof UsageError)) throw error;
  console.error(problem ?? (error as UsageError).message);
  process.exit(ExitCode.Usage);
}
