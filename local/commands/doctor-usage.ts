import { CHECK_NAMES } from '../../functions/core/doctor/index.js';

/**
 * The doctor's checks for `npm run doctor -- --help`, numbered in the order they run and read from
 * the doctor's own list (`CHECK_NAMES`), so that the help cannot fall behind a new check.
 */
export function doctorChecksInOrder(names: readonly string[] = CHECK_NAMES, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const [index, name] of names.entries()) {
    const item = `${index + 1}. ${name}${index < names.length - 1 ? ',' : ''}`;
    if (line !== '' && line.length + 1 + item.length > width) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? `  ${item}` : `${line} ${item}`;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}
