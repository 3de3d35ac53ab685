import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { BUNDLING, RUNTIME } from '../constructs/backup-function.js';

/**
 * The npm package, built into a folder (`dist/` by `npm run build`) and packed from there
 * (`npm pack ./dist`). It has its own `package.json`, made from this repository's: the repository's
 * carries the development toolchain (the pinned Node binary as optionalDependencies, which a
 * consumer would otherwise install too).
 * - `index.js`: the construct and its props checks as one ESM file; `aws-cdk-lib`,
 *   `constructs` (peers) and `zod` (a dependency, its types are in the props) stay imports.
 * - `types/`: the `.d.ts` files, emitted by `tsc -p tsconfig.build.json`.
 * - `lambda/<handler>/index.mjs`: every handler of `functions/handlers/` bundled with the
 *   settings `NodejsFunction` uses here (`BUNDLING`), so the packaged construct needs no bundler.
 */

export const ROOT = resolve(import.meta.dirname, '..', '..');
const HANDLERS = join(ROOT, 'functions', 'handlers');
/** What the construct imports at run time that the consumer installs. */
const CONSTRUCT_EXTERNALS = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'zod'];

/** The handler files, e.g. `start-export.ts`. */
export function handlerEntries(): string[] {
  return readdirSync(HANDLERS)
    .filter((name) => name.endsWith('.ts'))
    .sort();
}

async function buildConstruct(dist: string): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'infra', 'index.ts')],
    outfile: join(dist, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    external: CONSTRUCT_EXTERNALS,
    // Bundled CommonJS code calls require() for Node built-ins.
    banner: { js: BUNDLING.banner! },
    logLevel: 'warning',
  });
}

/** Bundles one handler (`start-export.ts`) into `<dist>/lambda/start-export/index.mjs`. */
export async function buildHandler(entry: string, dist: string): Promise<void> {
  await build({
    entryPoints: [join(HANDLERS, entry)],
    outfile: join(dist, 'lambda', entry.replace(/\.ts$/, ''), 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: RUNTIME.name.replace(/^nodejs(\d+).*$/, 'node$1'),
    format: 'esm',
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields!],
    external: [...BUNDLING.externalModules!],
    banner: { js: BUNDLING.banner! },
    logLevel: 'warning',
  });
}

/** The package's package.json: this repository's identity and peers, the entry points of `dist/`. */
function packageJson(): Record<string, unknown> {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const types = './types/infra/index.d.ts';
  return {
    name: root.name,
    version: root.version,
    description: root.description,
    keywords: ['aws-cdk', 'cdk-construct', 'oracle', 'data-pump', 'ords', 'backup', 's3'],
    license: root.license,
    type: 'module',
    main: './index.js',
    types,
    exports: { '.': { types, default: './index.js' }, './package.json': './package.json' },
    files: ['index.js', 'types', 'lambda', 'CHANGELOG.md'],
    engines: root.engines,
    peerDependencies: root.peerDependencies,
    dependencies: root.dependencies,
  };
}

/** Builds the whole package into `dist`, replacing what was there. */
export async function buildPackage(dist: string): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  await buildConstruct(dist);
  for (const entry of handlerEntries()) await buildHandler(entry, dist);
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dist, 'types')],
    { stdio: 'inherit' },
  );
  writeFileSync(join(dist, 'package.json'), `${JSON.stringify(packageJson(), null, 2)}\n`);
  for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
    if (existsSync(join(ROOT, file))) copyFileSync(join(ROOT, file), join(dist, file));
  }
}
