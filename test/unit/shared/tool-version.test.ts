import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../../functions/shared/tool-version.js';

describe('TOOL_VERSION', () => {
  it("is package.json's version", () => {
    // GIVEN the project's package.json
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    // WHEN the constant is read
    // THEN it is that version, a semantic version
    expect(TOOL_VERSION).toBe(version);
    expect(TOOL_VERSION).toMatch(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/);
  });
});
