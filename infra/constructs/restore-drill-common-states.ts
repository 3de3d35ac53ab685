import {
  type CatchProps,
  Choice,
  Condition,
  type IChainable,
  JsonPath,
  Pass,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { BackupStatesProps } from './backup-tasks.js';

/** The functions the drill states invoke ("Read job" polls the drill's import as it polls the export). */
export type RestoreDrillFunction = 'restoreDrill' | 'recordRestoreDrill' | 'readJob';

/** How the drill's state names end: `''` for the drill on the server, `' from S3'` for the drill from S3. */
export type DrillNameSuffix = '' | ' from S3';

/** A drill step that fails for good: its error in `$.drillError`, recorded as a failed drill. */
export const DRILL_STEP_FAILED: CatchProps = { errors: ['States.ALL'], resultPath: '$.drillError' };

/**
 * "Record restore drill<suffix>", and "Restore drill<suffix> not recorded" when the record fails for
 * good (the backup itself is stored); both go on to `next`. Returns the record task.
 */
export function drillRecordStates(
  scope: Construct,
  props: BackupStatesProps<RestoreDrillFunction>,
  suffix: DrillNameSuffix,
  next: IChainable,
): LambdaInvoke {
  const record = props.task(
    `Record restore drill${suffix}`,
    'recordRestoreDrill',
    undefined,
    '$.result.restoreDrill',
  );
  props.retry(record, props.interruptedErrors);
  const notRecorded = new Pass(scope, `Restore drill${suffix} not recorded`, {
    parameters: {
      succeeded: false,
      cause: `The restore drill${suffix} could not be recorded (see the "Record restore drill${suffix}" step); the backup itself is stored.`,
      'error.$': '$.drillError',
    },
    resultPath: '$.result.restoreDrill',
  });
  record.addCatch(notRecorded, DRILL_STEP_FAILED);
  notRecorded.next(next);
  record.next(next);
  return record;
}

/**
 * The drill's polling with the export's own "Read job" code: "Wait for restore drill<suffix>", then
 * "Read restore drill job<suffix>" until "Restore drill<suffix> finished?" finds the import no longer
 * running, then `done` (where a read that fails for good goes too). Returns the wait.
 */
export function drillPollStates(
  scope: Construct,
  props: BackupStatesProps<RestoreDrillFunction>,
  suffix: DrillNameSuffix,
  done: IChainable,
): Wait {
  const readDrillJob = props.task(
    `Read restore drill job${suffix}`,
    'readJob',
    TaskInput.fromObject({ ...props.target, job: JsonPath.objectAt('$.drill.job') }),
    '$.drillStatus',
  );
  props.retry(readDrillJob, props.interruptedErrors);
  readDrillJob.addCatch(done, DRILL_STEP_FAILED);
  const wait = new Wait(scope, `Wait for restore drill${suffix}`, {
    time: WaitTime.secondsPath('$.run.pollSeconds'),
  });
  wait.next(readDrillJob);
  readDrillJob.next(
    new Choice(scope, `Restore drill${suffix} finished?`)
      .when(Condition.booleanEquals('$.drillStatus.running', true), wait)
      .otherwise(done),
  );
  return wait;
}
