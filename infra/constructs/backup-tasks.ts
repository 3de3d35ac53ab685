import { Duration } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { JitterType, type Map as MapState, type TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { RETRYABLE_ERRORS } from '../../functions/core/base/index.js';

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

/** Builds a Lambda Task of one of `K`'s functions; without `payload` the function receives the whole state (`$`). */
export type LambdaTask<K extends string> = (
  name: string,
  fn: K,
  payload: TaskInput | undefined,
  resultPath: string,
) => LambdaInvoke;

/** Adds the retry of the project's transient errors (and `extraErrors`). */
export type TaskRetry = (state: LambdaInvoke | MapState, extraErrors?: readonly string[]) => void;

/**
 * The two builders every group of states shares, the backup's and the restore's: Tasks that wait
 * 30 s longer than their function's timeout, and their retry.
 */
export function lambdaTaskBuilders<K extends string>(
  scope: Construct,
  functions: { readonly [P in K]?: LambdaFunction },
): { task: LambdaTask<K>; retry: TaskRetry } {
  const task: LambdaTask<K> = (name, fn, payload, resultPath) =>
    new LambdaInvoke(scope, name, {
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
  const retry: TaskRetry = (state, extraErrors = []) => {
    state.addRetry({
      errors: [...RETRYABLE_ERRORS, ...LAMBDA_SERVICE_ERRORS, ...extraErrors],
      interval: Duration.seconds(10),
      backoffRate: 2,
      maxAttempts: 9,
      maxDelay: Duration.minutes(2),
      jitterStrategy: JitterType.FULL,
    });
  };
  return { task, retry };
}

/** What a group of the backup's states needs from the state machine that holds it. */
export interface BackupStatesProps<F extends keyof BackupTaskFunctions> {
  /** Builds a Lambda Task of one of the group's functions (`$` as payload when `payload` is undefined). */
  readonly task: LambdaTask<F>;
  /** Adds the retry of the project's transient errors (and `extraErrors`). */
  readonly retry: (state: LambdaInvoke, extraErrors?: readonly string[]) => void;
  /** Errors of an interrupted invocation, retried by the group's tasks that are safe to run again. */
  readonly interruptedErrors: readonly string[];
  /** `{ executionName, executionArn, database }` of every task payload. */
  readonly target: Record<string, string>;
}
