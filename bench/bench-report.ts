import type { ScenarioName, ScenarioResult } from './bench-messages.js';
import type { SinkStats } from './discard-sinks.js';

/** What `npm run bench` prints: the table, the goal lines and the `BENCH_RESULT` lines. */

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** Goals from issue 22, "Copy at wire speed with a fraction of the CPU", judged on `sink`. */
export const GOALS = {
  throughputVsRaw: 0.9,
  cpuVsRaw: 1.3,
  throughputVsLibStorage: 1.0,
  maxRssBytes: 256 * MIB,
} as const;

/**
 * Full collections of the raw pipe from which it is off its best: at its best it runs none or one per
 * GiB; when V8 falls behind freeing the download's chunks it runs 10-30, at up to twice the CPU.
 */
const REFERENCE_MAJOR_GCS = 5;

/** The bench's options (`copy-bench.ts` parses them). */
export interface Options {
  readonly sizes: number[];
  readonly scenarios: ScenarioName[];
  readonly invocationSeconds: number;
  readonly partsInFlight: number;
  readonly minPartSizeBytes: number;
  readonly repeat: number;
  /** Bandwidth of the ORDS side in bytes per second; 0: loopback speed. */
  readonly ordsBytesPerSecond: number;
  readonly json: string | undefined;
  readonly cpuProfileDir: string | undefined;
  readonly recordSha256: boolean;
}

/** One measured run, with what the parent checked. */
export interface Row extends ScenarioResult {
  readonly size: number;
  readonly sha256Ok: boolean | null;
  readonly sink?: SinkStats;
  /** CPU of the sink's process (S3 discard sink or s3rver) over the run, warm-up included. */
  readonly sinkCpuSeconds: number;
  readonly loadAverage: number;
}

