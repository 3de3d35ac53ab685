import { describe, expect, it } from 'vitest';
import {
  MAX_EXPORTED_SCHEMAS,
  parseExportedObjects,
} from '../../../../functions/core/export/datapump-exported.js';

const englishLog = [
  'Export: Release 19.0.0.0.0 - Production on Mon Nov 23 02:00:00 2026',
  'Starting "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020000":',
  'Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA',
  '. . exported "HR"."EMPLOYEES"                           17.08 KB     107 rows',
  '. . exported "HR"."DEPARTMENTS"                         7.125 KB      27 rows',
  '. . exported "SALES"."ORDERS":"ORDERS_2025"             1.204 MB   10230 rows',
  '. . exported "SALES"."ORDERS":"ORDERS_2026"             1.101 MB    9100 rows',
  '. . exported "SALES"."EMPTY_TABLE"                          0 KB       0 rows',
  'Master table "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261123020000" successfully loaded/unloaded',
].join('\r\n');

describe('parseExportedObjects', () => {
  it('lists each schema with its tables and rows, partitions counted once per table', () => {
    // GIVEN an English log with tables of two schemas, one partitioned
    // WHEN it is parsed
    const exported = parseExportedObjects(englishLog);

    // THEN each schema has its distinct tables and summed rows
    expect(exported).toEqual({
      schemas: [
        { schema: 'HR', tables: 2, rows: 134 },
        { schema: 'SALES', tables: 2, rows: 19330 },
      ],
      truncated: false,
      tables: 4,
      rows: 19464,
    });
  });

  it('reads the Japanese form, where the row count ends in 行がエクスポートされました', () => {
    // GIVEN a Japanese log line (no "exported" keyword, 行 after the count)
    const log = [
      '処理オブジェクト型SCHEMA_EXPORT/TABLE/TABLE_DATA',
      '. . "HR"."EMPLOYEES"                           17.08 KB     107行がエクスポートされました',
    ].join('\n');
    // WHEN it is parsed
    // THEN the schema and counts are read as in English
    expect(parseExportedObjects(log).schemas).toEqual([{ schema: 'HR', tables: 1, rows: 107 }]);
  });

  it('reads lines behind LOGTIME timestamps', () => {
    // GIVEN a log written with LOGTIME=ALL
    const log = '23-NOV-26 02:00:01.123: . . exported "HR"."JOBS"   7.109 KB      19 rows';
    // WHEN it is parsed
    // THEN the timestamp does not hide the line
    expect(parseExportedObjects(log).schemas).toEqual([{ schema: 'HR', tables: 1, rows: 19 }]);
  });

  it('reports nothing for a log without exported lines (a metadata-only export)', () => {
    // GIVEN a log whose lines name the job and object types only
    // WHEN it is parsed
    // THEN no schema is claimed
    expect(parseExportedObjects('Processing object type SCHEMA_EXPORT/USER\n')).toEqual({
      schemas: [],
      truncated: false,
      tables: 0,
      rows: 0,
    });
  });

  it(`lists at most ${MAX_EXPORTED_SCHEMAS} schemas and says when it left some off`, () => {
    // GIVEN a full export touching more schemas than the cap
    const count = MAX_EXPORTED_SCHEMAS + 5;
    const log = Array.from(
      { length: count },
      (_, i) => `. . exported "S${String(i).padStart(3, '0')}"."T"   5 KB   2 rows`,
    ).join('\n');
    // WHEN it is parsed
    const exported = parseExportedObjects(log);

    // THEN the list is capped while the totals count every schema
    expect(exported.schemas).toHaveLength(MAX_EXPORTED_SCHEMAS);
    expect(exported).toMatchObject({ truncated: true, tables: count, rows: 2 * count });
  });
});
