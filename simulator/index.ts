/**
 * The ORDS simulator: an HTTP server that behaves like the Data Pump routes of Oracle REST Data
 * Services' Database API, with switches for every documented variant and fault. `npm start`, the
 * end-to-end tests and the benchmark use it. See README.md in this folder.
 */

export type { SimulatedUser } from './database-users.js';
export type { RecordedRequest } from './exchange.js';
export { BLOCK_BYTES, CHUNK_BYTES, fileContent, fileSha256 } from './file-content.js';
export { defaultFileTemplate, dumpFileNames, jobTimestamp, logFileName } from './file-names.js';
export { JOB_MODES } from './job-request.js';
export type { SimulatedFileView, SimulatedJobView } from './job-view.js';
export { EXPORTED_SCHEMA, finalLogLine, oracleElapsed, oracleLogTime, oracleLogTimeJa } from './log-text.js';
export { type OrdsSimulator, startOrdsSimulator } from './ords-simulator.js';
export { type InjectedSqlError, type SqlError, splitScript } from './rest-sql.js';
export { defaultSimulatorOptions, type SimulatorOptions } from './simulator-options.js';
export {
  JOB_OUTCOMES,
  type JobOutcome,
  type LinkRels,
  type ListNoise,
  LOG_LANGUAGES,
  type LogLanguage,
  type OutcomeSetting,
  type PostHang,
  type RouteKind,
  type TransientFailures,
} from './switch-types.js';
