import { Choice, Condition, Fail, JsonPath, Pass } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { LAMBDA_CAUSE_PATTERN } from '../../functions/core/state/index.js';

/**
 * The way into "Backup failed" for a step that failed for good: "Cause given?" reads the error's
 * cause; a function's JSON error becomes its `errorMessage`, a missing cause a sentence, so the
 * console and the alerts show what happened. Its states belong to `scope` (the state machine); the
 * restore state machine names its end state `failName` ("Restore failed").
 */
export function backupFailedStates(scope: Construct, failName = 'Backup failed'): Choice {
  const backupFailed = new Fail(scope, failName, {
    comment: 'A step failed for good: the error and cause say which and why',
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  });
  // A function's error arrives as the JSON {"errorType","errorMessage","trace"}: the console and
  // the alerts show its errorMessage instead. Other causes (States.Timeout, …) stay as they are.
  const readErrorMessage = new Pass(scope, 'Read error message', {
    comment: "Parses the function's JSON error",
    parameters: {
      Error: JsonPath.stringAt('$.error.Error'),
      Function: JsonPath.stringToJson(JsonPath.stringAt('$.error.Cause')),
    },
    resultPath: '$.error',
  });
  const keepErrorMessage = new Pass(scope, 'Keep error message', {
    comment: 'Keeps the error name and the sentence of the message',
    parameters: {
      Error: JsonPath.stringAt('$.error.Error'),
      Cause: JsonPath.stringAt('$.error.Function.errorMessage'),
    },
    resultPath: '$.error',
  });
  // Without a cause "Backup failed" could not read one, and the run would end in States.Runtime.
  const noCause = new Pass(scope, 'No cause given', {
    parameters: { Error: JsonPath.stringAt('$.error.Error'), Cause: 'Step Functions reported no cause' },
    resultPath: '$.error',
  });
  // Nested rather than one And: the States Language does not promise that And stops at its first
  // false rule, and StringMatches on a missing path would fail the run with States.Runtime.
  const functionError = new Choice(scope, 'Error from a function?')
    .when(
      Condition.stringMatches('$.error.Cause', LAMBDA_CAUSE_PATTERN),
      readErrorMessage.next(keepErrorMessage).next(backupFailed),
    )
    .otherwise(backupFailed);
  const withoutCause = noCause.next(backupFailed);
  return new Choice(scope, 'Cause given?')
    .when(
      Condition.isPresent('$.error.Cause'),
      new Choice(scope, 'Cause is text?')
        .when(Condition.isString('$.error.Cause'), functionError)
        .otherwise(withoutCause),
    )
    .otherwise(withoutCause);
}
