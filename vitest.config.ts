import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // This machine runs Node.js 20; the deployed functions run the newest Lambda runtime.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The default `forks` pool: `threads` breaks NodejsFunction bundling (../shared/local-tooling.md).
    pool: 'forks',
  },
});
