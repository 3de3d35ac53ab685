/**
 * The oldest Node.js major the local tools and tests run on: aws-local-stepfunctions 3 calls
 * `Promise.withResolvers` (Node.js 22) for every Task state. npm scripts run on the Node.js pinned in
 * package.json (`node-linux-*`, linked as node_modules/.bin/node), whatever the machine's own is.
 */
export const MINIMUM_NODE_MAJOR = 22;

/**
 * Throws when `version` (as in `process.versions.node`) is older than {@link MINIMUM_NODE_MAJOR} or
 * unreadable, naming the version and how to run on the pinned Node.js instead.
 */
export function assertSupportedNode(version: string): void {
  const major = /^(\d+)\.\d+\.\d+/.exec(version)?.[1];
  if (major !== undefined && Number(major) >= MINIMUM_NODE_MAJOR) return;
  throw new Error(
    `The local tools need Node.js ${MINIMUM_NODE_MAJOR} or newer, got ${JSON.stringify(version)}. ` +
      'Run them through npm (`npm start`, `npm test`, `npx tsx …`), which puts the pinned Node.js from ' +
      'node_modules/.bin first on PATH, or install Node.js 22 or newer.',
  );
}
