import { type DatabaseBindingInput, DatabaseBindingSchema } from '../functions/core/binding.js';
import { describeIssues } from '../functions/core/payloads.js';
import type { DatabaseConfig } from './config/index.js';

/**
 * The deploy-time binding of one database: its ORDS URL, secret, key prefix and run settings, as
 * the functions read it from its parameter. Checked against `DatabaseBindingSchema`, so synth fails
 * rather than a run.
 */
export function bindingOf(database: DatabaseConfig): DatabaseBindingInput {
  const binding: DatabaseBindingInput = {
    database: database.id,
    ordsUrl: database.ordsUrl,
    secretId: database.secret,
    prefix: database.prefix,
    export: database.export,
    pollSeconds: database.pollIntervalSeconds,
    timeoutSeconds: database.timeoutHours * 3600,
    acceptCompletedWithErrors: database.acceptCompletedWithErrors,
    onRunningExport: database.onRunningExport,
    serverCleanup: database.serverCleanup,
    autonomousDatabase: database.autonomousDatabase,
    ...(database.restoreDrill ? { restoreDrill: database.restoreDrill } : {}),
  };
  const checked = DatabaseBindingSchema.safeParse(binding);
  if (!checked.success) {
    throw new Error(
      `The binding of database "${database.id}" does not match DatabaseBindingSchema: ${describeIssues(checked.error)}`,
    );
  }
  return binding;
}
