import { type App, CfnOutput, Stack } from 'aws-cdk-lib';
import type { BackupConfig, DatabaseConfig } from './config/index.js';
import { backupPropsOf, databasePropsOf } from './config-to-props.js';
import { OrdsDatapumpBackup } from './ords-datapump-backup.js';
import type { OrdsDatapumpBackupDatabases } from './ords-datapump-backup-databases.js';

/** The id of the main stack, and its CloudFormation name unless the file sets `namePrefix`. */
export const STACK_ID = 'OrdsDatapumpBackup';

/** The id of the n-th (1-based) stack of per-database resources (its name: see `stackNamesOf`). */
export function databaseStackId(n: number): string {
  return `${STACK_ID}-Databases-${n}`;
}

/**
 * The CloudFormation names of the app's stacks: the ids without `namePrefix` in the file (what
 * deployments made before it existed keep), else `<prefix>` and `<prefix>-databases-<n>`, so two
 * files with two prefixes deploy side by side in one account and region.
 */
export function stackNamesOf(namePrefix: string | undefined): {
  readonly main: string;
  readonly databases: (n: number) => string;
} {
  if (namePrefix === undefined) return { main: STACK_ID, databases: databaseStackId };
  return { main: namePrefix, databases: (n) => `${namePrefix}-databases-${n}` };
}

/**
 * Construct id of the construct in each stack. `Default` is left out of logical ids, so the
 * resources keep the logical ids they had when the stacks built them directly: an upgrade does not
 * replace the bucket.
 */
const IN_STACK = 'Default';

/** What `buildApp` created. */
export interface BackupApp {
  /** The main stack, `OrdsDatapumpBackup`. */
  readonly main: Stack;
  /** The construct in the main stack: bucket, functions, state machine, alerts. */
  readonly backup: OrdsDatapumpBackup;
  /** The stacks of per-database resources, `OrdsDatapumpBackup-Databases-1`, `-2`, … */
  readonly databaseStacks: readonly Stack[];
  /** The database slices, one per database stack, in the same order. */
  readonly databaseSlices: readonly OrdsDatapumpBackupDatabases[];
  /** Every stack of the app: `main`, then `databaseStacks`. */
  readonly stacks: readonly Stack[];
  /** The slice that holds a database's resources (its stack is `Stack.of(slice)`). */
  databaseSliceOf(databaseId: string): OrdsDatapumpBackupDatabases | undefined;
}

/**
 * Builds the app's stacks from a validated configuration: the main stack with one
 * `OrdsDatapumpBackup`, and the databases added in slices, one stack each. Called by the CDK entry
 * (`infra/app.ts`), the infra tests and the local runner, so all three synthesize the same thing.
 * Registers no validation plugin: the entry adds cdk-nag.
 *
 * The databases are assigned to database stacks by their position in the configuration: the first
 * `databasesPerStack` to `OrdsDatapumpBackup-Databases-1`, the next to `-2`, and so on. Disabled
 * databases keep their place. Append new databases at the end: inserting or removing one moves
 * every later database into the neighbouring stack (its schedule and alarm are deleted in one stack
 * and created in the other on the next deployment).
 */
export function buildApp(app: App, config: BackupConfig): BackupApp {
  const names = stackNamesOf(config.namePrefix);
  const main = new Stack(app, STACK_ID, {
    stackName: names.main,
    description: 'ords-datapump-backup: nightly Oracle Data Pump exports through ORDS into S3',
  });
  const backup = new OrdsDatapumpBackup(main, IN_STACK, backupPropsOf(main, config));
  const databaseStacks: Stack[] = [];
  const databaseSlices: OrdsDatapumpBackupDatabases[] = [];
  for (const [index, databases] of slices(config.databases, config.databasesPerStack).entries()) {
    const stack = new Stack(app, databaseStackId(index + 1), {
      stackName: names.databases(index + 1),
      description: `ords-datapump-backup: schedules, alarms, dashboards and secret access of databases ${databases[0]?.id} to ${databases.at(-1)?.id}`,
      // Hundreds of similar resources: indentation alone would take a quarter of the 1 MB limit.
      suppressTemplateIndentation: true,
    });
    databaseStacks.push(stack);
    databaseSlices.push(backup.addDatabases(stack, IN_STACK, databasePropsOf(stack, databases)));
  }

  new CfnOutput(main, 'BucketName', {
    description: 'Where backups are stored',
    value: backup.bucket.bucketName,
  });
  new CfnOutput(main, 'StateMachineArn', {
    description:
      'Start an execution by hand with the input {"database":"<id>"} (see the runbook, docs/operations.md)',
    value: backup.stateMachine.stateMachineArn,
  });
  new CfnOutput(main, 'DoctorFunctionName', {
    description: 'npm run doctor -- <database> invokes this function to check a database',
    value: backup.functions.doctor.functionName,
  });
  if (backup.offsiteReplicationRole) {
    new CfnOutput(main, 'OffsiteReplicationRoleArn', {
      description: "The offsite bucket's replicationRoleArn (OffsiteBackupBucket in the other account)",
      value: backup.offsiteReplicationRole.roleArn,
    });
  }
  new CfnOutput(main, 'AlertTopicArn', {
    description: 'Failed, timed-out and aborted backups and stale-backup alarms are published here',
    value: backup.alarmTopic.topicArn,
  });

  const byDatabase = new Map<string, OrdsDatapumpBackupDatabases>();
  for (const slice of databaseSlices) for (const id of slice.databaseIds) byDatabase.set(id, slice);
  return {
    main,
    backup,
    databaseStacks,
    databaseSlices,
    stacks: [main, ...databaseStacks],
    databaseSliceOf: (databaseId) => byDatabase.get(databaseId),
  };
}

/** Consecutive slices of at most `size` databases, in configuration order. */
function slices(databases: readonly DatabaseConfig[], size: number): DatabaseConfig[][] {
  const result: DatabaseConfig[][] = [];
  for (let start = 0; start < databases.length; start += size)
    result.push(databases.slice(start, start + size));
  return result;
}
