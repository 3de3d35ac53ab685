import type { App, Stack } from 'aws-cdk-lib';
import type { BackupConfig } from './config.js';
import { OrdsBackupStack } from './ords-backup-stack.js';

/** The id (and CloudFormation name) of the main stack. */
export const STACK_ID = 'OrdsDatapumpBackup';

/** What `buildApp` created. */
export interface BackupApp {
  /** The stack with the bucket, functions, state machine, secret grants and schedules. */
  readonly main: OrdsBackupStack;
  /** Every stack of the app (today only `main`; later also per-database shard stacks). */
  readonly stacks: readonly Stack[];
}

/**
 * Builds the app's stacks from a validated configuration. Called by the CDK entry (`infra/app.ts`),
 * the infra tests and the local runner, so all three synthesize the same thing. Registers no
 * validation plugin: the entry adds cdk-nag.
 */
export function buildApp(app: App, config: BackupConfig): BackupApp {
  const main = new OrdsBackupStack(app, STACK_ID, { config });
  return { main, stacks: [main] };
}
