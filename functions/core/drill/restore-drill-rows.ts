import { tableRowsOf } from '../export/index.js';
import type { OrdsApi } from '../ords/index.js';
import type { JobRef } from '../state/index.js';
import type { TableRows } from './restore-drill-payloads.js';

/**
 * "Rows that came back": every table of the drilled schema, with the rows its export log says were
 * exported and the rows the drill's import log says were imported into the drill schema. A table
 * missing on one side, or a count that differs, is a mismatch and fails the drill. Names and counts
 * only leave this file, capped, so that the state stays within Step Functions' 256 KiB.
 */

/** Most tables carried in the state (and so listed in `restore-drill.json`); every table is compared. */
export const MAX_TABLES_LISTED = 1000;
/** Most mismatch sentences carried; `mismatchCount` counts them all. */
const MAX_MISMATCHES_LISTED = 20;

/** The comparison, as `$.drillOutcome` carries it. */
export interface RowComparison {
  readonly tableRows: TableRows[];
  readonly tableRowsTruncated: boolean;
  readonly mismatchCount: number;
  readonly mismatches: string[];
}

/** Compares the drilled schema's tables in the export log with the target's in the import log. */
export function compareTableRows(
  exportLog: string,
  importLog: string,
  schema: string,
  targetSchema: string,
): RowComparison {
  const exported = tableRowsOf(exportLog, schema);
  const imported = tableRowsOf(importLog, targetSchema);
  const names = [...new Set([...exported.keys(), ...imported.keys()])].sort();
  const all = names.map((table) => ({
    table,
    exported: exported.get(table) ?? null,
    imported: imported.get(table) ?? null,
  }));
  const mismatches = all
    .filter((row) => row.exported !== row.imported)
    .map(({ table, exported: out, imported: back }) =>
      out === null
        ? `${targetSchema}.${table}: ${back} row(s) imported, but the export log lists no table ${schema}.${table}`
        : back === null
          ? `${schema}.${table}: ${out} row(s) exported, but the import log shows no table ${targetSchema}.${table}`
          : `${schema}.${table}: ${out} row(s) exported, ${back} imported into ${targetSchema}.${table}`,
    );
  return {
    tableRows: all.slice(0, MAX_TABLES_LISTED),
    tableRowsTruncated: all.length > MAX_TABLES_LISTED,
    mismatchCount: mismatches.length,
    mismatches: mismatches.slice(0, MAX_MISMATCHES_LISTED),
  };
}

/**
 * The export's log text, read from ORDS (it stays on the server until the cleanup, which runs after
 * the drill). Throws with the job's name when the log is not there: without it the drill cannot show
 * that the rows came back.
 */
export async function readExportLogText(
  ords: Pick<OrdsApi, 'getJob' | 'readLog'>,
  exportJob: JobRef,
): Promise<string> {
  const { owner, jobName } = exportJob;
  const job = await ords.getJob(owner, jobName);
  const logName = job?.files.find((file) => file.kind === 'log')?.name ?? exportJob.logFileName;
  if (!logName) {
    throw new Error(
      `the export ${owner}.${jobName} links no log, so its exported rows cannot be compared with the import's`,
    );
  }
  return ords.readLog(owner, jobName, logName);
}
