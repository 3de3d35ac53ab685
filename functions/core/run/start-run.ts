import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { Logger } from '../ords/index.js';
import { DATABASE_ID, executionName } from '../state/index.js';

/**
 * "Start run": what every EventBridge Scheduler schedule invokes. It starts the backup state
 * machine for one database under a name made from the database and the scheduled time, so that a
 * schedule delivered twice starts one execution: Step Functions refuses the second name itself.
 */

/** The launcher's input, as each schedule sends it. */
export const StartRunInputSchema = z.strictObject({
  database: z.string().regex(DATABASE_ID),
  /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>`, ISO-8601 UTC. */
  scheduledTime: z.string().min(1),
});
export type StartRunInput = z.output<typeof StartRunInputSchema>;

/** A window run's place in its night window, as the window launcher gives it to the execution. */
export interface RunWindow {
  /** When the window closes, ISO UTC. */
  readonly closesAt: string;
  /** 0-based position in the window's start order. */
  readonly rank: number;
}

/** What `startRun` needs. */
export interface StartRunDeps {
  readonly sfn: Pick<SFNClient, 'send'>;
  /** The backup state machine. */
  readonly stateMachineArn: string;
  readonly logger: Logger;
}

/** What `startRun` did. */
export interface StartRunResult {
  readonly executionName: string;
  readonly executionArn: string;
  /** False when an execution of that name already existed: a duplicate delivery, nothing started. */
  readonly started: boolean;
}

/**
 * Starts the backup execution of one scheduled run with the input `{database, scheduledTime}`
 * (and `window` for a run the window launcher starts).
 * `ExecutionAlreadyExists` means this run was started before (a duplicate delivery): logged and
 * answered as success. Any other error is thrown, so Lambda's asynchronous retries and then the
 * dead-letter queue keep the run from vanishing.
 */
export async function startRun(
  deps: StartRunDeps,
  input: StartRunInput & { readonly window?: RunWindow },
): Promise<StartRunResult> {
  const name = executionName(input.database, input.scheduledTime);
  const executionInput = {
    database: input.database,
    scheduledTime: input.scheduledTime,
    ...(input.window ? { window: input.window } : {}),
  };
  try {
    const { executionArn } = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name,
        input: JSON.stringify(executionInput),
      }),
    );
    deps.logger.info('Backup execution started', { executionName: name, executionArn });
    return {
      executionName: name,
      executionArn: executionArn ?? executionArnOf(deps.stateMachineArn, name),
      started: true,
    };
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    const executionArn = executionArnOf(deps.stateMachineArn, name);
    deps.logger.warn('Backup execution already started for this scheduled time: duplicate delivery ignored', {
      executionName: name,
      executionArn,
    });
    return { executionName: name, executionArn, started: false };
  }
}

/** An execution's ARN: the state machine's, with `execution` for `stateMachine` and the name appended. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
