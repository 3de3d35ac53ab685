import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ErrorName, RETRYABLE_ERRORS } from '../../functions/core/base/errors.js';
import {
  CleanUpServerPayloadSchema,
  CopyFilePayloadSchema,
  ReadJobPayloadSchema,
  ReadLogPayloadSchema,
  StartExportPayloadSchema,
  WriteManifestPayloadSchema,
} from '../../functions/core/state/index.js';
import {
  exampleConfig,
  type Json,
  logicalIdOf,
  type Synthesized,
  stateMachineDefinition,
  statesOf,
  synthesize,
} from './synth.js';

/** Keys a payload must have (required by the schema) and may have (all of its keys). */
function keysOf(schema: z.ZodObject): { required: string[]; allowed: string[] } {
  const entries = Object.entries(schema.shape) as Array<[string, z.ZodType]>;
  return {
    required: entries.filter(([, field]) => !field.safeParse(undefined).success).map(([key]) => key),
    allowed: entries.map(([key]) => key),
  };
}

function parameterKeys(parameters: Record<string, unknown>): string[] {
  return Object.keys(parameters).map((key) => key.replace(/\.\$$/, ''));
}

describe('BackupStateMachine', () => {
  let synthesized: Synthesized;
  let states: Map<string, Json>;
  let definition: Json;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
    definition = stateMachineDefinition(synthesized.json);
    states = statesOf(definition);
  });
  afterAll(() => synthesized.cleanup());

  const tasks = () => [...states].filter(([, state]) => state.Type === 'Task');

  it('creates two Standard state machines (the backup and the restore) with tracing and full logging', () => {
    synthesized.template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    synthesized.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
  });

  it('names the states as the console shows them', () => {
    // Every run queues for its ORDS slot first (issue 25).
    expect(definition.StartAt).toBe('Queue for an ORDS slot');
    expect([...states.keys()].sort()).toEqual(
      [
        'Start export',
        'Consistency downgraded?',
        'Consistency downgraded',
        'Wait before polling',
        'Read job',
        'Export finished?',
        'Read log',
        'Copy files',
        'Copy file',
        'File copied?',
        'File stored',
        'Export succeeded?',
        'Export failed',
        'Write manifest',
        'Errors accepted?',
        'Export completed with errors',
        'Clean up server',
        'Remove dump files',
        'Export failed?',
        'Backup complete',
        'Cleanup step failed',
        'Record cleanup failure',
        'Record dump files left',
        'Server cleaned up?',
        'Backup complete, cleanup failed',
        'Cause given?',
        'Cause is text?',
        'Error from a function?',
        'Read error message',
        'Keep error message',
        'No cause given',
        'Backup failed',
        'Restore drill?',
        'Start restore drill',
        'Wait for restore drill',
        'Read restore drill job',
        'Restore drill finished?',
        'Drop drill schema',
        'Record restore drill',
        'Restore drill not recorded',
        'Restore drill succeeded?',
        'Restore drill failed',
        'Restore drill from S3?',
        'Restore drill from S3',
        'Put drill files from S3',
        'Drill files on the server?',
        'Start restore drill from S3',
        'Wait for restore drill from S3',
        'Read restore drill job from S3',
        'Restore drill from S3 finished?',
        'Drop drill schema and files',
        'Record restore drill from S3',
        'Restore drill from S3 not recorded',
        'Release run lock',
        'Run ended how?',
        'Queue for an ORDS slot',
        'Take an ORDS slot',
        'ORDS slot taken?',
        'Window still open?',
        'Waiting for an ORDS slot',
        'Window closed',
        'Missed the backup window',
        'Take copy slots',
        'Drop copy slots',
      ].sort(),
    );
  });

  it('uses JSONPath only', () => {
    const text = JSON.stringify(definition);

    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(text).not.toMatch(/"(Arguments|Output|Assign|Condition)"/);
  });

  it('gives every Task state a timeout 30 seconds longer than its function', () => {
    const { json } = synthesized;
    const timeoutOf = new Map(
      Object.entries(json.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
        .map(([id, resource]) => [`arn:${id}`, resource.Properties.Timeout as number]),
    );

    expect(tasks()).toHaveLength(22);
    for (const [name, state] of tasks()) {
      expect(state.TimeoutSeconds, name).toBe(timeoutOf.get(state.Resource)! + 30);
    }
  });

  it('invokes each function directly and returns only its payload', () => {
    const { functions } = synthesized.built.backup;
    const expected = {
      'Start export': functions.startExport,
      'Read job': functions.readJob,
      'Read log': functions.readLog,
      'Copy file': functions.copyFile,
      'Write manifest': functions.writeManifest,
      'Clean up server': functions.cleanUpServer,
      'Remove dump files': functions.cleanUpServer,
      'Record cleanup failure': functions.cleanUpServer,
      'Record dump files left': functions.cleanUpServer,
      'Release run lock': functions.cleanUpServer,
      'Start restore drill': functions.restoreDrill,
      'Read restore drill job': functions.readJob,
      'Drop drill schema': functions.restoreDrill,
      'Record restore drill': functions.recordRestoreDrill,
      'Take an ORDS slot': functions.startExport,
      'Take copy slots': functions.startExport,
      'Drop copy slots': functions.startExport,
      'Put drill files from S3': functions.restoreDrill,
      'Start restore drill from S3': functions.restoreDrill,
      'Read restore drill job from S3': functions.readJob,
      'Drop drill schema and files': functions.restoreDrill,
      'Record restore drill from S3': functions.recordRestoreDrill,
    };

    for (const [name, fn] of Object.entries(expected)) {
      expect(states.get(name).Resource, name).toBe(`arn:${logicalIdOf(fn)}`);
    }
  });

  it('builds each task payload with the field names of its payload schema', () => {
    const payloads: Array<[string, z.ZodObject]> = [
      ['Start export', StartExportPayloadSchema],
      ['Read job', ReadJobPayloadSchema],
      ['Read log', ReadLogPayloadSchema],
      ['Write manifest', WriteManifestPayloadSchema],
      ['Clean up server', CleanUpServerPayloadSchema],
      ['Remove dump files', CleanUpServerPayloadSchema],
    ];
    for (const [name, schema] of payloads) {
      const keys = parameterKeys(states.get(name).Parameters);
      const { required, allowed } = keysOf(schema);

      expect(keys, name).toEqual(expect.arrayContaining(required));
      expect(allowed, name).toEqual(expect.arrayContaining(keys));
    }
  });

  it('passes each Map item the fields of the copy payload', () => {
    const copyFiles = states.get('Copy files');
    const { required, allowed } = keysOf(CopyFilePayloadSchema);

    expect(copyFiles.ItemsPath).toBe('$.verdict.files');
    expect(copyFiles.ItemSelector['file.$']).toBe('$$.Map.Item.Value');
    expect(parameterKeys(copyFiles.ItemSelector)).toEqual(expect.arrayContaining(required));
    expect(allowed).toEqual(expect.arrayContaining(parameterKeys(copyFiles.ItemSelector)));
    expect(states.get('Copy file').Parameters).toBeUndefined();
  });

  it('takes the execution name, id, start time and input from the context object', () => {
    expect(states.get('Start export').Parameters).toEqual({
      'executionName.$': '$$.Execution.Name',
      'executionArn.$': '$$.Execution.Id',
      'executionStartTime.$': '$$.Execution.StartTime',
      'input.$': '$$.Execution.Input',
      // Held again before it calls ORDS, when a redrive resumes here.
      'slots.$': '$.slots',
    });
  });

  it("gives every step that calls ORDS the run's slots, which it holds again before it calls (a redrive)", () => {
    const ordsFunctions = /Functions(StartExport|ReadJob|ReadLog|CleanUpServer|RestoreDrill)[0-9A-F]{8}$/;
    const slotTasks = ['take-slot', 'copy', 'drop', 'release-lock', 'record-failure'];
    const steps = tasks().filter(
      ([, state]) =>
        ordsFunctions.test(String(state.Resource)) && !slotTasks.includes(state.Parameters.phase),
    );
    expect(steps.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'Start export',
        'Read job',
        'Read log',
        'Clean up server',
        'Remove dump files',
      ]),
    );
    expect(steps.length).toBeGreaterThanOrEqual(12);
    for (const [name, state] of steps) expect(state.Parameters['slots.$'], name).toBe('$.slots');
    // "Copy file" receives its iteration's item: the Map hands it the slots.
    expect(states.get('Copy files').ItemSelector['slots.$']).toBe('$.slots');
  });

  it('sends no task an ORDS URL, a secret or a key prefix: the functions read them from the binding', () => {
    for (const [name, state] of states) {
      const text = JSON.stringify([state.Parameters ?? {}, state.ItemSelector ?? {}]);

      expect(text, name).not.toMatch(/ordsUrl|secretId|prefix/);
    }
  });

  it('copies as many files at a time as it holds ORDS slots (at most two) and collects the stored files', () => {
    expect(states.get('Copy files')).toMatchObject({
      MaxConcurrencyPath: '$.slots.copyConcurrency',
      ResultPath: '$.stored',
    });
    expect(states.get('Take copy slots').Parameters).toMatchObject({
      phase: 'copy',
      'files.$': 'States.ArrayLength($.verdict.files)',
      fileConcurrency: 2,
    });
    expect(states.get('Read log').Next).toBe('Take copy slots');
    expect(states.get('Copy files').Next).toBe('Drop copy slots');
    expect(states.get('File stored')).toMatchObject({ Type: 'Pass', OutputPath: '$.progress.file' });
    expect(states.get('File copied?').Choices).toEqual([
      { Variable: '$.progress.done', BooleanEquals: true, Next: 'File stored' },
    ]);
    expect(states.get('File copied?').Default).toBe('Copy file');
  });

  it('polls until the job is no longer running', () => {
    expect(states.get('Wait before polling')).toMatchObject({
      SecondsPath: '$.run.pollSeconds',
      Next: 'Read job',
    });
    expect(states.get('Export finished?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.status.running', BooleanEquals: true, Next: 'Wait before polling' }],
      Default: 'Read log',
    });
  });

  it('retries OrdsUnavailableError with back-off on every Task state', () => {
    for (const [name, state] of tasks()) {
      const [retrier] = state.Retry;

      expect(retrier.ErrorEquals, name).toEqual(
        expect.arrayContaining(['OrdsUnavailableError', ...RETRYABLE_ERRORS]),
      );
      expect(retrier.ErrorEquals, name).toEqual(
        expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']),
      );
      expect(retrier, name).toMatchObject({
        IntervalSeconds: 10,
        BackoffRate: 2,
        MaxAttempts: 9,
        MaxDelaySeconds: 120,
        JitterStrategy: 'FULL',
      });
    }
  });

  it('does not retry OrdsAuthError or any other error that retrying cannot fix', () => {
    const neverRetried = Object.values(ErrorName).filter((name) => !RETRYABLE_ERRORS.includes(name));

    expect(neverRetried).toContain('OrdsAuthError');
    expect(neverRetried).toContain('LogLanguageUnknownError');
    for (const [name, state] of states) {
      const retried = (state.Retry ?? []).flatMap(
        (retrier: { ErrorEquals: string[] }) => retrier.ErrorEquals,
      );

      expect(retried, name).not.toContain('States.ALL');
      for (const error of neverRetried) expect(retried, name).not.toContain(error);
    }
  });

  it('retries an interrupted invocation of every task, each safe to run again', () => {
    for (const name of [
      'Start export',
      'Read job',
      'Read log',
      'Copy file',
      'Write manifest',
      'Clean up server',
      'Remove dump files',
    ]) {
      const retried = states
        .get(name)
        .Retry.flatMap((retrier: { ErrorEquals: string[] }) => retrier.ErrorEquals);

      expect(retried, name).toEqual(
        expect.arrayContaining(['States.Timeout', 'Lambda.Unknown', 'Sandbox.Timedout']),
      );
    }
  });

  it('catches every error of the top-level Task states and the Map, then fails in "Backup failed"', () => {
    for (const name of [
      'Start export',
      'Read job',
      'Read log',
      'Copy files',
      'Write manifest',
      'Take an ORDS slot',
      'Take copy slots',
      'Drop copy slots',
    ]) {
      expect(states.get(name).Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Release run lock' },
      ]);
    }
    // The run lock is released first; a release that fails changes no end state
    expect(states.get('Release run lock')).toMatchObject({
      Next: 'Run ended how?',
      ResultPath: null,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.releaseError', Next: 'Run ended how?' }],
      Parameters: {
        phase: 'release-lock',
        'executionName.$': '$$.Execution.Name',
        'executionArn.$': '$$.Execution.Id',
        'input.$': '$$.Execution.Input',
        'slots.$': '$.slots',
      },
    });
    expect(states.get('Run ended how?')).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.error', IsPresent: true, Next: 'Cause given?' },
        { Variable: '$.serverCleanup', IsPresent: true, Next: 'Export failed?' },
        { Variable: '$.missedWindow', IsPresent: true, Next: 'Missed the backup window' },
      ],
      Default: 'Restore drill succeeded?',
    });
    expect(states.get('Error from a function?').Default).toBe('Backup failed');
    expect(states.get('Keep error message').Next).toBe('Backup failed');
    expect(states.get('Backup failed')).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });

  it('waits for an ORDS slot before "Start export" until the window closes, then misses it loudly', () => {
    expect(states.get('Queue for an ORDS slot')).toMatchObject({
      Type: 'Pass',
      Result: { held: [] },
      ResultPath: '$.slots',
      Next: 'Take an ORDS slot',
    });
    expect(states.get('Take an ORDS slot')).toMatchObject({
      ResultPath: '$.slots',
      Next: 'ORDS slot taken?',
      Parameters: { phase: 'take-slot', 'slots.$': '$.slots', 'input.$': '$$.Execution.Input' },
    });
    expect(states.get('ORDS slot taken?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.slots.taken', BooleanEquals: true, Next: 'Start export' }],
      Default: 'Window still open?',
    });
    expect(states.get('Window still open?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.slots.open', BooleanEquals: true, Next: 'Waiting for an ORDS slot' }],
      Default: 'Window closed',
    });
    expect(states.get('Waiting for an ORDS slot')).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.slots.waitSeconds',
      Next: 'Take an ORDS slot',
    });
    // Through "Release run lock" (slots and queue place released), then the named end state.
    expect(states.get('Window closed')).toMatchObject({
      ResultPath: '$.missedWindow',
      Next: 'Release run lock',
    });
    expect(states.get('Missed the backup window')).toMatchObject({
      Type: 'Fail',
      Error: 'MissedBackupWindowError',
      CausePath: '$.missedWindow.Cause',
    });
  });

  it('fails with ExportFailedError when the log says the export failed', () => {
    expect(states.get('Export succeeded?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.verdict.verdict', StringEquals: 'failed', Next: 'Remove dump files' }],
      Default: 'Write manifest',
    });
    expect(states.get('Export failed?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.verdict.verdict', StringEquals: 'failed', Next: 'Export failed' }],
      Default: 'Export completed with errors',
    });
    expect(states.get('Export failed')).toMatchObject({
      Type: 'Fail',
      Error: 'ExportFailedError',
      CausePath: '$.verdict.cause',
    });
  });

  it('fails with ExportCompletedWithErrorsError unless errors are accepted', () => {
    expect(states.get('Errors accepted?')).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.verdict.verdict', StringEquals: 'completed-with-errors' },
            { Variable: '$.run.acceptCompletedWithErrors', BooleanEquals: false },
          ],
          Next: 'Remove dump files',
        },
      ],
      Default: 'Restore drill?',
    });
    expect(states.get('Export completed with errors')).toMatchObject({
      Type: 'Fail',
      Error: 'ExportCompletedWithErrorsError',
      CausePath: '$.verdict.cause',
    });
    expect(states.get('Backup complete')).toEqual({ Type: 'Succeed', OutputPath: '$.result' });
  });

  it('cleans up the server only after the manifest, and a complete backup stays complete', () => {
    const cleanup = states.get('Clean up server');

    expect(states.get('Write manifest').Next).toBe('Errors accepted?');
    expect(states.get('Errors accepted?').Default).toBe('Restore drill?');
    expect(cleanup.Parameters.phase).toBe('after-backup');
    // A drill from S3 restores the stored copy after the cleanup, before the lock's release.
    expect(cleanup).toMatchObject({ ResultPath: '$.result.serverCleanup', Next: 'Restore drill from S3?' });
    expect(states.get('Restore drill from S3?')).toMatchObject({ Default: 'Release run lock' });
    const reaching = [...states].filter(([, state]) =>
      JSON.stringify([state.Next, state.Default, state.Choices, state.Catch]).includes('"Clean up server"'),
    );
    // Only after the manifest: straight on, or through the drill, whichever way the drill ends.
    expect(reaching.map(([name]) => name).sort()).toEqual(
      ['Restore drill?', 'Record restore drill', 'Restore drill not recorded'].sort(),
    );
  });

  it('never fails a cleanup in silence: any error of its step records the failure and ends in a state named for it', () => {
    const cleanup = states.get('Clean up server');

    // GIVEN a cleanup step that fails for good, with any error
    expect(cleanup.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: 'Cleanup step failed' },
    ]);
    // THEN its result says failed, the database's metric is recorded, and the run ends named for it
    expect(states.get('Cleanup step failed')).toMatchObject({
      Type: 'Pass',
      ResultPath: '$.result.serverCleanup',
      Parameters: { serverCleanup: 'failed' },
      Next: 'Record cleanup failure',
    });
    const record = states.get('Record cleanup failure');
    expect(record.Parameters).toMatchObject({ phase: 'record-failure', 'database.$': '$.database' });
    expect(record.Next).toBe('Release run lock');
    expect(record.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: 'Release run lock' },
    ]);
    expect(states.get('Server cleaned up?')).toEqual({
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.result.serverCleanup.serverCleanup',
          StringEquals: 'failed',
          Next: 'Backup complete, cleanup failed',
        },
      ],
      Default: 'Backup complete',
    });
    expect(states.get('Backup complete, cleanup failed')).toMatchObject({
      Type: 'Succeed',
      OutputPath: '$.result',
    });
  });

  it("removes a failed export's dump files, then fails with the export's own error and cause", () => {
    const remove = states.get('Remove dump files');

    expect(remove.Parameters.phase).toBe('after-failure');
    expect(remove).toMatchObject({ ResultPath: '$.serverCleanup', Next: 'Release run lock' });
    // A removal step that fails for good records the database's cleanup failure, then fails as before.
    expect(remove.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.serverCleanup', Next: 'Record dump files left' },
    ]);
    const record = states.get('Record dump files left');
    expect(record.Parameters).toMatchObject({ phase: 'record-failure', 'database.$': '$.database' });
    expect(record.Next).toBe('Release run lock');
    expect(record.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: 'Release run lock' },
    ]);
  });
});
