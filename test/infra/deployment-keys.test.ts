import { describe, expect, it } from 'vitest';
import { deploymentKeyPrefixes, MAX_KEY_PREFIXES } from '../../infra/constructs/deployment-keys.js';

describe('deploymentKeyPrefixes', () => {
  it('keeps one prefix per folder, dropping those another covers', () => {
    expect(deploymentKeyPrefixes(['a/', 'a/finance/', 'a/', 'b/x/'])).toEqual({
      prefixes: ['a/', 'b/x/'],
      collapsed: false,
    });
  });

  it('does not take a/ to cover ab/: a prefix is a string, and both are kept', () => {
    expect(deploymentKeyPrefixes(['ab/', 'a/']).prefixes).toEqual(['a/', 'ab/']);
  });

  it('grants nothing without databases, and the whole bucket for an empty prefix', () => {
    expect(deploymentKeyPrefixes([]).prefixes).toEqual([]);
    expect(deploymentKeyPrefixes(['', 'a/']).prefixes).toEqual(['']);
  });

  it(`collapses more than ${MAX_KEY_PREFIXES} distinct prefixes into the folder they share, never a partial name`, () => {
    const many = Array.from({ length: MAX_KEY_PREFIXES + 1 }, (_, index) => `backups/team-${index}/`);

    expect(deploymentKeyPrefixes(many)).toEqual({ prefixes: ['backups/'], collapsed: true });
    expect(deploymentKeyPrefixes(many.slice(0, MAX_KEY_PREFIXES)).collapsed).toBe(false);
    const apart = Array.from({ length: MAX_KEY_PREFIXES + 1 }, (_, index) => `p${index}/`);
    expect(deploymentKeyPrefixes(apart).prefixes).toEqual(['']);
  });
});
