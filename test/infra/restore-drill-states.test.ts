import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  DropDrillSchemaPayloadSchema,
  StartRestoreDrillPayloadSchema,
} from '../../functions/core/drill/restore-drill-payloads.js';
import { ReadJobPayloadSchema } from '../../functions/core/state/index.js';
import {
  exampleConfig,
  type Json,
  type Synthesized,
  stateMachineDefinition,
  statesOf,
  synthesize,
} from './synth.js';

function keysOf(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}

describe('restore drill states', () => {
  let synthesized: Synthesized;
  let states: Map<string, Json>;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
    states = statesOf(stateMachineDefinition(synthesized.json));
  });
  afterAll(() => synthesized.cleanup());

  it('drills only when "Start export" decided so, and goes straight to the cleanup otherwise', () => {
    expect(states.get('Restore drill?')).toEqual({
      Type: 'Choice',
      Choices: [
        { Not: { Variable: '$.run.restoreDrill', IsPresent: true }, Next: 'Clean up server' },
        // A drill from S3 runs after the cleanup.
        { Variable: '$.run.restoreDrillFromS3', IsPresent: true, Next: 'Clean up server' },
        { Variable: '$.run.restoreDrill', BooleanEquals: true, Next: 'Start restore drill' },
      ],
      Default: 'Clean up server',
    });
  });

  it('starts, polls with the export job reader, drops, records, then cleans up', () => {
    expect(states.get('Start restore drill')).toMatchObject({
      ResultPath: '$.drill',
      Next: 'Wait for restore drill',
    });
    expect(states.get('Wait for restore drill')).toMatchObject({ SecondsPath: '$.run.pollSeconds' });
    expect(states.get('Read restore drill job').Parameters['job.$']).toBe('$.drill.job');
    expect(states.get('Restore drill finished?').Default).toBe('Drop drill schema');
    expect(states.get('Drop drill schema').Next).toBe('Record restore drill');
    expect(states.get('Record restore drill')).toMatchObject({
      ResultPath: '$.result.restoreDrill',
      Next: 'Clean up server',
    });
  });

  it('builds the drill payloads with the field names of their schemas', () => {
    const start = Object.keys(states.get('Start restore drill').Parameters).map((key) =>
      key.replace(/\.\$$/, ''),
    );
    const drop = Object.keys(states.get('Drop drill schema').Parameters).map((key) =>
      key.replace(/\.\$$/, ''),
    );
    const read = Object.keys(states.get('Read restore drill job').Parameters).map((key) =>
      key.replace(/\.\$$/, ''),
    );
    expect([...start].sort()).toEqual([...keysOf(StartRestoreDrillPayloadSchema), 'action'].sort());
    expect([...drop].sort()).toEqual([...keysOf(DropDrillSchemaPayloadSchema), 'action'].sort());
    expect(keysOf(ReadJobPayloadSchema)).toEqual(expect.arrayContaining(read));
    expect(states.get('Record restore drill').Parameters).toBeUndefined();
  });

  it('records every drill step that fails for good as a failed drill, never as a failed backup', () => {
    const caught = (next: string) => [
      { ErrorEquals: ['States.ALL'], ResultPath: '$.drillError', Next: next },
    ];
    expect(states.get('Start restore drill').Catch).toEqual(caught('Record restore drill'));
    expect(states.get('Read restore drill job').Catch).toEqual(caught('Drop drill schema'));
    expect(states.get('Drop drill schema').Catch).toEqual(caught('Record restore drill'));
    expect(states.get('Record restore drill').Catch).toEqual(caught('Restore drill not recorded'));
    expect(states.get('Restore drill not recorded')).toMatchObject({
      ResultPath: '$.result.restoreDrill',
      Parameters: { succeeded: false },
      Next: 'Clean up server',
    });
  });

  it('retries every drill step after an interrupted invocation (the start adopts its own import)', () => {
    const retried = (name: string) =>
      states.get(name).Retry.flatMap((retrier: { ErrorEquals: string[] }) => retrier.ErrorEquals);
    for (const name of [
      'Start restore drill',
      'Read restore drill job',
      'Drop drill schema',
      'Record restore drill',
    ]) {
      expect(retried(name), name).toEqual(
        expect.arrayContaining([
          'States.Timeout',
          'Lambda.Unknown',
          'Sandbox.Timedout',
          'OrdsUnavailableError',
        ]),
      );
    }
  });

  it('fails the execution with RestoreDrillFailedError after the cleanup when the drill failed', () => {
    expect(states.get('Restore drill succeeded?')).toEqual({
      Type: 'Choice',
      Choices: [
        { Not: { Variable: '$.result.restoreDrill', IsPresent: true }, Next: 'Server cleaned up?' },
        { Variable: '$.result.restoreDrill.succeeded', BooleanEquals: false, Next: 'Restore drill failed' },
      ],
      Default: 'Server cleaned up?',
    });
    expect(states.get('Restore drill failed')).toMatchObject({
      Type: 'Fail',
      Error: 'RestoreDrillFailedError',
      CausePath: '$.result.restoreDrill.cause',
    });
  });
  it('drills from S3 after the cleanup: uploads in a loop like "Copy file", records, then releases the lock', () => {
    expect(states.get('Restore drill from S3?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.run.restoreDrillFromS3', IsPresent: true, Next: 'Restore drill from S3' }],
      Default: 'Release run lock',
    });
    expect(states.get('Restore drill from S3')).toMatchObject({
      Result: { done: false },
      ResultPath: '$.s3Drill',
      Next: 'Put drill files from S3',
    });
    const put = states.get('Put drill files from S3');
    expect(put).toMatchObject({ ResultPath: '$.s3Drill', Next: 'Drill files on the server?' });
    expect(put.Parameters).toMatchObject({
      action: 'put-s3',
      'progress.$': '$.s3Drill',
      'job.$': '$.run.job',
    });
    expect(states.get('Drill files on the server?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.s3Drill.done', BooleanEquals: true, Next: 'Start restore drill from S3' }],
      Default: 'Put drill files from S3',
    });
    expect(states.get('Read restore drill job from S3').Catch[0].Next).toBe('Drop drill schema and files');
    // Every step that fails for good is recorded as a failed drill, which fails the execution after the release.
    for (const name of [
      'Put drill files from S3',
      'Start restore drill from S3',
      'Drop drill schema and files',
    ]) {
      expect(states.get(name).Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.drillError', Next: 'Record restore drill from S3' },
      ]);
    }
    expect(states.get('Record restore drill from S3')).toMatchObject({
      ResultPath: '$.result.restoreDrill',
      Next: 'Release run lock',
    });
  });
});
