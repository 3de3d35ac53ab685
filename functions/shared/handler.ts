import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { parsePayload } from '../core/state/index.js';
import { logger } from './logger.js';

/** A Lambda handler for one state machine task. */
export type TaskHandler<R> = (event: unknown, context: Context) => Promise<R>;

/**
 * Wraps a task: parses the payload with its schema, adds the correlation keys to every log line,
 * runs the core function, and logs a failure whole (name, message, stack and `cause` chain, as
 * Powertools writes an error) before rethrowing it. The error's name is what the state machine
 * retries or catches; the rethrown error's stack is cut to the message, after logging, so the
 * console's cause reads as a sentence, not a trace.
 */
export function defineTask<S extends z.ZodType, R>(
  task: string,
  schema: S,
  run: (payload: z.output<S>, context: Context) => Promise<R>,
): TaskHandler<R> {
  return async (event, context) => {
    logger.resetKeys();
    logger.addContext(context);
    try {
      const payload = parsePayload(schema, event, `The input of "${task}"`);
      logger.appendKeys(correlationKeys(payload));
      return await run(payload, context);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      logger.error(`${task} failed`, err);
      err.stack = `${err.name}: ${err.message}`;
      throw err;
    }
  };
}

function correlationKeys(payload: unknown): Record<string, string> {
  const value = payload as { database?: string; job?: { jobName?: string }; executionName?: string };
  return {
    ...(value.database ? { database: value.database } : {}),
    ...(value.job?.jobName ? { jobName: value.job.jobName } : {}),
    ...(value.executionName ? { execution: value.executionName } : {}),
  };
}
