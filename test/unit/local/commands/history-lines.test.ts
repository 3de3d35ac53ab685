import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { describeHistoryEvent, newHistoryMemory } from '../../../../local/commands/history-lines.js';

const event = (id: number, previousEventId: number, type: string, extra: Partial<HistoryEvent> = {}) =>
  ({ id, previousEventId, type, timestamp: new Date(0), ...extra }) as HistoryEvent;

describe('describeHistoryEvent', () => {
  it('counts retries per state when two Map iterations interleave', () => {
    // GIVEN two "Copy file" iterations whose task events interleave, the second one retried
    const failed = {
      lambdaFunctionFailedEventDetails: {
        error: 'TransferIncompleteError',
        cause: '{"errorType":"TransferIncompleteError","errorMessage":"the download ended at byte 42"}',
      },
    };
    const history = [
      event(1, 0, 'MapStateEntered', {
        stateEnteredEventDetails: { name: 'Copy files', input: '{"secret":1}' },
      }),
      event(2, 1, 'MapIterationStarted'),
      event(3, 1, 'MapIterationStarted'),
      event(4, 2, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'Copy file' } }),
      event(5, 3, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'Copy file' } }),
      event(6, 4, 'LambdaFunctionScheduled'),
      event(7, 5, 'LambdaFunctionScheduled'),
      event(8, 7, 'LambdaFunctionFailed', failed),
      event(9, 6, 'LambdaFunctionSucceeded'),
      event(10, 8, 'LambdaFunctionScheduled'),
    ];
    const memory = newHistoryMemory();

    // WHEN reading the events in order
    const lines = history.flatMap((each) => describeHistoryEvent(each, memory));

    // THEN only the second iteration shows a failure and a retry, with the cause's sentence, and no input
    expect(lines).toEqual([
      '→ Copy files',
      '→ Copy file',
      '→ Copy file',
      '  ✗ Copy file: TransferIncompleteError: the download ended at byte 42',
      '  ↻ Copy file: retry 1',
    ]);
  });
});
