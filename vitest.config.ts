import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The default `forks` pool: `threads` breaks NodejsFunction bundling (../shared/local-tooling.md).
    pool: 'forks',
    // Three test files at a time on this project's 2-core machines (vitest's default is cores - 1): the
    // end-to-end files mostly wait on local servers and child processes. Measured on 2,193 tests:
    // 8.5 minutes with three, 11 with two.
    maxWorkers: 3,
  },
});
