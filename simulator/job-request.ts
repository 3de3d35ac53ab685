import { defaultFileTemplate, FILE_NAME } from './file-names.js';
import type { SimulatorOptions } from './simulator-options.js';

/**
 * The parameters of a Data Pump POST (`job_mode`, `file_name`, `datapump_dir`, `threads`,
 * `keep_master`), read and checked in Oracle's order before any job exists.
 */

/** Data Pump job modes the export route accepts. */
export const JOB_MODES = ['FULL', 'SCHEMA', 'TABLE', 'TABLESPACE'] as const;

/** A request Data Pump refuses: the ORA- text of the 400 ORDS sends. */
export interface Refusal {
  readonly ok: false;
  readonly message: string;
}

/** The checked parameters of a POST. */
export interface JobRequest {
  readonly ok: true;
  /** `job_mode`, upper-cased (default SCHEMA). */
  readonly jobMode: string;
  /** `file_name`, or the default template. */
  readonly template: string;
  /** `datapump_dir` (default DATA_PUMP_DIR); not yet checked against the directories. */
  readonly directory: string;
  /** `threads` (default 1), the job's degree. */
  readonly degree: number;
  readonly keepMaster: boolean;
}

/** A refusal with that message. */
export function refuse(message: string): Refusal {
  return { ok: false, message };
}

function parseKeepMaster(value: unknown): boolean | undefined {
  if (value === undefined || value === 1 || value === '1' || value === true) return true;
  if (value === 0 || value === '0' || value === false) return false;
  return undefined;
}

/**
 * Reads the parameters of a POST body as the version the switches describe: `ignoreKeepMaster` treats
 * every job as `keep_master` 0 (ORDS before 25.x does not know it: Data Pump's default drops a
 * successful job), `refuseKeepMaster` answers 400 to a body that carries it (a strict gateway), and
 * `ignoreFileName` names an export's files from the default template (ORDS before 22.3).
 */
export function parseJobRequest(
  operation: 'EXPORT' | 'IMPORT',
  body: Readonly<Record<string, unknown>>,
  now: Date,
  version: Pick<SimulatorOptions, 'ignoreKeepMaster' | 'refuseKeepMaster' | 'ignoreFileName'>,
): JobRequest | Refusal {
  if (version.refuseKeepMaster && body.keep_master !== undefined) {
    return refuse(`Unrecognized field "keep_master" in the ${operation.toLowerCase()} request body`);
  }
  const jobModeValue = body.job_mode ?? 'SCHEMA';
  const jobMode = typeof jobModeValue === 'string' ? jobModeValue.trim().toUpperCase() : '';
  if (!(JOB_MODES as readonly string[]).includes(jobMode)) {
    return refuse(
      `ORA-39001: invalid argument value\njob_mode ${JSON.stringify(jobModeValue)} is not valid: use ${JOB_MODES.join(', ')}`,
    );
  }
  const fileNameValue = operation === 'EXPORT' && version.ignoreFileName ? undefined : body.file_name;
  if (operation === 'IMPORT' && fileNameValue === undefined) {
    return refuse(
      'ORA-39001: invalid argument value\nORA-39000: bad dump file specification: file_name is required',
    );
  }
  const template = fileNameValue === undefined ? defaultFileTemplate(now) : fileNameValue;
  if (typeof template !== 'string' || !FILE_NAME.test(template)) {
    return refuse(
      `ORA-39001: invalid argument value\nfile_name ${JSON.stringify(fileNameValue)} is not valid: use only A-Z a-z 0-9 _ . % -`,
    );
  }
  const directoryValue = body.datapump_dir ?? 'DATA_PUMP_DIR';
  const directory = typeof directoryValue === 'string' ? directoryValue : JSON.stringify(directoryValue);
  const threads = body.threads ?? 1;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    return refuse(
      `ORA-39001: invalid argument value\nthreads ${JSON.stringify(threads)} is not a positive integer`,
    );
  }
  const requestedKeepMaster = parseKeepMaster(body.keep_master);
  const keepMaster = version.ignoreKeepMaster ? false : requestedKeepMaster;
  if (requestedKeepMaster === undefined || keepMaster === undefined) {
    return refuse(
      `ORA-39001: invalid argument value\nkeep_master ${JSON.stringify(body.keep_master)} is not 0 or 1`,
    );
  }
  return { ok: true, jobMode, template, directory, degree: threads, keepMaster };
}
