import { describe, expect, it } from 'vitest';
import { databaseClockTime } from '../../../simulator/database-clock.js';
import { startOrdsSimulator } from '../../../simulator/index.js';

describe('the simulated database clock', () => {
  it('prints a moment in an offset zone and in an IANA zone across the night it turns back', () => {
    expect(databaseClockTime(new Date('2026-12-06T20:00:00Z'), '+09:00')).toEqual({
      text: '2026-12-07T05:00:00',
      offset: '+09:00',
    });
    expect(databaseClockTime(new Date('2026-11-01T05:50:00Z'), 'America/New_York')).toEqual({
      text: '2026-11-01T01:50:00',
      offset: '-04:00',
    });
    expect(databaseClockTime(new Date('2026-11-01T06:05:00Z'), 'America/New_York')).toEqual({
      text: '2026-11-01T01:05:00',
      offset: '-05:00',
    });
  });

  it('fails on a time zone it cannot play, naming it', async () => {
    await expect(startOrdsSimulator({ databaseTimeZone: 'Mars/Olympus' })).rejects.toThrow(
      /databaseTimeZone must be .*got "Mars\/Olympus"/,
    );
  });

  it('answers the identity and control-table queries in the database clock, job names in UTC', async () => {
    const at = new Date('2026-12-06T20:00:00Z');
    const simulator = await startOrdsSimulator({ databaseTimeZone: '-05:00', now: () => at });
    try {
      const auth = `Basic ${Buffer.from('DBAPI_USER:secret-password').toString('base64')}`;
      const post = (path: string, body: string, type: string) =>
        fetch(`${simulator.url}${path}`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': type },
          body,
        }).then((answer) => answer.json() as Promise<Record<string, unknown>>);
      const api = '_/db-api/stable/database/datapump/';
      await post(`${api}export`, JSON.stringify({ filter: 'HR', file_name: 'X%U.DMP' }), 'application/json');
      const started = await post(
        `${api}import`,
        JSON.stringify({ file_name: 'X%U.DMP', remap_schemas: [{ source: 'HR', target: 'HR_DRILL' }] }),
        'application/json',
      );
      expect(started.job_name).toBe('DATAPUMP_REST_IMPORT_20261206200000');

      const iso = `'YYYY-MM-DD"T"HH24:MI:SS'`;
      const answer = await post(
        '_/sql',
        [
          `SELECT USER AS db_user, TO_CHAR(SYSDATE, ${iso}) AS db_time, TO_CHAR(SYSTIMESTAMP, 'TZH:TZM') AS db_offset, (SELECT TO_CHAR(created, ${iso}) FROM all_users WHERE username = 'HR_DRILL') AS created_1 FROM dual;`,
          `SELECT object_name AS job_name, TO_CHAR(created, ${iso}) AS created, TO_CHAR(SYSTIMESTAMP, 'TZH:TZM') AS db_offset FROM user_objects WHERE object_type = 'TABLE' AND object_name LIKE 'DATAPUMP\\_REST\\_IMPORT\\_%' ESCAPE '\\' ORDER BY object_name;`,
        ].join('\n'),
        'application/sql',
      );
      const items = answer.items as Array<{ resultSet: { items: unknown[] } }>;
      expect(items[0]!.resultSet.items).toEqual([
        {
          db_user: 'DBAPI_USER',
          db_time: '2026-12-06T15:00:00',
          db_offset: '-05:00',
          created_1: '2026-12-06T15:00:00',
        },
      ]);
      expect(items[1]!.resultSet.items).toEqual([
        {
          job_name: 'DATAPUMP_REST_IMPORT_20261206200000',
          created: '2026-12-06T15:00:00',
          db_offset: '-05:00',
        },
      ]);
    } finally {
      await simulator.stop();
    }
  });
});
