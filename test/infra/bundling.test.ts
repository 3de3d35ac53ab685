import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandler, handlerEntries } from '../../infra/package/package-build.js';
import { exampleConfig, type Synthesized, synthesize } from './synth.js';

/**
 * The one infra test that bundles the real handlers with esbuild, as `cdk synth` does (the others
 * skip bundling). Needs the handler files in functions/handlers/.
 */
describe('function bundling', () => {
  let synthesized: Synthesized;
  let bundles: Array<{ id: string; code: string; directory: string }>;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig(), { bundle: true });
    bundles = Object.entries(synthesized.template.findResources('AWS::Lambda::Function')).map(
      ([id, resource]) => {
        // The asset's hash names both its S3 key and its staging directory in the cloud assembly.
        const hash = String(resource.Properties.Code.S3Key).replace(/\.zip$/, '');
        const directory = join(synthesized.outdir, `asset.${hash}`);
        return { id, directory, code: readFileSync(join(directory, 'index.mjs'), 'utf8') };
      },
    );
  });
  afterAll(() => synthesized.cleanup());

  it('bundles each handler into one ESM file with a source map', () => {
    expect(bundles).toHaveLength(13);
    for (const bundle of bundles) {
      expect(existsSync(join(bundle.directory, 'index.mjs.map')), bundle.id).toBe(true);
      expect(bundle.code, bundle.id).toMatch(/export\s*\{[^}]*\bhandler\b/);
    }
  });

  it("includes the AWS SDK instead of relying on the runtime's copy", () => {
    // The only references left are the SDK's optional SigV4a signers (multi-region access points
    // only): a require in a try/catch and the text of an error message.
    const optional = new Set(['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);
    for (const bundle of bundles) {
      const external = [
        ...bundle.code.matchAll(/(?:require\(|from\s*|import\()\s*["'](@aws-sdk\/[^"']+)["']/g),
      ]
        .map((match) => match[1]!)
        .filter((name) => !optional.has(name));

      expect(external, bundle.id).toEqual([]);
    }
  });

  it("bundles each handler byte for byte as the npm package's prebuilt bundle", async () => {
    const dist = mkdtempSync(join(tmpdir(), 'odb-prebuilt-'));
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    try {
      await Promise.all(handlerEntries().map((entry) => buildHandler(entry, dist)));
      const prebuilt = new Map(
        handlerEntries().map((entry) => [
          sha256(readFileSync(join(dist, 'lambda', entry.replace(/\.ts$/, ''), 'index.mjs'), 'utf8')),
          entry,
        ]),
      );
      const synthesized = bundles.map((bundle) => sha256(bundle.code));

      // Every function of the app runs a prebuilt bundle; the package also ships the off-site check
      // and the window launcher, which this app (no offsiteCopy, no night window) does not deploy.
      expect(synthesized.filter((hash) => !prebuilt.has(hash))).toEqual([]);
      const unused = [...prebuilt].filter(([hash]) => !synthesized.includes(hash)).map(([, entry]) => entry);
      expect(unused).toEqual(['check-offsite-copy.ts', 'start-window.ts']);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it('defines require for bundled CommonJS code', () => {
    for (const bundle of bundles) {
      expect(bundle.code.startsWith('import { createRequire as __createRequire }'), bundle.id).toBe(true);
    }
  });
});
