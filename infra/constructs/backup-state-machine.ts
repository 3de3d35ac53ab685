import { Duration, Names, Token, Validations } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ErrorName, RETRYABLE_ERRORS } from '../../functions/core/base/index.js';
import type { CleanupPhase } from '../../functions/core/state/index.js';
import { backupFailedStates } from './backup-failed-states.js';
import { consistencyStates } from './consistency-states.js';
import { acknowledgeWildcardResource } from './nag-findings.js';
import { offsiteProofStates } from './offsite-proof-states.js';
import { ordsSlotStates } from './ords-slot-states.js';
import { restoreDrillS3States } from './restore-drill-s3-states.js';
import { restoreDrillStates } from './restore-drill-states.js';

/** Lambda service errors worth another attempt (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). */
export const LAMBDA_SERVICE_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * An invocation that was killed (task timeout, function timeout or crash, which Step Functions
 * reports as `Lambda.Unknown`): retried by every task that is safe to run again. "Copy file" resumes
 * from its input's progress; "Start export" finds its own lock and adopts its own job; "Start restore
 * drill" adopts its own import; "Read job" and "Read log" only read.
 */
export const INTERRUPTED_ERRORS: readonly string[] = ['States.Timeout', 'Lambda.Unknown', 'Sandbox.Timedout'];

/** Time a Task state waits for its function beyond the function's own timeout. */
const TASK_TIMEOUT_MARGIN = Duration.seconds(30);

