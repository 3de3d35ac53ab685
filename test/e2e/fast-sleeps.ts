/**
 * The handlers' pauses (`setTimeout` of `node:timers/promises`: the cleanup's 1, 4 and 10 s between
 * ORDS retries, the start's waits for a lost POST's job) are real time. An end-to-end file whose ORDS
 * fails on purpose runs them at a hundredth with
 *
 *     vi.mock('node:timers/promises', async (importOriginal) =>
 *       (await import('./fast-sleeps.js')).fastSleeps(await importOriginal()));
 *
 * Only the project's own modules see it (vitest leaves node_modules alone): the state machine engine,
 * the simulator and the local S3 keep real time. The retries still happen, in the same order.
 */
export function fastSleeps<T extends { setTimeout: (...args: never[]) => unknown }>(timers: T): T {
  const realSetTimeout = timers.setTimeout as (delay?: number, value?: unknown, options?: unknown) => unknown;
  return {
    ...timers,
    setTimeout: (delay?: number, value?: unknown, options?: unknown) =>
      realSetTimeout(delay === undefined ? delay : delay / 100, value, options),
  };
}
