import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The default `forks` pool: `threads` breaks NodejsFunction bundling (../shared/local-tooling.md).
    pool: 'forks',
    // Two test files at a time on this project's 2-core machines (vitest's default is cores - 1): the
    // end-to-end files mostly wait on local servers, so the suite takes about 7 minutes instead of 11.
    maxWorkers: 2,
  },
});
