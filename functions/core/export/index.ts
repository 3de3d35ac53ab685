/**
 * The Data Pump export: the export spec, starting (and adopting) a job, polling it, and reading
 * its log into a verdict.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export { jobTime, RELIST_DELAYS_MS } from './adopt-job.js';
export { parseExportedObjects } from './datapump-exported.js';
export { parseExportLog } from './datapump-log.js';
export type { ExportSpec, ExportSpecInput } from './export-spec.js';
export { ExportSpecSchema, FILE_NAME_TEMPLATE, ORACLE_IDENTIFIER } from './export-spec.js';
export { readJob } from './read-job.js';
export { readLog } from './read-log.js';
export { startExport } from './start-export.js';
