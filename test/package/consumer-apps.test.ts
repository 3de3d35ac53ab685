import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerApp, consumerLock, type PackedTarball } from './consumer-lock.js';

/**
 * The npm package as a platform team gets it: built and packed from this repository into a temporary
 * folder, installed from the tarball into a TypeScript CDK app and a plain JavaScript CDK app, as
 * `cdk init app` writes them (test/package/apps/), each synthesized by the CDK CLI. One install
 * serves both apps (npm workspaces); its lock, cut from this repository's, takes every dependency
 * from the npm cache `npm ci` filled. What differs from `cdk init`'s files: no jest, and the
 * TypeScript app's `typeRoots` point at the shared install (`../node_modules/@types`).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const ROOT_PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const TARBALL = 'ords-datapump-backup.tgz';
const HANDLERS = readdirSync(join(ROOT, 'functions', 'handlers'))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.replace(/\.ts$/, ''))
  .sort();

/** Child processes see no `npm_*` variables of the `npm test` that runs this file. */
const ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_'))),
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  npm_config_prefer_offline: 'true',
};

/** Runs a command; a failure names it with everything it printed. */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      env: ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** A consumer app's package.json as `cdk init` writes it, at the versions this repository uses. */
function consumerApp(folder: string, devDependencies: string[]): ConsumerApp {
  const version = (dependency: string) => ROOT_PACKAGE.devDependencies[dependency] as string;
  return {
    folder,
    packageJson: {
      name: folder,
      version: '0.1.0',
      devDependencies: Object.fromEntries(
        devDependencies.map((dependency) => [dependency, version(dependency)]),
      ),
      dependencies: {
        'aws-cdk-lib': version('aws-cdk-lib'),
        constructs: version('constructs'),
        'ords-datapump-backup': `file:../${TARBALL}`,
      },
    },
  };
}

interface Resource {
  Type: string;
  Properties: Record<string, unknown> & { Code?: { S3Key?: string } };
}

interface Synthesized {
  resources: Resource[];
  /** Each function's code asset matched to the packaged bundle it is byte for byte. */
  bundles: Array<string | undefined>;
}

