import { Duration, Names, Validations } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  JsonPath,
  LogLevel,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { backupFailedStates } from './backup-failed-states.js';
import { INTERRUPTED_ERRORS, lambdaTaskBuilders } from './backup-tasks.js';
import { acknowledgeWildcardResource } from './nag-findings.js';

/** The functions the restore's Task states invoke. */
export interface RestoreTaskFunctions {
  /** The restore's own steps (functions/handlers/restore.ts). */
  readonly restore: LambdaFunction;
  /** "Read import job": the backup's "Read job". */
  readonly readJob: LambdaFunction;
  /** "Release run lock": the backup's, which releases the lock and slots this execution holds. */
  readonly cleanUpServer: LambdaFunction;
}

/** Properties of `RestoreStateMachine`. */
export interface RestoreStateMachineProps {
  /** The functions behind the Task states. */
  readonly functions: RestoreTaskFunctions;
  /**
   * The state machine's name; its log group is `/aws/vendedlogs/states/<name>`.
   * @default - a name CloudFormation generates
   */
  readonly stateMachineName?: string;
  /**
   * How long one restore may run in total (upload, import and retries).
   * @default Duration.hours(24)
   */
  readonly timeout?: Duration;
  /**
   * How long the execution logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * Restores a backup from S3 into a new schema through ORDS alone, started with
 * `{ database, manifest: "s3://…/manifest.json", targetSchema, schemas?, pollSeconds? }`: "Take run
 * lock and ORDS slot" (checks the input first; busy, it fails naming the holder or the caps), "Check
 * backup in S3" (the manifest and each file's checksums, again until every byte was read back; the
 * target schema absent), "Put files on the
 * server" (again until every file is there and checked), "Start import", its polling, "Finish restore"
 * (verdict, rows against the manifest, everything it put on the server removed), then "Release run
 * lock" on every end, and "Restored" or "Restore failed" with the reason. A timeout or an abort
 * leaves the lock and slot to be taken over as for backups (their holder no longer runs).
 */
export class RestoreStateMachine extends Construct {
  /** The state machine. */
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: RestoreStateMachineProps) {
    super(scope, id);
    const { functions } = props;
    const builders = lambdaTaskBuilders(this, functions);
    const task = (
      name: string,
      fn: keyof RestoreTaskFunctions,
      payload: Record<string, unknown>,
      resultPath: string,
    ) => builders.task(name, fn, TaskInput.fromObject(payload), resultPath);
    // As the backup's: about 13 minutes of an outage ridden out per task; every step is safe to rerun.
    const retry = (state: LambdaInvoke) => builders.retry(state, INTERRUPTED_ERRORS);
    const execution = {
      executionName: JsonPath.stringAt('$$.Execution.Name'),
      executionArn: JsonPath.stringAt('$$.Execution.Id'),
    };
    // Each step calls ORDS: it holds the restore's slots ($.slots) again first, when a redrive resumes there.
    const step = {
      ...execution,
      database: JsonPath.stringAt('$$.Execution.Input.database'),
      slots: JsonPath.objectAt('$.slots'),
    };

    const release = task(
      'Release run lock',
      'cleanUpServer',
      {
        phase: 'release-lock',
        ...execution,
        input: JsonPath.objectAt('$$.Execution.Input'),
        slots: JsonPath.objectAt('$.slots'),
      },
      JsonPath.DISCARD,
    );
    retry(release);
    const ended = new Choice(this, 'Restore ended how?')
      .when(Condition.isPresent('$.error'), backupFailedStates(this, 'Restore failed'))
      .otherwise(new Succeed(this, 'Restored', { outputPath: '$.report' }));
    release.addCatch(ended, { errors: ['States.ALL'], resultPath: '$.releaseError' });
    release.next(ended);
    const guarded = (state: LambdaInvoke) => {
      retry(state);
      return state.addCatch(release, { errors: ['States.ALL'], resultPath: '$.error' });
    };

    const finish = guarded(
      task(
        'Finish restore',
        'restore',
        {
          action: 'finish',
          ...step,
          progress: JsonPath.objectAt('$.restore'),
          job: JsonPath.objectAt('$.importJob'),
        },
        '$.report',
      ),
    );
    finish.next(release);
    const readJob = guarded(
      task(
        'Read import job',
        'readJob',
        { ...step, job: JsonPath.objectAt('$.importJob') },
        '$.importStatus',
      ),
    );
    const wait = new Wait(this, 'Wait for import', { time: WaitTime.secondsPath('$.restore.pollSeconds') });
    wait.next(readJob);
    readJob.next(
      new Choice(this, 'Import finished?')
        .when(Condition.booleanEquals('$.importStatus.running', true), wait)
        .otherwise(finish),
    );
    const start = guarded(
      task(
        'Start import',
        'restore',
        { action: 'start', ...step, progress: JsonPath.objectAt('$.restore') },
        '$.importJob',
      ),
    );
    start.next(wait);
    // The whole progress goes back in: each call resumes where the last one stopped.
    const put = guarded(
      task(
        'Put files on the server',
        'restore',
        { action: 'put', ...step, progress: JsonPath.objectAt('$.restore') },
        '$.restore',
      ),
    );
    put.next(
      new Choice(this, 'Files on the server?')
        .when(Condition.booleanEquals('$.restore.done', true), start)
        .otherwise(put),
    );
    // Called again with its progress until every byte of the backup was read back and checked.
    const check = guarded(
      task(
        'Check backup in S3',
        'restore',
        {
          action: 'check',
          ...step,
          input: JsonPath.objectAt('$$.Execution.Input'),
          progress: JsonPath.objectAt('$.restore'),
        },
        '$.restore',
      ),
    );
    check.next(
      new Choice(this, 'Backup checked?')
        .when(Condition.isPresent('$.restore.checked'), put)
        .otherwise(check),
    );
    const take = guarded(
      task(
        'Take run lock and ORDS slot',
        'restore',
        {
          action: 'take',
          ...execution,
          executionStartTime: JsonPath.stringAt('$$.Execution.StartTime'),
          input: JsonPath.objectAt('$$.Execution.Input'),
          slots: JsonPath.objectAt('$.slots'),
        },
        '$.slots',
      ),
    );
    take.next(check);
    // The execution's input stays in $$.Execution.Input, where every step reads it.
    const begin = new Pass(this, 'Restore', {
      comment:
        'Restores a backup from S3 into a new schema, through ORDS alone; holds no ORDS slot yet, has checked nothing yet',
      parameters: { slots: { held: [] }, restore: { done: false } },
    });
    begin.next(take);

    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName ?? Names.uniqueResourceName(this, { maxLength: 200 })}`,
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
      comment: 'Restores an Oracle Data Pump backup from S3 into a new schema through ORDS',
      definitionBody: DefinitionBody.fromChainable(begin),
      stateMachineType: StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.hours(24),
      tracingEnabled: true,
      // Payloads carry ids, names, keys and counts, never secrets.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery (logs:*LogDelivery, DescribeResourcePolicies) and X-Ray support no resource-level permissions.',
    });
    for (const fn of [functions.restore, functions.readJob, functions.cleanUpServer]) {
      acknowledgeWildcardResource(
        this.stateMachine.role,
        `${fn.functionArn}:*`,
        'LambdaInvoke grants the function and its versions; the Task invokes the unqualified ARN.',
      );
    }
  }
}
