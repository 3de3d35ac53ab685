import { createHash } from 'node:crypto';

/**
 * A package-lock.json for the consumer apps, cut from this repository's: every package the apps
 * depend on at the version and place (and with the integrity) this repository's lock has. With it
 * `npm install` needs no registry metadata, only the tarballs `npm ci` left in the npm cache.
 */

type LockEntry = Record<string, unknown> & {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  inBundle?: boolean;
};

/** A consumer app: its folder (a workspace of the consumer root) and its package.json. */
export interface ConsumerApp {
  readonly folder: string;
  readonly packageJson: {
    name: string;
    version: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
}

/** What the consumer lock records of the packed tarball. */
export interface PackedTarball {
  /** The tarball's path from the consumer root, e.g. `ords-datapump-backup.tgz`. */
  readonly path: string;
  readonly bytes: Buffer;
  /** The package.json inside the tarball. */
  readonly packageJson: Record<string, unknown> & {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
  };
}

/** Where Node.js finds `name` from the package at `from` in a lock's tree, or undefined. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

/** The consumer root's package-lock.json (npm workspaces, one per app). */
export function consumerLock(
  rootLock: { packages: Record<string, LockEntry> },
  apps: readonly ConsumerApp[],
  tarball: PackedTarball,
): Record<string, unknown> {
  const source = rootLock.packages;
  const kept = new Set<string>();
  const keep = (key: string): void => {
    if (kept.has(key)) return;
    kept.add(key);
    const entry = source[key]!;
    const needs = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(needs)) {
      const found = resolveIn(source, key, name);
      if (found) keep(found);
    }
    for (const nested of Object.keys(source)) {
      if (nested.startsWith(`${key}/node_modules/`) && source[nested]!.inBundle) kept.add(nested);
    }
  };
  const tops = new Set(
    apps.flatMap((app) => [
      ...Object.keys(app.packageJson.dependencies),
      ...Object.keys(app.packageJson.devDependencies),
    ]),
  );
  tops.delete(tarball.packageJson.name);
  for (const name of Object.keys(tarball.packageJson.dependencies ?? {})) tops.add(name);
  for (const name of tops) {
    if (!source[`node_modules/${name}`])
      throw new Error(`${name} is not in this repository's package-lock.json`);
    keep(`node_modules/${name}`);
  }

  const { name, version, license, dependencies, engines, peerDependencies } = tarball.packageJson;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer-apps', workspaces: apps.map((app) => app.folder) },
    ...Object.fromEntries(apps.map((app) => [app.folder, app.packageJson])),
    ...Object.fromEntries(
      apps.map((app) => [`node_modules/${app.packageJson.name}`, { resolved: app.folder, link: true }]),
    ),
    [`node_modules/${name}`]: {
      version,
      resolved: `file:${tarball.path}`,
      integrity: `sha512-${createHash('sha512').update(tarball.bytes).digest('base64')}`,
      license,
      dependencies,
      engines,
      peerDependencies,
    },
  };
  for (const key of [...kept].sort()) {
    // The repository's dev flags say nothing about the consumer's tree: npm works them out again.
    const { dev: _dev, devOptional: _devOptional, ...entry } = source[key]!;
    packages[key] = entry;
  }
  return { name: 'consumer-apps', lockfileVersion: 3, requires: true, packages };
}