/** The run with the median throughput. */
export function median(runs: Row[]): Row {
  const sorted = [...runs].sort((a, b) => mibps(a) - mibps(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as Row;
}

/**
 * The run a scenario is reported by: the fastest for the references (`raw`, `raw-crc`: the best this
 * machine did, so that a reference run slowed by the collector or a neighbour never flatters the
 * others), the median for the rest.
 */
export function reported(runs: Row[]): Row {
  const reference = runs[0]?.scenario === 'raw' || runs[0]?.scenario === 'raw-crc';
  return reference ? ([...runs].sort((a, b) => mibps(b) - mibps(a))[0] as Row) : median(runs);
}

function mibps(row: ScenarioResult): number {
  return row.bytes / MIB / row.wallSeconds;
}

function cpuPerGiB(row: ScenarioResult): number {
  return row.cpuSeconds / (row.bytes / GIB);
}

function rowOf(rows: Row[], size: number, scenario: ScenarioName): Row | undefined {
  return rows.find((row) => row.scenario === scenario && row.size === size);
}

function rawOf(rows: Row[], size: number): Row | undefined {
  return rowOf(rows, size, 'raw');
}

/** The raw pipe with a CRC-32 of every chunk: the least a copy that S3 verifies can cost. */
function rawCrcOf(rows: Row[], size: number): Row | undefined {
  return rowOf(rows, size, 'raw-crc');
}

function libStorageOf(rows: Row[], size: number): Row | undefined {
  return rowOf(rows, size, 'lib-storage');
}

/** `mine / theirs` of a figure, or null without a row to compare with. */
function ratio(mine: Row, theirs: Row | undefined, figure: (row: Row) => number): number | null {
  return theirs === undefined ? null : figure(mine) / figure(theirs);
}

/** The machine-readable figures of one result (`BENCH_RESULT` lines, rounded). */
export function resultLine(row: Row, rows: Row[], options: Options): Record<string, unknown> {
  const round = (value: number | null, digits: number) =>
    value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    sizeBytes: row.size,
    scenario: row.scenario,
    mibps: round(mibps(row), 1),
    throughputVsRaw: round(ratio(row, rawOf(rows, row.size), mibps), 3),
    throughputVsRawCrc: round(ratio(row, rawCrcOf(rows, row.size), mibps), 3),
    throughputVsLibStorage: round(ratio(row, libStorageOf(rows, row.size), mibps), 3),
    cpuSecondsPerGiB: round(cpuPerGiB(row), 3),
    cpuVsRaw: round(ratio(row, rawOf(rows, row.size), cpuPerGiB), 3),
    cpuVsRawCrc: round(ratio(row, rawCrcOf(rows, row.size), cpuPerGiB), 3),
    mainThreadCpuSecondsPerGiB: round(
      row.mainThreadCpuSeconds === null ? null : row.mainThreadCpuSeconds / (row.bytes / GIB),
      3,
    ),
    gcSecondsPerGiB: round(row.gc.seconds / (row.bytes / GIB), 3),
    minorGcs: row.gc.minor,
    majorGcs: row.gc.major,
    peakRssMiB: round(row.maxRssBytes / MIB, 1),
    sinkCpuSecondsPerGiB: round(row.sinkCpuSeconds / (row.bytes / GIB), 3),
    invocations: row.invocations,
    sha256: row.sha256Ok === null ? 'n/a' : row.sha256Ok ? 'ok' : 'wrong',
    recordSha256: options.recordSha256,
    loadAverage: round(row.loadAverage, 2),
  };
}

export function table(rows: Row[], options: Options): string {
  const header = [
    'size',
    'scenario',
    'MiB/s',
    '× raw',
    '× raw-crc',
    '× lib-storage',
    'peak RSS MiB',
    'RSS before MiB',
    'CPU s/GiB',
    'CPU × raw',
    'CPU × raw-crc',
    'main-thread CPU s/GiB',
    'invocations',
    'SHA-256',
  ];
  const lines = rows.map((row) => {
    const cell = (value: number | null) => (value === null ? '–' : value.toFixed(2));
    const raw = rawOf(rows, row.size);
    const rawCrc = rawCrcOf(rows, row.size);
    return [
      formatSize(row.size),
      row.scenario,
      mibps(row).toFixed(0),
      cell(ratio(row, raw, mibps)),
      cell(ratio(row, rawCrc, mibps)),
      cell(ratio(row, libStorageOf(rows, row.size), mibps)),
      (row.maxRssBytes / MIB).toFixed(0),
      (row.rssBeforeBytes / MIB).toFixed(0),
      cpuPerGiB(row).toFixed(2),
      cell(ratio(row, raw, cpuPerGiB)),
      cell(ratio(row, rawCrc, cpuPerGiB)),
      row.mainThreadCpuSeconds === null ? '–' : (row.mainThreadCpuSeconds / (row.bytes / GIB)).toFixed(2),
      String(row.invocations),
      row.sha256Ok === null ? 'n/a' : row.sha256Ok ? 'ok' : 'WRONG',
    ];
  });
  const separator = header.map(() => '---');
  const render = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `Invocation budget ${options.invocationSeconds} s, ${options.partsInFlight} parts in flight, ` +
      `min part ${formatSize(options.minPartSizeBytes)}, SHA-256 ${options.recordSha256 ? 'on' : 'off'}, ` +
      (options.repeat > 1
        ? `the references' fastest and the others' median of ${options.repeat} runs`
        : '1 run each') +
      (options.ordsBytesPerSecond > 0 ? `, ORDS paced to ${options.ordsBytesPerSecond / MIB} MiB/s.` : '.'),
    '',
    render(header),
    render(separator),
    ...lines.map(render),
  ].join('\n');
}

