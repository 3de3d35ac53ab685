import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * `npx tsx bench/profile-summary.ts FILE.cpuprofile [TOP]`: the self time of a V8 CPU profile
 * (`npm run bench -- --cpu-prof DIR`) by function, largest first, as a Markdown table for
 * BENCHMARKS.md. Idle time is left out of the shares ("busy time").
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function main(): void {
  const [file, topText] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
  const top = Number(topText ?? 12);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` (${basename(url)}:${lineNumber + 1})`;
    nameOf.set(node.id, `${functionName || '(anonymous)'}${where}`);
  }
  const selfMicros = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const name = nameOf.get(id) ?? '(unknown)';
    selfMicros.set(name, (selfMicros.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const idle = selfMicros.get('(idle)') ?? 0;
  selfMicros.delete('(idle)');
  const busy = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
  const rows = [...selfMicros.entries()].sort((a, b) => b[1] - a[1]);
  const shown = rows.slice(0, top);
  const rest = rows.slice(top).reduce((sum, [, value]) => sum + value, 0);
  const line = (name: string, micros: number) =>
    `| ${name} | ${(micros / 1e6).toFixed(2)} | ${((micros / busy) * 100).toFixed(0)} % |`;
  console.log(`busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (main thread)\n`);
  console.log('| function | self s | share of busy time |\n| --- | --- | --- |');
  for (const [name, micros] of shown) console.log(line(name, micros));
  console.log(line(`the rest (${rows.length - shown.length} functions)`, rest));
}

main();
