import {
  Choice,
  Condition,
  Fail,
  type IChainable,
  JsonPath,
  Pass,
  Result,
  TaskInput,
  type TaskStateBase,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorName } from '../../functions/core/base/index.js';

/** What the slot states need from the state machine that holds them. */
export interface OrdsSlotStatesProps {
  /** Builds a Lambda Task. */
  readonly task: (
    name: string,
    fn: 'startExport',
    payload: TaskInput | undefined,
    resultPath: string,
  ) => LambdaInvoke;
  /** Adds the retry of the project's transient errors (and `extraErrors`) and the catch into the run's end. */
  readonly guarded: (state: LambdaInvoke, extraErrors?: readonly string[]) => TaskStateBase;
  /** Errors of an interrupted invocation: taking a slot again finds the execution's own. */
  readonly interruptedErrors: readonly string[];
  /** Files of one export copied at the same time, at most: one ORDS slot each. */
  readonly fileConcurrency: number;
  /** Where a run that holds its slot goes: "Start export". */
  readonly next: IChainable;
  /** The run's end, "Release run lock": a run that missed its window goes there, marked. */
  readonly end: IChainable;
}

/** The slot states, for the state machine to chain. */
export interface OrdsSlotStates {
  /** The first state of a run: its slot holding set empty, then "Take an ORDS slot". */
  readonly start: Pass;
  /** Before "Copy files": up to one slot per file copied at once. */
  readonly takeCopySlots: TaskStateBase;
  /** After "Copy files": back to one slot. */
  readonly dropCopySlots: TaskStateBase;
  /** The end state of a run that missed its window ("Run ended how?" goes there on `$.missedWindow`). */
  readonly missedWindow: Fail;
}

/**
 * A run's ORDS slots ("Queue for an ORDS slot" → "Take an ORDS slot" → "ORDS slot taken?" →
 * "Window still open?" → "Waiting for an ORDS slot" → back), with `$.slots` in the state from the
 * first state on, so "Release run lock" releases whatever the run holds however it ends. A run whose
 * window closed without a slot ends, through "Release run lock", in "Missed the backup window".
 */
export function ordsSlotStates(scope: Construct, props: OrdsSlotStatesProps): OrdsSlotStates {
  const { task, guarded } = props;
  const execution = {
    executionName: JsonPath.stringAt('$$.Execution.Name'),
    executionArn: JsonPath.stringAt('$$.Execution.Id'),
    executionStartTime: JsonPath.stringAt('$$.Execution.StartTime'),
    input: JsonPath.objectAt('$$.Execution.Input'),
    slots: JsonPath.objectAt('$.slots'),
  };
  const start = new Pass(scope, 'Queue for an ORDS slot', {
    comment: 'The run holds no ORDS slot yet',
    result: Result.fromObject({ held: [] }),
    resultPath: '$.slots',
  });
  const take = guarded(
    task(
      'Take an ORDS slot',
      'startExport',
      TaskInput.fromObject({ phase: 'take-slot', ...execution }),
      '$.slots',
    ),
    props.interruptedErrors,
  );
  const waiting = new Wait(scope, 'Waiting for an ORDS slot', {
    comment: "Every slot of the database's ORDS (or of the deployment) is held: slots.cause says by how many",
    time: WaitTime.secondsPath('$.slots.waitSeconds'),
  });
  const windowClosed = new Pass(scope, 'Window closed', {
    comment: 'No ORDS slot before the window closed: the run starts no export',
    parameters: { Error: ErrorName.MissedBackupWindow, Cause: JsonPath.stringAt('$.slots.cause') },
    resultPath: '$.missedWindow',
  });
  const missedWindow = new Fail(scope, 'Missed the backup window', {
    comment:
      'The run got no ORDS slot before its window closed: the cause names the database, origin, cap and window',
    error: ErrorName.MissedBackupWindow,
    causePath: '$.missedWindow.Cause',
  });
  start
    .next(take)
    .next(
      new Choice(scope, 'ORDS slot taken?')
        .when(Condition.booleanEquals('$.slots.taken', true), props.next)
        .otherwise(
          new Choice(scope, 'Window still open?')
            .when(Condition.booleanEquals('$.slots.open', true), waiting.next(take))
            .otherwise(windowClosed.next(props.end)),
        ),
    );
  const copyPayload = (phase: 'copy' | 'drop') =>
    TaskInput.fromObject({
      phase,
      executionName: execution.executionName,
      executionArn: execution.executionArn,
      executionStartTime: execution.executionStartTime,
      database: JsonPath.stringAt('$.database'),
      slots: execution.slots,
      files: JsonPath.arrayLength(JsonPath.listAt('$.verdict.files')),
      fileConcurrency: props.fileConcurrency,
    });
  const takeCopySlots = guarded(
    task('Take copy slots', 'startExport', copyPayload('copy'), '$.slots'),
    props.interruptedErrors,
  );
  const dropCopySlots = guarded(
    task('Drop copy slots', 'startExport', copyPayload('drop'), '$.slots'),
    props.interruptedErrors,
  );
  return { start, takeCopySlots, dropCopySlots, missedWindow };
}
