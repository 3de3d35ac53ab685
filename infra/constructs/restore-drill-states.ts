import { Choice, Condition, type IChainable, JsonPath, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { BackupStatesProps } from './backup-tasks.js';
import {
  DRILL_STEP_FAILED,
  drillPollStates,
  drillRecordStates,
  type RestoreDrillFunction,
} from './restore-drill-common-states.js';

/** What the drill states need from the state machine that holds them. */
export interface RestoreDrillStatesProps extends BackupStatesProps<RestoreDrillFunction> {
  /** Where the drill goes next, done or not: the server cleanup. */
  readonly next: IChainable;
}

/**
 * The restore drill of a run, between the manifest and the server cleanup: "Restore drill?" (the
 * run's `restoreDrill`, decided by "Start export"), the import, its polling with the export's own
 * "Read job" code, "Drop drill schema" and "Record restore drill". A drill step that fails for good
 * is caught and recorded as a failed drill; nothing here changes the stored backup, and every path
 * goes on to the cleanup. Returns the "Restore drill?" choice.
 */
export function restoreDrillStates(scope: Construct, props: RestoreDrillStatesProps): Choice {
  const { task, retry, target, next } = props;
  const record = drillRecordStates(scope, props, '', next);

  const drop = task(
    'Drop drill schema',
    'restoreDrill',
    TaskInput.fromObject({
      ...target,
      action: 'drop',
      drill: JsonPath.objectAt('$.drill'),
      exportJob: JsonPath.objectAt('$.run.job'),
    }),
    '$.drillOutcome',
  );
  // Safe to run again: the verdict is read again, and a schema already dropped counts as dropped.
  retry(drop, props.interruptedErrors);
  drop.addCatch(record, DRILL_STEP_FAILED);
  drop.next(record);

  const wait = drillPollStates(scope, props, '', drop);

  const start = task(
    'Start restore drill',
    'restoreDrill',
    TaskInput.fromObject({ ...target, action: 'start', job: JsonPath.objectAt('$.run.job') }),
    '$.drill',
  );
  // Safe to run again: the import an earlier attempt started is adopted by its intent record (see
  // functions/core/drill/import-ownership.ts), never refused nor started twice.
  retry(start, props.interruptedErrors);
  start.addCatch(record, DRILL_STEP_FAILED);
  start.next(wait);

  return (
    new Choice(scope, 'Restore drill?')
      // Executions started before the field existed carry no restoreDrill. Not(IsPresent), not
      // IsPresent false: the local engine reads IsPresent false as never true.
      .when(Condition.not(Condition.isPresent('$.run.restoreDrill')), next)
      // A drill from S3 runs after the cleanup (restore-drill-s3-states.ts).
      .when(Condition.isPresent('$.run.restoreDrillFromS3'), next)
      .when(Condition.booleanEquals('$.run.restoreDrill', true), start)
      .otherwise(next)
  );
}
