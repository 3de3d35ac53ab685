import type { ExportedObjects } from '../state/index.js';

/**
 * Reading what a Data Pump export wrote, from the `. . exported "HR"."EMPLOYEES"  17.08 KB  107 rows`
 * lines of its log (or what an import loaded, from its `. . imported …` lines): the schemas seen, with counts of tables and rows. Only names and counts leave
 * this function, capped, so the summary fits in a Step Functions payload (256 KiB for the whole state).
 */

/** Most schemas listed; the totals still count every line. */
export const MAX_EXPORTED_SCHEMAS = 100;

/**
 * One table (or partition) line. English: `. . exported "HR"."EMPLOYEES"  17.08 KB  107 rows`;
 * Japanese: `. . "HR"."EMPLOYEES"  17.08 KB  107行がエクスポートされました`. A partition adds
 * `:"P1"` after the table; the size unit may be B, KB, MB, GB or TB.
 */
const EXPORTED_LINE =
  /^\.\s+\.\s+(?:(?:exported|imported)\s+)?"([^"]+)"\."([^"]+)"(?::"[^"]+")?\s+[\d.,]+\s*[KMGT]?B\s+(\d+)\s*(?:rows?\b|行)/i;

/** The schemas, tables and rows an export log reports as exported. */
export function parseExportedObjects(text: string): ExportedObjects {
  const bySchema = new Map<string, { tables: Set<string>; rows: number }>();
  let rows = 0;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    // LOGTIME=ALL puts a timestamp before the `. .`; the line itself starts at the first `. .`.
    const at = raw.indexOf('. .');
    const match = at < 0 ? null : EXPORTED_LINE.exec(raw.slice(at).trim());
    if (!match) continue;
    const [, schema = '', table = '', count = '0'] = match;
    const entry = bySchema.get(schema) ?? { tables: new Set<string>(), rows: 0 };
    entry.tables.add(table);
    entry.rows += Number(count);
    rows += Number(count);
    bySchema.set(schema, entry);
  }
  const all = [...bySchema.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    schemas: all
      .slice(0, MAX_EXPORTED_SCHEMAS)
      .map(([schema, entry]) => ({ schema, tables: entry.tables.size, rows: entry.rows })),
    truncated: all.length > MAX_EXPORTED_SCHEMAS,
    tables: all.reduce((sum, [, entry]) => sum + entry.tables.size, 0),
    rows,
  };
}

/**
 * The rows of each table of one schema, as a Data Pump log reports them (`exported` or `imported`
 * lines; a partitioned table's partitions summed). Keys are table names as the log prints them.
 */
export function tableRowsOf(text: string, schema: string): Map<string, number> {
  const rows = new Map<string, number>();
  const wanted = schema.toUpperCase();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const at = raw.indexOf('. .');
    const match = at < 0 ? null : EXPORTED_LINE.exec(raw.slice(at).trim());
    if (!match || match[1]?.toUpperCase() !== wanted) continue;
    const table = match[2] ?? '';
    rows.set(table, (rows.get(table) ?? 0) + Number(match[3] ?? '0'));
  }
  return rows;
}
