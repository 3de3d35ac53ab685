import type { IResolvable } from 'aws-cdk-lib';
import {
  Choice,
  Condition,
  Fail,
  type IChainable,
  JsonPath,
  Pass,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorName } from '../../functions/core/base/index.js';
import type { CleanupPhase } from '../../functions/core/state/index.js';
import type { BackupStatesProps } from './backup-tasks.js';

/** What the cleanup states need from the state machine (a removal or a record runs again safely). */
export interface ServerCleanupStatesProps extends BackupStatesProps<'cleanUpServer'> {
  /** The run's Data Pump job (`$.run.job`). */
  readonly job: IResolvable;
  /** Where a clean run goes: the off-site proof, or "Backup complete". */
  readonly complete: IChainable;
  /** The run's end, "Release run lock": where a failed cleanup step goes once recorded. */
  readonly end: IChainable;
}

/** The cleanup states, for the state machine to chain. */
export interface ServerCleanupStates {
  /** "Clean up server", after a stored backup (and its drill). */
  readonly cleanUpServer: LambdaInvoke;
  /** "Remove dump files", after a failed export or one completed with errors not accepted. */
  readonly removeDumpFiles: LambdaInvoke;
  /** "Restore drill succeeded?": how a run that cleaned up after its backup ends. */
  readonly backupEnded: Choice;
  /** "Export failed?": how a run that removed its dump files ends. */
  readonly exportEnded: Choice;
}

/**
 * The database server's cleanup at the end of a run, and the end states it leads to. Server cleanup
 * never fails a complete backup, but it never fails in silence either: a cleanup that left something
 * on the server, or whose step failed for good (any error: a 500, a reset connection, a bug), ends in
 * "Backup complete, cleanup failed" with the database's ServerCleanupFailed metric at 1 and its
 * alarm. A failed export fails with its own error and cause.
 */
export function serverCleanupStates(scope: Construct, props: ServerCleanupStatesProps): ServerCleanupStates {
  const { task, retry, target, job, end } = props;
  const cleanupPayload = (phase: CleanupPhase) =>
    TaskInput.fromObject({ ...target, job, verdict: JsonPath.objectAt('$.verdict'), phase });
  const cleanUpServer = task(
    'Clean up server',
    'cleanUpServer',
    cleanupPayload('after-backup'),
    '$.result.serverCleanup',
  );
  retry(cleanUpServer, props.interruptedErrors);
  // A failed restore drill fails the execution, loudly, once the cleanup ran; the backup stays stored.
  const drillFailed = new Fail(scope, 'Restore drill failed', {
    comment: 'The backup is stored and verified, but its restore drill failed: the cause says why',
    error: ErrorName.RestoreDrillFailed,
    causePath: '$.result.restoreDrill.cause',
  });
  const cleanupFailed = new Succeed(scope, 'Backup complete, cleanup failed', {
    comment:
      'The backup is stored and verified, but files or the control table are left on the database server: serverCleanup says why',
    outputPath: '$.result',
  });
  const cleanupVerdict = new Choice(scope, 'Server cleaned up?')
    .when(Condition.stringEquals('$.result.serverCleanup.serverCleanup', 'failed'), cleanupFailed)
    .otherwise(props.complete);
  const backupEnded = new Choice(scope, 'Restore drill succeeded?')
    // Not(IsPresent), not IsPresent false: the local engine reads IsPresent false as never true.
    .when(Condition.not(Condition.isPresent('$.result.restoreDrill')), cleanupVerdict)
    .when(Condition.booleanEquals('$.result.restoreDrill.succeeded', false), drillFailed)
    .otherwise(cleanupVerdict);
  const cleanupStepFailed = new Pass(scope, 'Cleanup step failed', {
    comment: 'The cleanup step failed for good: what it left on the server is unknown',
    parameters: {
      serverCleanup: 'failed',
      removedFiles: [],
      reason: JsonPath.format(
        'The "Clean up server" step failed ({}): files or the control table of this run may be left on the database server; the execution history and the function\'s log say why',
        JsonPath.stringAt('$.cleanupError.Error'),
      ),
      error: JsonPath.objectAt('$.cleanupError'),
    },
    resultPath: '$.result.serverCleanup',
  });
  const recordCleanupFailure = task(
    'Record cleanup failure',
    'cleanUpServer',
    TaskInput.fromObject({ ...target, phase: 'record-failure' }),
    JsonPath.DISCARD,
  );
  retry(recordCleanupFailure, props.interruptedErrors);
  // The execution still ends in the named state, which the console shows.
  recordCleanupFailure.addCatch(end, { errors: ['States.ALL'], resultPath: '$.recordError' });
  cleanUpServer.addCatch(cleanupStepFailed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
  cleanupStepFailed.next(recordCleanupFailure).next(end);

  const exportFailed = new Fail(scope, 'Export failed', {
    comment: 'The Data Pump log says the export failed; its log is stored for diagnosis',
    error: ErrorName.ExportFailed,
    causePath: '$.verdict.cause',
  });
  const completedWithErrors = new Fail(scope, 'Export completed with errors', {
    comment: 'The files and manifest are stored, but the configuration does not accept errors',
    error: ErrorName.ExportCompletedWithErrors,
    causePath: '$.verdict.cause',
  });
  const exportEnded = new Choice(scope, 'Export failed?')
    .when(Condition.stringEquals('$.verdict.verdict', 'failed'), exportFailed)
    .otherwise(completedWithErrors);
  const removeDumpFiles = task(
    'Remove dump files',
    'cleanUpServer',
    cleanupPayload('after-failure'),
    '$.serverCleanup',
  );
  retry(removeDumpFiles, props.interruptedErrors);
  // The run fails with the export's own error either way; a removal step that failed for good also
  // records the database's ServerCleanupFailed = 1, so its dump files left on the server alarm.
  const recordDumpFilesLeft = task(
    'Record dump files left',
    'cleanUpServer',
    TaskInput.fromObject({ ...target, phase: 'record-failure' }),
    JsonPath.DISCARD,
  );
  retry(recordDumpFilesLeft, props.interruptedErrors);
  recordDumpFilesLeft.addCatch(end, { errors: ['States.ALL'], resultPath: '$.recordError' });
  removeDumpFiles.addCatch(recordDumpFilesLeft, { errors: ['States.ALL'], resultPath: '$.serverCleanup' });
  recordDumpFilesLeft.next(end);
  return { cleanUpServer, removeDumpFiles, backupEnded, exportEnded };
}
