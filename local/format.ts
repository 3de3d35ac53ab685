/** Human-readable figures for the local runner's output. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1.5 GiB`, `512 B`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Parses `8GiB`, `512MiB`, `1048576` into bytes. */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB)?\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not a size: use a number of bytes or e.g. 512MiB, 8GiB`);
  const unit = (match[2] ?? 'B').toLowerCase();
  const factor = 1024 ** ['b', 'kib', 'mib', 'gib', 'tib'].indexOf(unit);
  return Math.round(Number(match[1]) * factor);
}
