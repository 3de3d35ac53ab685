import { Duration, Names, Token, Validations } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { backupFailedStates } from './backup-failed-states.js';
import { type BackupTaskFunctions, INTERRUPTED_ERRORS, lambdaTaskBuilders } from './backup-tasks.js';
import { consistencyStates } from './consistency-states.js';
import { copyFilesStates } from './copy-files-states.js';
import { acknowledgeWildcardResource } from './nag-findings.js';
import { offsiteProofStates } from './offsite-proof-states.js';
import { ordsSlotStates } from './ords-slot-states.js';
import { restoreDrillS3States } from './restore-drill-s3-states.js';
import { restoreDrillStates } from './restore-drill-states.js';
import { serverCleanupStates } from './server-cleanup-states.js';

/** Properties of `BackupStateMachine`. */
export interface BackupStateMachineProps {
  /** The functions behind the Task states. */
  readonly functions: BackupTaskFunctions;
  /**
   * Files of one export copied at the same time. ORDS serves each download from its small
   * database connection pool, so keep this low.
   * @default 2
   */
  readonly fileConcurrency?: number;
  /**
   * How long one execution may run in total (export, copies and retries).
   * @default Duration.hours(24)
   */
  readonly timeout?: Duration;
  /**
   * How long the execution logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * The state machine's name; its log group is `/aws/vendedlogs/states/<name>`.
   * @default - a name CloudFormation generates
   */
  readonly stateMachineName?: string;
  /**
   * Time between two checks of a run's off-site copy (with `functions.checkOffsiteCopy`).
   * @default Duration.minutes(1)
   */
  readonly offsiteCheckInterval?: Duration;
}

/**
 * The one Standard state machine that backs up any database: start the export, poll the job, read
 * the log, copy the files, write the manifest, on drill nights run the restore drill, then clean up
 * the database server (after a failed export: remove its dump files, then fail as before); a failed
 * drill fails the execution after the cleanup. JSONPath only (the local runner's engine ignores
 * JSONata). The state names are the product's console UI.
 */