/** The functions the Task states invoke; each Task waits 30 s longer than its function's timeout. */
export interface BackupTaskFunctions {
  readonly startExport: LambdaFunction;
  readonly readJob: LambdaFunction;
  readonly readLog: LambdaFunction;
  readonly copyFile: LambdaFunction;
  readonly writeManifest: LambdaFunction;
  readonly cleanUpServer: LambdaFunction;
  readonly restoreDrill: LambdaFunction;
  readonly recordRestoreDrill: LambdaFunction;
  /** "Check off-site copy", with an off-site copy only: without it the run ends without the off-site proof. @default - none */
  readonly checkOffsiteCopy?: LambdaFunction;
}

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
    /** A Lambda Task; without `payload` the function receives the whole state (`$`). */
    const task = (
      name: string,
      fn: keyof BackupTaskFunctions,
      payload: TaskInput | undefined,
      resultPath: string,
    ) =>
      new LambdaInvoke(this, name, {
        lambdaFunction: functions[fn]!,
        ...(payload ? { payload } : {}),
        payloadResponseOnly: true,
        // Our own retry below covers the Lambda service errors, with our back-off.
        retryOnServiceExceptions: false,
        resultPath,
        // Lambda's default timeout is 3 s; without a Task timeout the local runner stops at 60 s.
        taskTimeout: Timeout.duration(
          (functions[fn]!.timeout ?? Duration.seconds(3)).plus(TASK_TIMEOUT_MARGIN),
        ),
      });
    // 10 s, 20 s, 40 s, 80 s, then every 2 min: about 13 minutes of an outage ridden out per task.
    const retry = (state: LambdaInvoke | MapState, extraErrors: readonly string[] = []) =>
      state.addRetry({
        errors: [...RETRYABLE_ERRORS, ...LAMBDA_SERVICE_ERRORS, ...extraErrors],
        interval: Duration.seconds(10),
        backoffRate: 2,
        maxAttempts: 9,
        maxDelay: Duration.minutes(2),
        jitterStrategy: JitterType.FULL,
      });
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

    const startExport = guarded(
      task(
        'Start export',
        'startExport',
        TaskInput.fromObject({
          executionName,
          executionArn: JsonPath.stringAt('$$.Execution.Id'),
          executionStartTime: JsonPath.stringAt('$$.Execution.StartTime'),
          input: JsonPath.objectAt('$$.Execution.Input'),
        }),
        '$.run',
      ),
      INTERRUPTED_ERRORS,
    );
    const waitBeforePolling = new Wait(this, 'Wait before polling', {
      time: WaitTime.secondsPath('$.run.pollSeconds'),
    });
    const readJob = guarded(
      task('Read job', 'readJob', TaskInput.fromObject({ ...target, job }), '$.status'),
      INTERRUPTED_ERRORS,
    );
    const readLog = guarded(
      task('Read log', 'readLog', TaskInput.fromObject({ ...target, job }), '$.verdict'),
      INTERRUPTED_ERRORS,
    );

    // The whole iteration state: the file, and from the second call on the progress to resume from.
    const copyFile = task('Copy file', 'copyFile', undefined, '$.progress');
    retry(copyFile, INTERRUPTED_ERRORS);
    const fileCopied = new Choice(this, 'File copied?');
    const fileStored = new Pass(this, 'File stored', { outputPath: '$.progress.file' });
    const copyFiles = new MapState(this, 'Copy files', {
      itemsPath: '$.verdict.files',
      itemSelector: {
        ...target,
        job,
        file: JsonPath.objectAt('$$.Map.Item.Value'),
      },
      // One ORDS slot per file copied at once: "Take copy slots" says how many the run holds.
      maxConcurrencyPath: '$.slots.copyConcurrency',
      resultPath: '$.stored',
    });
    copyFiles.itemProcessor(
      copyFile.next(
        fileCopied.when(Condition.booleanEquals('$.progress.done', true), fileStored).otherwise(copyFile),
      ),
    );
    copyFiles.addCatch(stepFailed, { errors: ['States.ALL'], resultPath: '$.error' });

    const exportFailed = new Fail(this, 'Export failed', {
      comment: 'The Data Pump log says the export failed; its log is stored for diagnosis',
      error: ErrorName.ExportFailed,
      causePath: '$.verdict.cause',
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
    const completedWithErrors = new Fail(this, 'Export completed with errors', {
      comment: 'The files and manifest are stored, but the configuration does not accept errors',
      error: ErrorName.ExportCompletedWithErrors,
      causePath: '$.verdict.cause',
    });
    const backupComplete = new Succeed(this, 'Backup complete', { outputPath: '$.result' });

    // Server cleanup never fails a complete backup, but it never fails in silence either: a cleanup
    // that left something on the server, or whose step failed for good (any error: a 500, a reset
    // connection, a bug), ends in "Backup complete, cleanup failed" with the database's
    // ServerCleanupFailed metric at 1 and its alarm. A failed export fails with its own error and cause.
    const cleanupPayload = (phase: CleanupPhase) =>
      TaskInput.fromObject({ ...target, job, verdict: JsonPath.objectAt('$.verdict'), phase });
    const cleanUpServer = task(
      'Clean up server',
      'cleanUpServer',
      cleanupPayload('after-backup'),
      '$.result.serverCleanup',
    );
    retry(cleanUpServer, INTERRUPTED_ERRORS);
    // A failed restore drill fails the execution, loudly, once the cleanup ran; the backup stays stored.
    const drillFailed = new Fail(this, 'Restore drill failed', {
      comment: 'The backup is stored and verified, but its restore drill failed: the cause says why',
      error: ErrorName.RestoreDrillFailed,
      causePath: '$.result.restoreDrill.cause',
    });
    const cleanupFailed = new Succeed(this, 'Backup complete, cleanup failed', {
      comment:
        'The backup is stored and verified, but files or the control table are left on the database server: serverCleanup says why',
      outputPath: '$.result',
    });
    const cleanupVerdict = new Choice(this, 'Server cleaned up?')
      .when(Condition.stringEquals('$.result.serverCleanup.serverCleanup', 'failed'), cleanupFailed)
      .otherwise(
        // With an off-site copy, a clean run is complete once its objects are proved off-site.
        functions.checkOffsiteCopy
          ? offsiteProofStates(this, {
              task,
              retry,
              interruptedErrors: INTERRUPTED_ERRORS,
              target,
              checkInterval: props.offsiteCheckInterval ?? Duration.minutes(1),
              next: backupComplete,
            })
          : backupComplete,
      );
    const drillVerdict = new Choice(this, 'Restore drill succeeded?')
      // Not(IsPresent), not IsPresent false: the local engine reads IsPresent false as never true.
      .when(Condition.not(Condition.isPresent('$.result.restoreDrill')), cleanupVerdict)
      .when(Condition.booleanEquals('$.result.restoreDrill.succeeded', false), drillFailed)
      .otherwise(cleanupVerdict);
    const cleanupStepFailed = new Pass(this, 'Cleanup step failed', {
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
    retry(recordCleanupFailure, INTERRUPTED_ERRORS);
    // The execution still ends in the named state, which the console shows.
    recordCleanupFailure.addCatch(releaseRunLock, { errors: ['States.ALL'], resultPath: '$.recordError' });
    cleanUpServer.addCatch(cleanupStepFailed, { errors: ['States.ALL'], resultPath: '$.cleanupError' });
    cleanupStepFailed.next(recordCleanupFailure).next(releaseRunLock);
    const restoreDrill = restoreDrillStates(this, {
      task,
      retry,
      interruptedErrors: INTERRUPTED_ERRORS,
      target,
      next: cleanUpServer,
    });
    const failedHow = new Choice(this, 'Export failed?')
      .when(Condition.stringEquals('$.verdict.verdict', 'failed'), exportFailed)
      .otherwise(completedWithErrors);
    const removeDumpFiles = task(
      'Remove dump files',
      'cleanUpServer',
      cleanupPayload('after-failure'),
      '$.serverCleanup',
    );
    retry(removeDumpFiles, INTERRUPTED_ERRORS);
    // The run fails with the export's own error either way; a removal step that failed for good also
    // records the database's ServerCleanupFailed = 1, so its dump files left on the server alarm.
    const recordDumpFilesLeft = task(
      'Record dump files left',
      'cleanUpServer',
      TaskInput.fromObject({ ...target, phase: 'record-failure' }),
      JsonPath.DISCARD,
    );
    retry(recordDumpFilesLeft, INTERRUPTED_ERRORS);
    recordDumpFilesLeft.addCatch(releaseRunLock, { errors: ['States.ALL'], resultPath: '$.recordError' });
    removeDumpFiles.addCatch(recordDumpFilesLeft, { errors: ['States.ALL'], resultPath: '$.serverCleanup' });
    recordDumpFilesLeft.next(releaseRunLock);
    // After "Remove dump files" the state has `serverCleanup`; after "Clean up server", `result.serverCleanup`.
    runEnded.when(Condition.isPresent('$.serverCleanup'), failedHow).otherwise(drillVerdict);

    // A drill from S3 restores the stored copy after the cleanup, while the run still holds its lock.
    cleanUpServer.next(
      restoreDrillS3States(this, {
        task,
        retry,
        interruptedErrors: INTERRUPTED_ERRORS,
        target,
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
