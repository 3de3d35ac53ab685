/**
 * The Data Pump export: the export spec, starting (and adopting) a job, polling it, and reading
 * its log into a verdict.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export { jobTime, RELIST_DELAYS_MS } from './adopt-job.js';
export type { ConsistentJobState, ConsistentStartAnswer } from './consistent-answer.js';
export {
  ORA_JOB_EXISTS,
  POLL_STATEMENT,
  parseConsistentStartAnswer,
  parsePollAnswer,
  pollRequest,
} from './consistent-answer.js';
export type {
  ConsistentExportInput,
  ConsistentExportOptions,
  ConsistentExportPlan,
  ConsistentExportRequest,
  DataPumpSetting,
  LicensedOption,
  ScnSource,
  SqlBind,
} from './consistent-block.js';
export {
  consistentExportPlan,
  DEFAULT_FILESIZE_BYTES,
  filesizeForRun,
  LOG_MARKER,
  MAX_DUMP_FILES,
} from './consistent-block.js';
export {
  CONSISTENT_JOB_PREFIX,
  checkJobName,
  consistentJobName,
  DOCTOR_JOB_MARKER,
  doctorProbeJobName,
  isConsistentJobName,
  isDoctorProbeJobName,
} from './consistent-job-name.js';
export type { ConsistentLogEvidence } from './consistent-log.js';
export { HOLE_ERRORS, readConsistentLog } from './consistent-log.js';
export type { ConsistentOptions } from './consistent-options.js';
export {
  ConsistentOptionsSchema,
  FILESIZE_BYTES,
  LICENSED_OPTIONS,
  unacknowledgedOption,
} from './consistent-options.js';
export type { ProbeResult } from './consistent-probe.js';
export { probeConsistentJob, STOP_JOB_STATEMENT, stopConsistentJob } from './consistent-probe.js';
export { parseExportedObjects, tableRowsOf } from './datapump-exported.js';
export { parseExportLog, stripLogLinePrefix } from './datapump-log.js';
export type { ExportSpec, ExportSpecInput } from './export-spec.js';
export { ExportSpecSchema, FILE_NAME_TEMPLATE, ORACLE_IDENTIFIER } from './export-spec.js';
export { readJob } from './read-job.js';
export { readLog } from './read-log.js';
export {
  type ConsistentStart,
  MAX_BLOCK_SENDS,
  type StartConsistentDeps,
  type StartConsistentInput,
  startConsistentExport,
} from './start-consistent-export.js';
export { startExport } from './start-export.js';