/** One line per goal of issue 22 (judged on `sink`): met or not, with the figures. */
export function goals(rows: Row[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const ours = rows.filter((row) => row.scenario !== 'raw' && row.scenario !== 'raw-crc');
  for (const row of rows.filter((r) => r.scenario === 'sink')) {
    const size = formatSize(row.size);
    const raw = rawOf(rows, row.size);
    if (raw !== undefined && raw.gc.major >= REFERENCE_MAJOR_GCS) {
      lines.push(
        `${size} raw ran ${raw.gc.major} full collections: off its best, it flatters the copy ` +
          '(run with --repeat 3: the fastest raw run is the reference)',
      );
    }
    const vsRaw = ratio(row, raw, mibps);
    if (vsRaw !== null) {
      lines.push(
        `throughput ${size} sink ≥ ${GOALS.throughputVsRaw}× raw: ${verdict(vsRaw >= GOALS.throughputVsRaw)} (${vsRaw.toFixed(2)}×)`,
      );
    }
    const cpu = ratio(row, rawOf(rows, row.size), cpuPerGiB);
    if (cpu !== null) {
      lines.push(
        `CPU/GiB ${size} sink ≤ ${GOALS.cpuVsRaw}× raw: ${verdict(cpu <= GOALS.cpuVsRaw)} (${cpu.toFixed(2)}×)`,
      );
    }
    const vsLib = ratio(row, libStorageOf(rows, row.size), mibps);
    if (vsLib !== null) {
      lines.push(
        `throughput ${size} sink ≥ ${GOALS.throughputVsLibStorage}× lib-storage: ${verdict(vsLib >= GOALS.throughputVsLibStorage)} (${vsLib.toFixed(2)}×)`,
      );
    }
    const rawCrc = rawCrcOf(rows, row.size);
    if (rawCrc !== undefined) {
      const vs = (figure: (r: Row) => number) => (ratio(row, rawCrc, figure) ?? 0).toFixed(2);
      lines.push(
        `${size} sink against raw-crc (the raw pipe with the CRC-32 every verified copy computes): ` +
          `throughput ${vs(mibps)}×, CPU/GiB ${vs(cpuPerGiB)}× (no goal; where the copy stands above its floor)`,
      );
    }
    const mib = row.maxRssBytes / MIB;
    lines.push(
      `peak RSS ${size} sink ≤ 256 MiB: ${verdict(row.maxRssBytes <= GOALS.maxRssBytes)} (${mib.toFixed(0)} MiB)`,
    );
  }
  for (const row of ours) {
    if (row.sink !== undefined) {
      lines.push(
        `${row.scenario} ${formatSize(row.size)}: the sink verified ${row.sink.partsVerified} parts (size + CRC-32, the warm-up's included), refused ${row.sink.refused}, completed ${row.sink.completed}`,
      );
    }
    for (const warning of row.warnings)
      lines.push(`${row.scenario} ${formatSize(row.size)} logged ${warning}`);
  }
  return lines;
}

export function describeRow(row: Row): string {
  const sha = row.sha256Ok === null ? '' : row.sha256Ok ? ', SHA-256 ok' : ', SHA-256 WRONG';
  return (
    `${mibps(row).toFixed(0)} MiB/s, ${cpuPerGiB(row).toFixed(2)} CPU s/GiB ` +
    `(main thread ${row.mainThreadCpuSeconds === null ? '–' : (row.mainThreadCpuSeconds / (row.bytes / GIB)).toFixed(2)}, ` +
    `GC pauses ${(row.gc.seconds / (row.bytes / GIB)).toFixed(2)} s/GiB in ${row.gc.minor} minor and ${row.gc.major} major), ` +
    `peak RSS ${(row.maxRssBytes / MIB).toFixed(0)} MiB, ` +
    `${row.invocations} invocation(s)${sha}, load ${row.loadAverage.toFixed(2)}`
  );
}

export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['GiB', GIB],
    ['MiB', MIB],
  ] as const) {
    if (bytes >= factor && bytes % (factor / 16) === 0) return `${bytes / factor} ${unit}`;
  }
  return `${bytes} B`;
}
