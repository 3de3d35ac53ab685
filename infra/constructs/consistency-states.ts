import { Choice, Condition, type IChainable, JsonPath, Pass } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * After "Start export": a database set to `auto` whose run fell back to the per-table ORDS export
 * POST (ORDS refused the point-in-time job's files, now or in its recorded probe) passes through the
 * state "Consistency downgraded", which the console shows on the run's path with the reason in its
 * output (`$.consistencyDowngraded`). The run then goes on to `next` as any other. "Start export"
 * also records the database's `ConsistencyDowngraded` metric, and the manifest the reason.
 */
export function consistencyStates(scope: Construct, next: IChainable): IChainable {
  const downgraded = new Pass(scope, 'Consistency downgraded', {
    comment:
      'Warning: this backup is per-table, not point-in-time: ORDS refused the files of the point-in-time job (consistencyDowngraded says why)',
    parameters: {
      consistency: 'per-table',
      reason: JsonPath.stringAt('$.run.job.downgraded'),
    },
    resultPath: '$.consistencyDowngraded',
  });
  downgraded.next(next);
  return new Choice(scope, 'Consistency downgraded?')
    .when(Condition.isPresent('$.run.job.downgraded'), downgraded)
    .otherwise(next);
}
