import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertSupportedNode, MINIMUM_NODE_MAJOR } from '../../local/node-version.js';

const projectFile = (path: string) => new URL(`../../${path}`, import.meta.url);
const readJson = (path: string) => JSON.parse(readFileSync(projectFile(path), 'utf8'));

describe('the Node.js the tests run on', () => {
  it('is a maintained LTS, 22 or newer', () => {
    // GIVEN the Node.js running this test file (a vitest fork)
    const major = Number(process.versions.node.split('.')[0]);
    // THEN it is new enough for aws-local-stepfunctions without a polyfill
    expect(major).toBeGreaterThanOrEqual(MINIMUM_NODE_MAJOR);
    expect(typeof Promise.withResolvers).toBe('function');
  });

  it('is the one pinned in package.json, where this platform has one', () => {
    // GIVEN the pinned Node.js package of this platform, installed by npm ci
    const name = `node-${process.platform}-${process.arch}`;
    const pinned = readJson('package.json').optionalDependencies?.[name];
    const binary = projectFile(`node_modules/${name}/bin/node`);
    // No pinned Node.js for this platform: the machine's own runs the tests (checked above).
    if (pinned === undefined) return;
    expect(existsSync(binary), `${name} is pinned but not installed: run npm ci`).toBe(true);
    // THEN this process is that binary, at that exact version
    expect(realpathSync(process.execPath)).toBe(realpathSync(binary));
    expect(process.versions.node).toBe(pinned);
  });
});

describe('assertSupportedNode', () => {
  it('accepts Node.js 22 and newer', () => {
    for (const version of ['22.0.0', '24.22.3', '26.10.0', '100.1.2']) {
      expect(() => assertSupportedNode(version)).not.toThrow();
    }
  });

  it('refuses Node.js 20 and names the version and the way out', () => {
    expect(() => assertSupportedNode('20.20.2')).toThrow(
      /need Node\.js 22 or newer, got "20\.20\.2"\. Run them through npm \(`npm start`/,
    );
    expect(() => assertSupportedNode('21.7.3')).toThrow(/got "21\.7\.3"/);
  });

  it('refuses a version it cannot read instead of guessing', () => {
    for (const version of ['', 'v24.1.0', '24', 'abc', '24.x.1', ' 24.1.0']) {
      expect(() => assertSupportedNode(version)).toThrow(`got ${JSON.stringify(version)}`);
    }
  });
});