export class BackupStateMachine extends Construct {
  /** The state machine. */
  readonly stateMachine: StateMachine;
  /** The execution timeout. */
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: BackupStateMachineProps) {
    super(scope, id);
    const fileConcurrency = props.fileConcurrency ?? 2;
    const timeout = props.timeout ?? Duration.hours(24);
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;

    if (!Token.isUnresolved(fileConcurrency) && (!Number.isInteger(fileConcurrency) || fileConcurrency < 1)) {
      throw new Error(
        `${this.node.path}: fileConcurrency must be a whole number of at least 1, got ${fileConcurrency}`,
      );
    }
    if (!Token.isUnresolved(timeout.toSeconds()) && timeout.toSeconds() < 3600) {
      throw new Error(`${this.node.path}: timeout must be at least 1 hour, got ${timeout.toHumanString()}`);
    }
    this.timeout = timeout;

    const { functions } = props;
    const causeGiven = backupFailedStates(this);
    const { task, retry } = lambdaTaskBuilders(this, functions);
    // Every run ends through "Release run lock" (its database's lock, when this execution holds it),
    // then "Run ended how?" goes on to the end state of the path it came from. A release that fails
    // changes no end state: the next run takes the lock over from an execution that has ended.
    const releaseRunLock = task(
      'Release run lock',
      'cleanUpServer',
      TaskInput.fromObject({
        phase: 'release-lock',
        executionName: JsonPath.stringAt('$$.Execution.Name'),
        executionArn: JsonPath.stringAt('$$.Execution.Id'),
        input: JsonPath.objectAt('$$.Execution.Input'),
        slots: JsonPath.objectAt('$.slots'),
      }),
      JsonPath.DISCARD,
    );
    retry(releaseRunLock, INTERRUPTED_ERRORS);
    const runEnded = new Choice(this, 'Run ended how?').when(Condition.isPresent('$.error'), causeGiven);
    releaseRunLock.addCatch(runEnded, { errors: ['States.ALL'], resultPath: '$.releaseError' });
    releaseRunLock.next(runEnded);
    const stepFailed = releaseRunLock;
    const guarded = (state: LambdaInvoke, extraErrors: readonly string[] = []) => {
      retry(state, extraErrors);
      return state.addCatch(stepFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    };

    // Every task gets the execution's name, so each log line says which execution wrote it.
    const executionName = JsonPath.stringAt('$$.Execution.Name');
    // Tasks name only the database: each function reads the database's ORDS URL, secret and prefix
    // from its deploy-time binding, never from the state. The execution's ARN (kept by a redrive) is
    // what the run lock names: each step that changes the server checks it still holds the lock.
    const target = {
      executionName,
      executionArn: JsonPath.stringAt('$$.Execution.Id'),
      database: JsonPath.stringAt('$.database'),
    };
    const job = JsonPath.objectAt('$.run.job');
    // Steps that call ORDS get the run's slots too: each holds them again before it calls (a redrive).
    // `stringAt` only writes the path ("slots.$": "$.slots"): the task receives the object.
    const slotted = { ...target, slots: JsonPath.stringAt('$.slots') };

    const startExport = guarded(
      task(
        'Start export',
        'startExport',
        TaskInput.fromObject({
          executionName,
          executionArn: JsonPath.stringAt('$$.Execution.Id'),
          executionStartTime: JsonPath.stringAt('$$.Execution.StartTime'),
          input: JsonPath.objectAt('$$.Execution.Input'),
          slots: JsonPath.objectAt('$.slots'),
        }),
        '$.run',
      ),
      INTERRUPTED_ERRORS,
    );
    const waitBeforePolling = new Wait(this, 'Wait before polling', {
      time: WaitTime.secondsPath('$.run.pollSeconds'),
    });
    const readJob = guarded(
      task('Read job', 'readJob', TaskInput.fromObject({ ...slotted, job }), '$.status'),
      INTERRUPTED_ERRORS,
    );
    const readLog = guarded(
      task('Read log', 'readLog', TaskInput.fromObject({ ...slotted, job }), '$.verdict'),
      INTERRUPTED_ERRORS,
    );

    const copyFiles = copyFilesStates(this, {
      task,
      retry,
      interruptedErrors: INTERRUPTED_ERRORS,
      target: slotted,
      job,
      failed: stepFailed,
    });

    const writeManifest = guarded(
      task(
        'Write manifest',
        'writeManifest',
        TaskInput.fromObject({
          ...target,
          job,
          verdict: JsonPath.objectAt('$.verdict'),
          stored: JsonPath.objectAt('$.stored'),
          // Always set by "Start export" (the execution's start time for a run by hand).
          scheduledTime: JsonPath.stringAt('$.run.scheduledTime'),
          startedBy: JsonPath.stringAt('$.run.startedBy'),
        }),
        '$.result',
      ),
      INTERRUPTED_ERRORS,
    );
    const backupComplete = new Succeed(this, 'Backup complete', { outputPath: '$.result' });

    const cleanup = serverCleanupStates(this, {
      task,
      retry,
      interruptedErrors: INTERRUPTED_ERRORS,
      target: slotted,
      job,
      // With an off-site copy, a clean run is complete once its objects are proved off-site.
      complete: functions.checkOffsiteCopy
        ? offsiteProofStates(this, {
            task,
            retry,
            interruptedErrors: INTERRUPTED_ERRORS,
            target,
            checkInterval: props.offsiteCheckInterval ?? Duration.minutes(1),
            next: backupComplete,
          })
        : backupComplete,
      end: releaseRunLock,
    });
    const { cleanUpServer, removeDumpFiles } = cleanup;
    const restoreDrill = restoreDrillStates(this, {
      task,
      retry,
      interruptedErrors: INTERRUPTED_ERRORS,
      target: slotted,
      next: cleanUpServer,
    });
    // After "Remove dump files" the state has `serverCleanup`; after "Clean up server", `result.serverCleanup`.
    runEnded.when(Condition.isPresent('$.serverCleanup'), cleanup.exportEnded).otherwise(cleanup.backupEnded);

    // A drill from S3 restores the stored copy after the cleanup, while the run still holds its lock.
    cleanUpServer.next(
      restoreDrillS3States(this, {
        task,
        retry,
        interruptedErrors: INTERRUPTED_ERRORS,
        target: slotted,
        next: releaseRunLock,
      }),
    );
    const slots = ordsSlotStates(this, {
      task,
      guarded,
      interruptedErrors: INTERRUPTED_ERRORS,
      fileConcurrency,
      next: startExport,
      end: releaseRunLock,
    });
    runEnded.when(Condition.isPresent('$.missedWindow'), slots.missedWindow);
    startExport.next(consistencyStates(this, waitBeforePolling));
    waitBeforePolling.next(readJob).next(
      new Choice(this, 'Export finished?')
        .when(Condition.booleanEquals('$.status.running', true), waitBeforePolling)
        .otherwise(
          readLog
            .next(slots.takeCopySlots)
            .next(copyFiles)
            .next(slots.dropCopySlots)
            .next(
              new Choice(this, 'Export succeeded?')
                .when(
                  Condition.stringEquals('$.verdict.verdict', 'failed'),
                  removeDumpFiles.next(releaseRunLock),
                )
                .otherwise(
                  writeManifest.next(
                    new Choice(this, 'Errors accepted?')
                      .when(
                        Condition.and(
                          Condition.stringEquals('$.verdict.verdict', 'completed-with-errors'),
                          Condition.booleanEquals('$.run.acceptCompletedWithErrors', false),
                        ),
                        removeDumpFiles,
                      )
                      .otherwise(restoreDrill),
                  ),
                ),
            ),
        ),
    );

    const logGroup = new LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per log group.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName ?? Names.uniqueResourceName(this, { maxLength: 200 })}`,
      retention: logRetention,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
      comment: 'Backs up one Oracle database: Data Pump export through ORDS, files copied into S3',
      // Every run starts by queueing for its ORDS slot, then "Start export".
      definitionBody: DefinitionBody.fromChainable(slots.start),
      stateMachineType: StateMachineType.STANDARD,
      timeout,
      tracingEnabled: true,
      // Payloads carry ids, names, keys and counts, never secrets (functions/core/state/payloads.ts): the
      // execution data makes a failed night readable from the logs.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    const role = this.stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery (logs:*LogDelivery, DescribeResourcePolicies) and X-Ray support no resource-level permissions.',
    });
    const invoked = [
      functions.startExport,
      functions.readJob,
      functions.readLog,
      functions.copyFile,
      functions.writeManifest,
      functions.cleanUpServer,
      functions.restoreDrill,
      functions.recordRestoreDrill,
      ...(functions.checkOffsiteCopy ? [functions.checkOffsiteCopy] : []),
    ];
    for (const fn of invoked) {
      acknowledgeWildcardResource(
        role,
        `${fn.functionArn}:*`,
        'LambdaInvoke grants the function and its versions; the Task invokes the unqualified ARN.',
      );
    }
  }
}
