import { describeIssues, type ExecutionInput, ExecutionInputSchema } from '../functions/core/payloads.js';
import type { DatabaseConfig } from './config.js';

/**
 * The execution input of one database's backup, as its schedule sends it. `scheduledTime` is
 * EventBridge Scheduler's context attribute (or any ISO time for a run started by hand). Checked
 * against `ExecutionInputSchema`, the contract the handlers parse, so synth fails rather than a run.
 */
export function executionInputFor(database: DatabaseConfig, scheduledTime: string): ExecutionInput {
  const input: ExecutionInput = {
    database: database.id,
    ordsUrl: database.ordsUrl,
    secretId: database.secret,
    export: database.export,
    prefix: database.prefix,
    pollSeconds: database.pollIntervalSeconds,
    timeoutSeconds: database.timeoutHours * 3600,
    acceptCompletedWithErrors: database.acceptCompletedWithErrors,
    onRunningExport: database.onRunningExport,
    scheduledTime,
  };
  const checked = ExecutionInputSchema.safeParse(input);
  if (!checked.success) {
    throw new Error(
      `The execution input of database "${database.id}" does not match ExecutionInputSchema: ${describeIssues(checked.error)}`,
    );
  }
  return input;
}