describe('the npm package in a consumer CDK app', () => {
  let work: string;
  let packed: string[];
  let packageJson: PackedTarball['packageJson'];
  const synthesized = new Map<string, Synthesized>();

  /** Synthesizes one app with the CDK CLI and reads its template and code assets. */
  function synth(app: string, stack: string): Synthesized {
    const folder = join(work, 'apps', app);
    run(join(work, 'apps', 'node_modules', '.bin', 'cdk'), ['synth', '--no-notices', '--quiet'], folder);
    const template = JSON.parse(readFileSync(join(folder, 'cdk.out', `${stack}.template.json`), 'utf8'));
    const resources = Object.values(template.Resources) as Resource[];
    const packaged = new Map(
      HANDLERS.map((handler) => [
        readFileSync(
          join(work, 'apps', 'node_modules', 'ords-datapump-backup', 'lambda', handler, 'index.mjs'),
          'utf8',
        ),
        handler,
      ]),
    );
    const bundles = resources
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .map((resource) => {
        const asset = String(resource.Properties.Code?.S3Key).replace(/\.zip$/, '');
        const code = readFileSync(join(folder, 'cdk.out', `asset.${asset}`, 'index.mjs'), 'utf8');
        return packaged.get(code);
      });
    return { resources, bundles };
  }

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'odb-package-'));
    const built = join(work, 'package');
    run(join(ROOT, 'node_modules', '.bin', 'tsx'), ['infra/package/build-package.ts', '--out', built], ROOT);
    const [pack] = JSON.parse(run('npm', ['pack', built, '--json', '--pack-destination', work], work));
    packed = pack.files.map((file: { path: string }) => file.path);
    packageJson = JSON.parse(readFileSync(join(built, 'package.json'), 'utf8'));

    const apps = join(work, 'apps');
    cpSync(join(ROOT, 'test', 'package', 'apps'), apps, { recursive: true });
    renameSync(join(work, pack.filename), join(apps, TARBALL));
    const consumers = [
      consumerApp('ts-app', ['@types/node', 'aws-cdk', 'tsx', 'typescript']),
      consumerApp('js-app', ['aws-cdk']),
    ];
    writeFileSync(
      join(apps, 'package.json'),
      JSON.stringify({
        name: 'consumer-apps',
        private: true,
        workspaces: consumers.map((app) => app.folder),
      }),
    );
    for (const app of consumers) {
      writeFileSync(join(apps, app.folder, 'package.json'), JSON.stringify(app.packageJson));
    }
    const rootLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const tarball = {
      path: TARBALL,
      bytes: readFileSync(join(apps, TARBALL)),
      packageJson,
    };
    writeFileSync(
      join(apps, 'package-lock.json'),
      JSON.stringify(consumerLock(rootLock, consumers, tarball)),
    );
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], apps);

    // The TypeScript app's cdk.json runs `tsc` first: its strict type check of the package's .d.ts.
    synthesized.set('ts-app', synth('ts-app', 'TsAppStack'));
    synthesized.set('js-app', synth('js-app', 'JsAppStack'));
  }, 900_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs the compiled construct, its types and one bundle per handler, and no TypeScript source', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'index.js',
        'types/infra/index.d.ts',
        'CHANGELOG.md',
        ...HANDLERS.map((handler) => `lambda/${handler}/index.mjs`),
      ]),
    );
    expect(packed.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it('declares the CDK as peers and carries none of the toolchain', () => {
    expect(packageJson).toMatchObject({
      name: 'ords-datapump-backup',
      version: ROOT_PACKAGE.version,
      type: 'module',
      exports: { '.': { types: './types/infra/index.d.ts', default: './index.js' } },
      peerDependencies: { 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) },
    });
    // The pinned Node binary (optionalDependencies) and the scripts stay in this repository.
    for (const field of ['optionalDependencies', 'devDependencies', 'scripts', 'private']) {
      expect(packageJson, field).not.toHaveProperty(field);
    }
    expect(Object.keys(packageJson.dependencies as object)).toEqual(['zod']);
  });

  it('imports at run time only Node.js built-ins, its peers and its dependencies', () => {
    const code = readFileSync(join(work, 'package', 'index.js'), 'utf8');
    // esbuild writes one import statement a line; bundled CommonJS calls (__)require("…").
    const specifiers = [
      ...code.matchAll(
        /^import\s[^;]*?from\s*"([^"]+)";$|^import\s*"([^"]+)";$|\b(?:__)?require\("([^"]+)"\)/gm,
      ),
    ].map((match) => match[1] ?? match[2] ?? match[3]!);
    const imported = new Set(
      specifiers.map((specifier) => specifier.replace(/^(@[^/]+\/[^/]+|[^@/][^/]*).*$/, '$1')),
    );
    const declared = [
      ...Object.keys(packageJson.peerDependencies as object),
      ...Object.keys(packageJson.dependencies ?? {}),
    ];

    expect(imported).toContain('aws-cdk-lib');
    expect(
      [...imported].filter(
        (name) => !name.startsWith('node:') && !builtinModules.includes(name) && !declared.includes(name),
      ),
    ).toEqual([]);
  });

  for (const app of ['ts-app', 'js-app']) {
    it(`synthesizes the ${app} with the backup and restore state machines and every function from a packaged bundle`, () => {
      const { resources, bundles } = synthesized.get(app)!;
      const functions = resources.filter((resource) => resource.Type === 'AWS::Lambda::Function');

      // The backup state machine and the restore state machine beside it (issue 20).
      expect(
        resources.filter((resource) => resource.Type === 'AWS::StepFunctions::StateMachine'),
      ).toHaveLength(2);
      expect(functions.map((fn) => fn.Properties.Handler)).toEqual(functions.map(() => 'index.handler'));
      // Every handler but the off-site check, which an app deploys only with offsiteCopy, and the
      // window launcher, which it deploys only with a database in a night window.
      expect([...bundles].sort()).toEqual(
        HANDLERS.filter((handler) => handler !== 'check-offsite-copy' && handler !== 'start-window'),
      );
    });
  }
});
