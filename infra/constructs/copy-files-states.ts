import type { IResolvable } from 'aws-cdk-lib';
import {
  Choice,
  Condition,
  type IChainable,
  JsonPath,
  Map as MapState,
  Pass,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { BackupStatesProps } from './backup-tasks.js';

/** What the copy states need from the state machine ("Copy file" resumes from its input's progress). */
export interface CopyFilesStatesProps extends BackupStatesProps<'copyFile'> {
  /** The run's Data Pump job (`$.run.job`). */
  readonly job: IResolvable;
  /** Where a copy that failed for good goes, with `$.error`: "Release run lock". */
  readonly failed: IChainable;
}

/**
 * "Copy files": a Map over the files "Read log" found (`$.verdict.files`), as many at once as the
 * run holds copy slots, each one "Copy file" again until its progress says done ("File copied?"),
 * then "File stored". The stored files land in `$.stored`. Returns the Map state.
 */
export function copyFilesStates(scope: Construct, props: CopyFilesStatesProps): MapState {
  const { task, retry, target, job } = props;
  // The whole iteration state: the file, and from the second call on the progress to resume from.
  const copyFile = task('Copy file', 'copyFile', undefined, '$.progress');
  retry(copyFile, props.interruptedErrors);
  const fileCopied = new Choice(scope, 'File copied?');
  const fileStored = new Pass(scope, 'File stored', { outputPath: '$.progress.file' });
  const copyFiles = new MapState(scope, 'Copy files', {
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
  copyFiles.addCatch(props.failed, { errors: ['States.ALL'], resultPath: '$.error' });
  return copyFiles;
}
