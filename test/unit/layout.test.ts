import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORE = join(PROJECT_ROOT, 'functions', 'core');
const PRODUCT_FOLDERS = ['functions', 'infra', 'local', 'simulator', 'bench'];

/** The layers of functions/core/README.md: a folder imports only folders of lower layers. */
const LAYERS: Record<string, number> = {
  base: 1,
  state: 2,
  ords: 2,
  fleet: 2,
  retention: 2,
  export: 3,
  transfer: 4,
  cleanup: 4,
  manifest: 4,
  drill: 5,
  run: 6,
  restore: 6,
  doctor: 7,
};

function sources(folder: string): string[] {
  return readdirSync(join(PROJECT_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The project files a file imports (relative specifiers only), as absolute `.ts` paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(
    (match) => match[1] as string,
  );
  return specifiers.map((specifier) => join(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

/** The capability folder of a file under functions/core, or undefined outside it. */
function folderOf(file: string): string | undefined {
  const rel = relative(CORE, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : '';
}

const product = PRODUCT_FOLDERS.flatMap(sources);

describe('functions/core layout', () => {
  it('has no file directly under functions/core but its README', () => {
    const loose = readdirSync(CORE, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name !== 'README.md')
      .map((entry) => entry.name);
    expect(loose).toEqual([]);
  });

  it('has a layer and a documented index.ts for every folder', () => {
    const folders = readdirSync(CORE, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual(Object.keys(LAYERS).sort());
    for (const folder of folders) {
      const index = join(CORE, folder, 'index.ts');
      expect(existsSync(index), `${folder}/index.ts`).toBe(true);
      expect(readFileSync(index, 'utf8').startsWith('/**'), `${folder}/index.ts comment`).toBe(true);
    }
  });

  it('imports a core folder from outside only through its index.ts, and never up the layers', () => {
    const offenders: string[] = [];
    for (const file of product) {
      const from = folderOf(file);
      for (const target of importsOf(file)) {
        const to = folderOf(target);
        if (to === undefined || to === from) continue;
        const where = `${relative(PROJECT_ROOT, file)} → ${relative(PROJECT_ROOT, target)}`;
        if (!target.endsWith(`${sep}index.ts`)) offenders.push(`around index.ts: ${where}`);
        if (from !== undefined && (LAYERS[to] ?? 0) >= (LAYERS[from] ?? 0)) {
          offenders.push(`up the layers: ${where}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('product code', () => {
  it('has no import cycle', () => {
    const graph = new Map(product.map((file) => [file, importsOf(file).filter(existsSync)]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        const loop = path.slice(path.indexOf(file));
        cycles.push([...loop, file].map((f) => relative(PROJECT_ROOT, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of product) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
