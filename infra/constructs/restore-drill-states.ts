import {
  Choice,
  Condition,
  type IChainable,
  JsonPath,
  Pass,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { BackupStatesProps } from './backup-tasks.js';

/** The functions the drill states invoke ("Read job" polls the drill's import as it polls the export). */
export type RestoreDrillFunction = 'restoreDrill' | 'recordRestoreDrill' | 'readJob';

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
  const caught = { errors: ['States.ALL'], resultPath: '$.drillError' };

  const record = task('Record restore drill', 'recordRestoreDrill', undefined, '$.result.restoreDrill');
  retry(record, props.interruptedErrors);
  const notRecorded = new Pass(scope, 'Restore drill not recorded', {
    parameters: {
      succeeded: false,
      cause:
        'The restore drill could not be recorded (see the "Record restore drill" step); the backup itself is stored.',
      'error.$': '$.drillError',
    },
    resultPath: '$.result.restoreDrill',
  });
  record.addCatch(notRecorded, caught);
  notRecorded.next(next);
  record.next(next);

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
  drop.addCatch(record, caught);
  drop.next(record);

  const readDrillJob = task(
    'Read restore drill job',
    'readJob',
    TaskInput.fromObject({ ...target, job: JsonPath.objectAt('$.drill.job') }),
    '$.drillStatus',
  );
  retry(readDrillJob, props.interruptedErrors);
  readDrillJob.addCatch(drop, caught);
  const wait = new Wait(scope, 'Wait for restore drill', { time: WaitTime.secondsPath('$.run.pollSeconds') });
  wait.next(readDrillJob);
  readDrillJob.next(
    new Choice(scope, 'Restore drill finished?')
      .when(Condition.booleanEquals('$.drillStatus.running', true), wait)
      .otherwise(drop),
  );

  const start = task(
    'Start restore drill',
    'restoreDrill',
    TaskInput.fromObject({ ...target, action: 'start', job: JsonPath.objectAt('$.run.job') }),
    '$.drill',
  );
  // Safe to run again: the import an earlier attempt started is adopted by its intent record (see
  // functions/core/drill/import-ownership.ts), never refused nor started twice.
  retry(start, props.interruptedErrors);
  start.addCatch(record, caught);
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
