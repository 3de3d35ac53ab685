/**
 * The ORDS Database API client: authentication, the Data Pump routes, downloads, REST-enabled SQL,
 * the parsing of ORDS answers, and the retry of transient ORDS errors.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export type {
  DataPumpJob,
  ExportRequestBody,
  FileDownload,
  ImportApi,
  ImportRequestBody,
  JobFile,
  JobListItem,
  JobTaskDeps,
  Logger,
  OrdsApi,
  OrdsCredentials,
  OrdsSecret,
} from './ords-api.js';
export { basicAuthorization, parseTokenResponse } from './ords-auth.js';
export { OrdsClient } from './ords-client.js';
export type { OrdsConnection, ProbeAnswer, ProbeRequest } from './ords-connection.js';
export { connectOrds } from './ords-connection.js';
export {
  describeErrorBody,
  errorCode,
  isOrdsNotFound,
  mayHaveCreatedJob,
  OrdsHttpRequestError,
  OrdsHttpUnavailableError,
  refusedFieldOf,
  sanitizeSnippet,
} from './ords-errors.js';
export { FINISHED_STATES, jobActivity } from './ords-parse.js';
export { parseOrdsSecret, SECRET_DATABASE_TAG, tagSecretCommand } from './ords-secret.js';
export { jobsUrl, parseOrdsUrl, sqlUrl, tokenUrl } from './ords-url.js';
export type {
  RestSqlApi,
  SqlRequest,
  SqlRequestApi,
  SqlRequestBind,
  SqlStatementResult,
} from './rest-sql.js';
export type { TransientRetryDeps } from './transient-retry.js';
export { retryTransient } from './transient-retry.js';
