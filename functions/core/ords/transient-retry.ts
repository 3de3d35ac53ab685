import { OrdsUnavailableError } from '../base/index.js';
import type { Logger } from './ords-api.js';

/**
 * Pauses before the retries of a step that records its own failure instead of throwing (the server
 * cleanup): about 15 seconds in all, well inside its function's timeout. A step that throws is
 * retried by the state machine instead (`RETRYABLE_ERRORS`).
 */
export const TRANSIENT_RETRY_DELAYS_MS: readonly number[] = [1_000, 4_000, 10_000];

/** What `retryTransient` needs: a logger and a way to wait (tests pass an instant one). */
export interface TransientRetryDeps {
  readonly logger: Logger;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/**
 * Runs `call`, and again after each delay while it fails with `OrdsUnavailableError` (5xx, 429, a
 * refused or reset connection, a timeout). Any other error, and the last transient one, is thrown:
 * only `call`s that are safe to repeat belong here.
 */
export async function retryTransient<T>(
  deps: TransientRetryDeps,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const delayMs = TRANSIENT_RETRY_DELAYS_MS[attempt];
      if (!(error instanceof OrdsUnavailableError) || delayMs === undefined) throw error;
      deps.logger.warn(`${what}: ORDS is unavailable, trying again`, {
        attempt: attempt + 1,
        delayMs,
        error: `${error.name}: ${error.message}`,
      });
      await deps.sleep(delayMs);
    }
  }
}
