import { describe, expect, it } from 'vitest';
import {
  consoleLink,
  describeFailure,
  type ExecutionStatusEvent,
  MAX_SUBJECT_LENGTH,
} from '../../../../functions/core/run/notify-failure.js';

const EXECUTION_ARN =
  'arn:aws:states:eu-central-1:123456789012:execution:BackupStateMachine1A2B3C:orders-20261123T020000Z';
const INPUT = JSON.stringify({
  database: 'orders',
  ordsUrl: 'https://db.example.com/ords/hr/',
  secretId: 'prod/ords/orders',
  scheduledTime: '2026-11-23T02:00:00Z',
});

/** An "Execution Status Change" event as EventBridge delivers it. */
function eventOf(detail: Record<string, unknown>): ExecutionStatusEvent {
  return {
    region: 'eu-central-1',
    time: '2026-11-23T03:00:00Z',
    detail: {
      executionArn: EXECUTION_ARN,
      stateMachineArn: 'arn:aws:states:eu-central-1:123456789012:stateMachine:BackupStateMachine1A2B3C',
      name: 'orders-20261123T020000Z',
      startDate: Date.parse('2026-11-23T02:00:01Z'),
      stopDate: Date.parse('2026-11-23T02:10:00Z'),
      input: INPUT,
      ...detail,
    },
  };
}

describe('describeFailure', () => {
  it('shows the errorMessage of a Lambda JSON cause for a FAILED execution', () => {
    const cause = JSON.stringify({
      errorType: 'OrdsAuthError',
      errorMessage: 'ORDS answered 401 for user DBAPI_USER — check the secret "prod/ords/orders"',
      trace: ['OrdsAuthError: ORDS answered 401', '    at readJob (file:///var/task/index.mjs:1:1)'],
    });

    const notice = describeFailure(eventOf({ status: 'FAILED', error: 'OrdsAuthError', cause }));

    expect(notice).toMatchObject({ database: 'orders', status: 'FAILED' });
    expect(notice.subject).toBe('ords-datapump-backup: backup of "orders" failed: OrdsAuthError');
    expect(notice.message).toContain(
      'Cause:         ORDS answered 401 for user DBAPI_USER — check the secret "prod/ords/orders"',
    );
    expect(notice.message).not.toContain('trace');
    expect(notice.message).toContain('Error:         OrdsAuthError');
    expect(notice.message).toContain('Scheduled for: 2026-11-23T02:00:00Z');
    expect(notice.message).toContain('Started:       2026-11-23T02:00:01.000Z');
  });

  it('links to the execution in the Step Functions console of its region', () => {
    const notice = describeFailure(eventOf({ status: 'FAILED' }));

    expect(notice.message).toContain(
      `Console:       https://eu-central-1.console.aws.amazon.com/states/home?region=eu-central-1#/v2/executions/details/${EXECUTION_ARN}`,
    );
  });

  it('shows a plain-text cause as it is, indenting its further lines', () => {
    const cause = 'Job "DBAPI_USER"."EXPORT" stopped due to fatal error\nORA-39002: invalid operation';

    const notice = describeFailure(eventOf({ status: 'FAILED', error: 'ExportFailedError', cause }));

    expect(notice.message).toContain(
      'Cause:         Job "DBAPI_USER"."EXPORT" stopped due to fatal error\n               ORA-39002: invalid operation',
    );
  });

  it('explains a TIMED_OUT execution that has no error and no cause', () => {
    const notice = describeFailure(eventOf({ status: 'TIMED_OUT', error: null, cause: null }));

    expect(notice).toMatchObject({ database: 'orders', status: 'TIMED_OUT' });
    expect(notice.subject).toBe('ords-datapump-backup: backup of "orders" timed out');
    expect(notice.message).toContain('Error:         none given');
    expect(notice.message).toContain('Cause:         the execution ran longer than its timeout');
  });

  it('reports an ABORTED execution with the database and its error when given', () => {
    const notice = describeFailure(eventOf({ status: 'ABORTED', error: 'Stopped by hand' }));

    expect(notice).toMatchObject({ database: 'orders', status: 'ABORTED' });
    expect(notice.subject).toBe('ords-datapump-backup: backup of "orders" was aborted: Stopped by hand');
    expect(notice.message.split('\n')[0]).toBe('The backup of database "orders" was aborted.');
  });

  it('still alerts when the input cannot be parsed, without a database', () => {
    const notice = describeFailure(
      eventOf({ status: 'FAILED', input: '{not json', error: 'States.Runtime' }),
    );

    expect(notice.database).toBeUndefined();
    expect(notice.subject).toBe('ords-datapump-backup: backup of (database unknown) failed: States.Runtime');
    expect(notice.message).toContain('Database:      unknown (the execution input is not JSON)');
  });

  it('still alerts when the event carries no input at all', () => {
    const notice = describeFailure(eventOf({ status: 'FAILED', input: null }));

    expect(notice.database).toBeUndefined();
    expect(notice.message).toContain('Database:      unknown (the event carries no input)');
  });

  it('keeps the subject to one printable ASCII line shorter than 100 characters', () => {
    const error = `Some.Error\nwith a line break and ümlauts ${'x'.repeat(200)}`;

    const { subject } = describeFailure(eventOf({ status: 'FAILED', error }));

    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('shortens a very long cause', () => {
    const notice = describeFailure(eventOf({ status: 'FAILED', cause: 'ORA-1 '.repeat(2_000) }));

    expect(notice.message.length).toBeLessThan(5_000);
    expect(notice.message).toContain('…');
  });
});

describe('consoleLink', () => {
  it('gives no link without a region or an execution ARN', () => {
    expect(consoleLink(undefined, EXECUTION_ARN)).toBeUndefined();
    expect(consoleLink('eu-central-1', null)).toBeUndefined();
  });
});
