import type { Duration } from 'aws-cdk-lib';
import {
  Choice,
  Condition,
  type IChainable,
  JsonPath,
  Pass,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { BackupStatesProps } from './backup-tasks.js';

/** What the off-site states need from the state machine that holds them. */
export interface OffsiteProofStatesProps extends BackupStatesProps<'checkOffsiteCopy'> {
  /** Time between two checks of the off-site copy ("Wait for the off-site copy"). */
  readonly checkInterval: Duration;
  /** Where a run proved off-site goes: "Backup complete". */
  readonly next: IChainable;
}

/**
 * The off-site proof of a run, after the manifest, the drill and a clean server: "Check off-site
 * copy" every `checkInterval` ("Wait for the off-site copy") until every object of the manifest has
 * replicated and its replica matches (offsite.json written, on to `next`), or the copy failed or is
 * late: then the run ends in "Backup complete, off-site copy failed" (the backup stays complete) with
 * the database's OffsiteCopyFailed = 1. A check step that fails for good ends there too, recorded.
 * Returns the first state.
 */
export function offsiteProofStates(scope: Construct, props: OffsiteProofStatesProps): Pass {
  const { task, retry, target } = props;
  const start = new Pass(scope, 'Start off-site check', {
    comment: 'The first check sets when the wait for the off-site copy began',
    parameters: { offsite: 'pending', since: '' },
    resultPath: '$.result.offsite',
  });
  const check = task(
    'Check off-site copy',
    'checkOffsiteCopy',
    TaskInput.fromObject({
      ...target,
      phase: 'check',
      manifest: JsonPath.stringAt('$.result.manifest'),
      since: JsonPath.stringAt('$.result.offsite.since'),
    }),
    '$.result.offsite',
  );
  // Safe to run again: the check only reads, and writes offsite.json once.
  retry(check, props.interruptedErrors);
  const failed = new Succeed(scope, 'Backup complete, off-site copy failed', {
    comment:
      'The backup is stored and verified here, but its off-site copy failed or is late: offsite.reason says why',
    outputPath: '$.result',
  });
  const stepFailed = new Pass(scope, 'Off-site check step failed', {
    parameters: {
      offsite: 'failed',
      reason: JsonPath.format(
        'The "Check off-site copy" step failed ({}): whether the backup replicated is unknown; run npm run verify -- --offsite',
        JsonPath.stringAt('$.offsiteError.Error'),
      ),
      error: JsonPath.objectAt('$.offsiteError'),
    },
    resultPath: '$.result.offsite',
  });
  const record = task(
    'Record off-site failure',
    'checkOffsiteCopy',
    TaskInput.fromObject({ ...target, phase: 'record-failure' }),
    JsonPath.DISCARD,
  );
  retry(record, props.interruptedErrors);
  record.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.recordError' });
  check.addCatch(stepFailed, { errors: ['States.ALL'], resultPath: '$.offsiteError' });
  stepFailed.next(record).next(failed);
  const wait = new Wait(scope, 'Wait for the off-site copy', {
    time: WaitTime.duration(props.checkInterval),
  });
  start
    .next(check)
    .next(
      new Choice(scope, 'Off-site copy done?')
        .when(Condition.stringEquals('$.result.offsite.offsite', 'pending'), wait.next(check))
        .when(Condition.stringEquals('$.result.offsite.offsite', 'copied'), props.next)
        .otherwise(failed),
    );
  return start;
}
