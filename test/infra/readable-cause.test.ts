import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorName } from '../../functions/core/base/errors.js';
import { LAMBDA_CAUSE_PATTERN, readableCause } from '../../functions/core/state/lambda-cause.js';
import {
  exampleConfig,
  type Json,
  type Synthesized,
  stateMachineDefinition,
  statesOf,
  synthesize,
} from './synth.js';

/** The failure path of the synthesized state machine, from its Choice to "Backup failed". */
const FAILURE_PATH = [
  'Cause given?',
  'Cause is text?',
  'Error from a function?',
  'Read error message',
  'Keep error message',
  'No cause given',
  'Backup failed',
];

/** A Lambda error's cause as Step Functions receives it from the Node.js runtime. */
const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`] });

describe('readable failure causes', () => {
  let synthesized: Synthesized;
  let states: Map<string, Json>;
  /** Runs the synthesized failure path on a caught `$.error` and returns what "Backup failed" reports. */
  let fail: (error: Record<string, unknown>) => Promise<{ error: string; cause: string | undefined }>;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
    states = statesOf(stateMachineDefinition(synthesized.json));
    const machine = new StateMachine(
      {
        StartAt: FAILURE_PATH[0]!,
        States: Object.fromEntries(FAILURE_PATH.map((name) => [name, states.get(name)])),
      } as never,
      { validationOptions: { checkArn: false } },
    );
    fail = async (error) => {
      try {
        await machine.run({ database: 'orders', error } as never).result;
      } catch (thrown) {
        const root = (thrown instanceof ExecutionError ? thrown.cause : thrown) as Error;
        return { error: root.name, cause: (root as { cause?: string }).cause ?? root.message };
      }
      throw new Error('the failure path did not fail');
    };
  });
  afterAll(() => synthesized.cleanup());

  it('tests a cause with the shared pattern only after it is present and a string, in nested choices', () => {
    expect(states.get('Cause given?').Choices).toEqual([
      { Variable: '$.error.Cause', IsPresent: true, Next: 'Cause is text?' },
    ]);
    expect(states.get('Cause given?').Default).toBe('No cause given');
    expect(states.get('Cause is text?').Choices).toEqual([
      { Variable: '$.error.Cause', IsString: true, Next: 'Error from a function?' },
    ]);
    expect(states.get('Cause is text?').Default).toBe('No cause given');
    expect(states.get('Error from a function?').Choices).toEqual([
      { Variable: '$.error.Cause', StringMatches: LAMBDA_CAUSE_PATTERN, Next: 'Read error message' },
    ]);
    expect(states.get('Error from a function?').Default).toBe('Backup failed');
    expect(states.get('Read error message').Parameters).toEqual({
      'Error.$': '$.error.Error',
      'Function.$': 'States.StringToJson($.error.Cause)',
    });
  });

  it("fails with the function's error name and the sentence of its message", async () => {
    const message = 'ORDS answered 401 for user DBAPI_USER — check the secret "prod/ords/orders"';

    const failed = await fail({ Error: ErrorName.OrdsAuth, Cause: lambdaCause(ErrorName.OrdsAuth, message) });

    expect(failed).toEqual({ error: ErrorName.OrdsAuth, cause: message });
  });

  it.each([
    ['a Step Functions timeout', { Error: 'States.Timeout', Cause: 'Task timed out after 330 seconds' }],
    ['text that starts like JSON', { Error: 'Lambda.Unknown', Cause: '{ the cause could not be determined' }],
    ['JSON without errorType', { Error: 'States.TaskFailed', Cause: '{"errorMessage":"x"}' }],
    [
      'a Lambda cause cut short',
      { Error: 'OrdsAuthError', Cause: lambdaCause('OrdsAuthError', 'x').slice(0, 40) },
    ],
    [
      'a non-string errorMessage',
      { Error: 'OrdsAuthError', Cause: '{"errorType":"OrdsAuthError","errorMessage":null}' },
    ],
  ])('passes %s through unchanged, as the CLI reads it', async (_what, error) => {
    const failed = await fail(error);

    expect(failed).toEqual({ error: error.Error, cause: error.Cause });
    expect(readableCause(error.Cause)).toBe(error.Cause);
  });

  it.each([
    ['no cause at all', { Error: 'States.Timeout' }],
    ['a null cause', { Error: 'States.Timeout', Cause: null }],
  ])('fails with its own error name, not States.Runtime, after %s', async (_what, error) => {
    const failed = await fail(error);

    expect(failed).toEqual({ error: 'States.Timeout', cause: 'Step Functions reported no cause' });
  });

  it('keeps quotes, backslashes and line breaks of a message intact', async () => {
    const message = 'ORA-39087: directory name "DATA\\PUMP" is invalid\nORA-06512: at line 1';

    const failed = await fail({
      Error: ErrorName.OrdsRequest,
      Cause: lambdaCause(ErrorName.OrdsRequest, message),
    });

    expect(failed.cause).toBe(message);
    expect(readableCause(lambdaCause(ErrorName.OrdsRequest, message))).toBe(message);
  });
});
