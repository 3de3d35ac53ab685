import { Choice, Condition, type IChainable, JsonPath, Pass, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { BackupStatesProps } from './backup-tasks.js';
import {
  DRILL_STEP_FAILED,
  drillPollStates,
  drillRecordStates,
  type RestoreDrillFunction,
} from './restore-drill-common-states.js';

/** What the drill-from-S3 states need from the state machine that holds them. */
export interface RestoreDrillS3StatesProps extends BackupStatesProps<RestoreDrillFunction> {
  /** Where the run goes next, drilled or not: "Release run lock". */
  readonly next: IChainable;
}

/**
 * The restore drill from S3 (`restoreDrill.source: "s3"`), after "Clean up server" and before
 * "Release run lock", so that it proves the S3 copy a real restore would use: "Put drill files from
 * S3" (checks the manifest and the files in S3, then uploads until the invocation's time runs out,
 * called again like "Copy file" until every file is on the server and checked), "Start restore drill
 * from S3", its polling with the export's "Read job" code, "Drop drill schema and files" and "Record
 * restore drill from S3". A step that fails for good is caught and recorded as a failed drill (its
 * error names what is left on the server); "Restore drill succeeded?" then fails the execution with
 * "Restore drill failed". Returns the "Restore drill from S3?" choice.
 */
export function restoreDrillS3States(scope: Construct, props: RestoreDrillS3StatesProps): Choice {
  const { task, retry, target, next } = props;
  const common = { ...target, job: JsonPath.objectAt('$.run.job') };
  const record = drillRecordStates(scope, props, ' from S3', next);

  const finish = task(
    'Drop drill schema and files',
    'restoreDrill',
    TaskInput.fromObject({
      ...common,
      action: 'finish-s3',
      progress: JsonPath.objectAt('$.s3Drill'),
      drill: JsonPath.objectAt('$.drill'),
    }),
    '$.drillOutcome',
  );
  // Safe to run again: the verdict is read again, a schema already dropped counts, files gone are fine.
  retry(finish, props.interruptedErrors);
  finish.addCatch(record, DRILL_STEP_FAILED);
  finish.next(record);

  const wait = drillPollStates(scope, props, ' from S3', finish);

  const start = task(
    'Start restore drill from S3',
    'restoreDrill',
    TaskInput.fromObject({ ...common, action: 'start-s3', progress: JsonPath.objectAt('$.s3Drill') }),
    '$.drill',
  );
  // Safe to run again: the import an earlier attempt started is adopted by its intent record.
  retry(start, props.interruptedErrors);
  start.addCatch(record, DRILL_STEP_FAILED);
  start.next(wait);

  // The whole progress goes back in: each call resumes where the last one stopped.
  const put = task(
    'Put drill files from S3',
    'restoreDrill',
    TaskInput.fromObject({ ...common, action: 'put-s3', progress: JsonPath.objectAt('$.s3Drill') }),
    '$.s3Drill',
  );
  // Safe to run again: the appends resume at the size the database reports, never twice.
  retry(put, props.interruptedErrors);
  put.addCatch(record, DRILL_STEP_FAILED);
  put.next(
    new Choice(scope, 'Drill files on the server?')
      .when(Condition.booleanEquals('$.s3Drill.done', true), start)
      .otherwise(put),
  );
  const begin = new Pass(scope, 'Restore drill from S3', {
    comment: "Restores this night's S3 copy into the drill schema, through ORDS alone",
    result: { value: { done: false } },
    resultPath: '$.s3Drill',
  });
  begin.next(put);

  return (
    new Choice(scope, 'Restore drill from S3?')
      // Set by "Start export" only on a drill night of a database whose drill restores from S3.
      .when(Condition.isPresent('$.run.restoreDrillFromS3'), begin)
      .otherwise(next)
  );
}
