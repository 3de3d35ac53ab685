import packageJson from '../../package.json' with { type: 'json' };

/**
 * This project's version, from package.json: esbuild inlines the JSON into each Lambda bundle at
 * build time, and tsx and vitest read the same file locally, so both report the same version.
 */
export const TOOL_VERSION: string = packageJson.version;
