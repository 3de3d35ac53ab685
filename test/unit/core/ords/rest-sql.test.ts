import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import { parseSqlResponse, sqlScript } from '../../../../functions/core/ords/rest-sql.js';
import { fixture } from './fixtures.js';

const REMOVE_DUMP = "BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', 'ORDERS-20261201T020000Z-1A2B-01.DMP'); END;";
const REMOVE_LOG = "BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', 'ORDERS-20261201T020000Z-1A2B.LOG'); END;";
const DROP = 'DROP TABLE "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261201020000" PURGE';

describe('REST-enabled SQL answers', () => {
  it('reads every statement of a recorded successful answer as done', () => {
    // GIVEN the recorded 200 answer to two file removals WHEN it is parsed
    const results = parseSqlResponse(fixture('rest-sql-cleanup-ok.json'), [REMOVE_DUMP, REMOVE_LOG]);

    // THEN both statements succeeded
    expect(results).toEqual([
      { ok: true, statement: REMOVE_DUMP },
      { ok: true, statement: REMOVE_LOG },
    ]);
  });

  it('reads the error code and the first line of the details inside a 200 answer', () => {
    const results = parseSqlResponse(fixture('rest-sql-errors.json'), [REMOVE_DUMP, DROP]);

    expect(results).toEqual([
      {
        ok: false,
        statement: REMOVE_DUMP,
        errorCode: 29283,
        errorDetails: 'ORA-29283: invalid file operation: nonexistent file or path',
      },
      { ok: false, statement: DROP, errorCode: 942, errorDetails: 'ORA-00942: table or view does not exist' },
    ]);
  });

  it('fails on an answer with fewer items than statements, so no statement passes unchecked', () => {
    expect(() =>
      parseSqlResponse(fixture('rest-sql-cleanup-ok.json'), [REMOVE_DUMP, REMOVE_LOG, DROP]),
    ).toThrow(
      expect.objectContaining({
        name: ErrorName.OrdsResponse,
        message: expect.stringContaining('2 item(s)'),
      }),
    );
  });

  it('fails on an answer without items, quoting it', () => {
    expect(() => parseSqlResponse({ code: 'oops' }, [DROP])).toThrow(
      /without an items list: \{"code":"oops"\}/,
    );
  });

  it("reads a query's rows from its resultSet", () => {
    const query = 'SELECT 1 AS n FROM dual';
    const answer = {
      items: [{ statementType: 'query', resultSet: { metadata: [], items: [{ n: 1 }], hasMore: false } }],
    };

    expect(parseSqlResponse(answer, [query])).toEqual([{ ok: true, statement: query, rows: [{ n: 1 }] }]);
  });

  it('ends PL/SQL blocks with a slash line and SQL statements with a semicolon', () => {
    expect(sqlScript([REMOVE_DUMP, DROP])).toBe(`${REMOVE_DUMP}\n/\n${DROP};`);
  });
});
