import type { App, Stack } from 'aws-cdk-lib';
import { type BackupConfig, ConfigError, type DatabaseConfig } from './config/index.js';
import { DatabaseStack } from './database-stack.js';
import { OrdsBackupStack } from './ords-backup-stack.js';
import { MANAGED_POLICIES_PER_ROLE } from './policy-size.js';

/** The id (and CloudFormation name) of the main stack. */
export const STACK_ID = 'OrdsDatapumpBackup';

/** The id (and CloudFormation name) of the n-th (1-based) stack of per-database resources. */
export function databaseStackId(n: number): string {
  return `${STACK_ID}-Databases-${n}`;
}

/** What `buildApp` created. */
export interface BackupApp {
  /** The stack with the bucket, functions, state machine and alerts. */
  readonly main: OrdsBackupStack;
  /** The stacks of per-database resources, `OrdsDatapumpBackup-Databases-1`, `-2`, … */
  readonly databaseStacks: readonly DatabaseStack[];
  /** Every stack of the app: `main`, then `databaseStacks`. */
  readonly stacks: readonly Stack[];
  /** The database stack that holds a database's resources. */
  databaseStackOf(databaseId: string): DatabaseStack | undefined;
}

/**
 * Builds the app's stacks from a validated configuration. Called by the CDK entry (`infra/app.ts`),
 * the infra tests and the local runner, so all three synthesize the same thing. Registers no
 * validation plugin: the entry adds cdk-nag.
 *
 * The databases are assigned to database stacks by their position in the configuration: the first
 * `databasesPerStack` to `OrdsDatapumpBackup-Databases-1`, the next to `-2`, and so on. Disabled
 * databases keep their place. Append new databases at the end: inserting or removing one moves
 * every later database into the neighbouring stack (its schedule and alarm are deleted in one stack
 * and created in the other on the next deployment).
 */
export function buildApp(app: App, config: BackupConfig): BackupApp {
  const main = new OrdsBackupStack(app, STACK_ID, { config });
  const databaseStacks = slices(config.databases, config.databasesPerStack).map(
    (databases, index) =>
      new DatabaseStack(app, databaseStackId(index + 1), {
        databases,
        launcher: main.launcher.function,
        missedRuns: main.launcher.deadLetterQueue,
        secretReaders: main.functions.ordsCallerRoles,
        alertTopic: main.alerts.topic,
        bindingParameterPath: main.bindingParameterPath,
      }),
  );

  // Every database stack attaches its secret policies to the same four roles.
  const policiesPerRole = databaseStacks.reduce((sum, stack) => sum + stack.secrets.policies.length, 0);
  if (policiesPerRole > MANAGED_POLICIES_PER_ROLE) {
    const enabled = config.databases.filter((database) => database.enabled).length;
    throw new ConfigError([
      `${config.sourceName}: the secrets of the ${enabled} enabled databases need ${policiesPerRole} IAM managed ` +
        `policies on each function role that calls ORDS (${databaseStacks
          .map((stack) => `${stack.stackName}: ${stack.secrets.policies.length}`)
          .join(
            ', ',
          )}); allowed: at most ${MANAGED_POLICIES_PER_ROLE} managed policies per role (IAM's default quota). ` +
        'Use shorter secret names, a larger databasesPerStack (fewer, fuller policies) or a second deployment',
    ]);
  }

  const byDatabase = new Map<string, DatabaseStack>();
  for (const stack of databaseStacks) for (const id of stack.databaseIds) byDatabase.set(id, stack);
  return {
    main,
    databaseStacks,
    stacks: [main, ...databaseStacks],
    databaseStackOf: (databaseId) => byDatabase.get(databaseId),
  };
}

/** Consecutive slices of at most `size` databases, in configuration order. */
function slices(databases: readonly DatabaseConfig[], size: number): DatabaseConfig[][] {
  const result: DatabaseConfig[][] = [];
  for (let start = 0; start < databases.length; start += size)
    result.push(databases.slice(start, start + size));
  return result;
}
