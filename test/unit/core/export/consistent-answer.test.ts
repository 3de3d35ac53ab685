import { describe, expect, it } from 'vitest';
import {
  POLL_STATEMENT,
  parseConsistentStartAnswer,
  parsePollAnswer,
  pollRequest,
} from '../../../../functions/core/export/index.js';

const JOB = 'ODBK_ABCDEFGHIJKLMNOPQRSTUVWXY';

function answer(item: Record<string, unknown>) {
  return {
    env: { defaultTimeZone: 'UTC' },
    items: [{ statementId: 1, statementType: 'plsql', statementText: 'DECLARE …', result: 0, ...item }],
  };
}

const outBind = (result: unknown) => ({
  binds: [
    { name: 'scn_out', data_type: 'NUMBER', mode: 'out', result },
    { name: 'job', data_type: 'VARCHAR2', value: JOB },
  ],
});

describe('parseConsistentStartAnswer', () => {
  it('returns the SCN of the OUT bind', () => {
    expect(parseConsistentStartAnswer(answer(outBind(48213377)), JOB)).toEqual({
      kind: 'started',
      scn: '48213377',
      scnTime: null,
    });
  });

  it('returns the database time the block read with the SCN, and ignores one that is not a real time', () => {
    const withTime = (time: unknown) => ({
      binds: [
        ...outBind(48213377).binds,
        { name: 'scn_time_out', data_type: 'VARCHAR2', mode: 'out', result: time },
      ],
    });

    expect(parseConsistentStartAnswer(answer(withTime('20261207T020005.123Z')), JOB)).toMatchObject({
      scnTime: '2026-12-07T02:00:05.123Z',
    });
    for (const bad of ['20261307T020005.123Z', '2026-12-07T02:00:05Z', 42, "'; DROP"]) {
      expect(parseConsistentStartAnswer(answer(withTime(bad)), JOB)).toMatchObject({ scnTime: null });
    }
  });

  it('keeps an SCN above 2^53 sent as text exactly', () => {
    expect(parseConsistentStartAnswer(answer(outBind('18446744073709551000')), JOB)).toEqual({
      kind: 'started',
      scn: '18446744073709551000',
      scnTime: null,
    });
  });

  it('answers exists for ORA-31634, the adopt signal of a retry', () => {
    const result = parseConsistentStartAnswer(
      answer({
        errorCode: 31634,
        errorDetails: 'ORA-31634: job already exists\nORA-06512: at "SYS.DBMS_SYS_ERROR"',
      }),
      JOB,
    );
    expect(result.kind).toBe('exists');
  });

  it('answers exists for ORA-31634 wrapped by the block handler into ORA-20001', () => {
    const result = parseConsistentStartAnswer(
      answer({
        errorCode: 20001,
        errorDetails: 'ORA-20001: ORA-31634: job already exists\nORA-06512: at line 28',
      }),
      JOB,
    );
    expect(result.kind).toBe('exists');
  });

  it.each([
    [
      'a wrapped Data Pump error',
      20001,
      'ORA-20001: ORA-39002: invalid operation\nORA-39070: Unable to open the log file.',
      'ORA-39002',
    ],
    ['a missing privilege', 1031, 'ORA-01031: insufficient privileges', 'ORA-01031'],
    ['no details', 1652, '', 'ORA-01652'],
  ])('fails for %s as ExportFailedError naming the code and the job', (_, errorCode, errorDetails, named) => {
    let thrown: unknown;
    try {
      parseConsistentStartAnswer(answer({ errorCode, errorDetails }), JOB);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).name).toBe('ExportFailedError');
    expect((thrown as Error).message).toContain(`(${named})`);
    expect((thrown as Error).message).toContain(JOB);
  });

  it('fails for an answer without the OUT bind, saying the job may exist', () => {
    expect(() => parseConsistentStartAnswer(answer({ response: ['done'] }), JOB)).toThrow(
      /scn_out.*may have started/,
    );
  });

  it.each([
    ['null', null],
    ['an empty string', ''],
    ['zero', 0],
    ['a negative number', -5],
    ['text', 'abc'],
    ['an unsafe float', 2 ** 60],
  ])('fails for an OUT bind holding %s', (_, result) => {
    expect(() => parseConsistentStartAnswer(answer(outBind(result)), JOB)).toThrow(/no SCN/);
  });

  it('fails for an HTML page from a proxy, quoting its start', () => {
    expect(() => parseConsistentStartAnswer('<html><body>Gateway login</body></html>', JOB)).toThrow(
      /OrdsResponseError|without an items list: <html>/,
    );
  });

  it('fails for an answer with two items', () => {
    const json = answer(outBind(1));
    const two = { items: [...json.items, ...json.items] };
    expect(() => parseConsistentStartAnswer(two, JOB)).toThrow(/2 item\(s\)/);
  });
});

describe('pollRequest', () => {
  it('queries USER_DATAPUMP_JOBS with the job name bound', () => {
    expect(pollRequest(JOB)).toEqual({
      statementText: POLL_STATEMENT,
      binds: [{ name: 'j', data_type: 'VARCHAR2', value: JOB }],
    });
    expect(POLL_STATEMENT).toMatch(/FROM user_datapump_jobs WHERE job_name = :j$/);
  });
});

describe('parsePollAnswer', () => {
  const rows = (items: unknown[]) => answer({ statementType: 'query', resultSet: { items } });

  it('reads a running job', () => {
    expect(
      parsePollAnswer(rows([{ state: 'EXECUTING', attached_sessions: 0, datapump_sessions: 2 }]), JOB),
    ).toEqual({
      state: 'EXECUTING',
      finished: false,
      datapumpSessions: 2,
    });
  });

  it('reads NOT RUNNING with padding as finished', () => {
    expect(parsePollAnswer(rows([{ state: ' not running ', datapump_sessions: 0 }]), JOB).finished).toBe(
      true,
    );
  });

  it('reads no row as finished with no state (control table gone)', () => {
    expect(parsePollAnswer(rows([]), JOB)).toEqual({ state: null, finished: true, datapumpSessions: null });
  });

  it('fails for two rows', () => {
    expect(() => parsePollAnswer(rows([{ state: 'EXECUTING' }, { state: 'EXECUTING' }]), JOB)).toThrow(
      /2 rows/,
    );
  });

  it('fails for a row without a state', () => {
    expect(() => parsePollAnswer(rows([{ datapump_sessions: 1 }]), JOB)).toThrow(/without a state/);
  });

  it('fails for a failed query, quoting the ORA- error', () => {
    expect(() =>
      parsePollAnswer(
        answer({ errorCode: 942, errorDetails: 'ORA-00942: table or view does not exist' }),
        JOB,
      ),
    ).toThrow('ORA-00942');
  });

  it('fails for an HTML page', () => {
    expect(() => parsePollAnswer('<!DOCTYPE html><title>Sign in</title>', JOB)).toThrow(/items list/);
  });
});
